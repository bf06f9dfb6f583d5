"""synth.json: a record written and read back byte for byte, an old file (no format_version), a newer one."""

from __future__ import annotations

import json

from steeldefect.artifacts.synth_record import (SYNTH_RECORD_FILE, SynthCounts, SynthRecord, read_synth_record,
                                                synth_record_path, write_synth_record)

ARGUMENTS = {"generator": "steeldefect.synth", "version": 1, "seed": 3, "train": 5, "test": 2, "jpeg_quality": 90}
DONE = SynthRecord(ARGUMENTS, complete=True, summary=SynthCounts(2, (1, 0, 3, 1)))


def test_write_then_read(tmp_path):
    path = write_synth_record(tmp_path, DONE)
    assert path == synth_record_path(tmp_path) == tmp_path / SYNTH_RECORD_FILE
    assert read_synth_record(tmp_path) == DONE
    started = SynthRecord(ARGUMENTS)
    write_synth_record(tmp_path, started)
    assert read_synth_record(tmp_path) == started and started.summary is None


def test_bytes_are_the_old_ones_plus_the_version(tmp_path):
    write_synth_record(tmp_path, DONE)
    old = {"arguments": ARGUMENTS, "complete": True, "summary": {"train_clean": 2, "train_per_class": [1, 0, 3, 1]}}
    want = json.dumps({**old, "format_version": 1}, indent=2, sort_keys=True) + "\n"
    assert (tmp_path / SYNTH_RECORD_FILE).read_text() == want
    write_synth_record(tmp_path, SynthRecord(ARGUMENTS))
    assert json.loads((tmp_path / SYNTH_RECORD_FILE).read_text()) == {"arguments": ARGUMENTS, "complete": False,
                                                                      "format_version": 1}


def test_an_old_file_without_a_version_loads(tmp_path):
    old = {"arguments": ARGUMENTS, "complete": True, "summary": {"train_clean": 2, "train_per_class": [1, 0, 3, 1]}}
    (tmp_path / SYNTH_RECORD_FILE).write_text(json.dumps(old, indent=2, sort_keys=True) + "\n")
    assert read_synth_record(tmp_path) == DONE


def test_no_record_is_none(tmp_path):
    assert read_synth_record(tmp_path) is None
    (tmp_path / SYNTH_RECORD_FILE).write_text("{not json")
    assert read_synth_record(tmp_path) is None
    (tmp_path / SYNTH_RECORD_FILE).write_text("[1, 2]")
    assert read_synth_record(tmp_path) is None


def test_a_newer_file_is_refused_in_one_line(tmp_path, refused):
    path = tmp_path / SYNTH_RECORD_FILE
    path.write_text(json.dumps({"format_version": 2, "arguments": ARGUMENTS, "complete": True}))
    refused(path, lambda: read_synth_record(tmp_path))
