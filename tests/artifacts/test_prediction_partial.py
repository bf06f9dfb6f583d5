"""<out>.partial/: the fingerprint of the finished chunks, old and newer records."""

from __future__ import annotations

import json

from steeldefect.artifacts.prediction_partial import (PARTIAL_MANIFEST_FILE, chunk_paths, discard_chunks,
                                                      partial_dir, read_fingerprint, write_fingerprint)


def test_write_then_read_and_discard(tmp_path):
    partial = partial_dir(tmp_path / "sub.csv")
    assert partial.name == "sub.csv.partial"
    partial.mkdir()
    write_fingerprint(partial, "abc", 2)
    assert read_fingerprint(partial) == "abc"
    rows, subs = chunk_paths(partial, 2)
    rows[0].write_text("x")
    subs[0].write_text("x")
    assert discard_chunks(partial) == 1 and not rows[0].exists() and not subs[0].exists()


def test_an_old_record_counts_and_a_newer_one_does_not(tmp_path):
    (tmp_path / PARTIAL_MANIFEST_FILE).write_text(json.dumps({"fingerprint": "abc", "n_chunks": 1}))
    assert read_fingerprint(tmp_path) == "abc"
    (tmp_path / PARTIAL_MANIFEST_FILE).write_text(json.dumps({"format_version": 2, "fingerprint": "abc"}))
    assert read_fingerprint(tmp_path) is None  # computed again rather than trusted
