"""meta.json: RunMeta written and read back, old files (no version, legacy keys) and newer ones."""

from __future__ import annotations

import json

import pytest

from steeldefect.artifacts.run_folder import Run, run_dir_of
from steeldefect.artifacts.run_meta import (META_FILE, RunMeta, read_meta, run_input_size, run_precision,
                                            write_meta)
from steeldefect.errors import SteelDefectError


def _folder(tmp_path, fold=0):
    path = run_dir_of(tmp_path, "segmenter", "bb", fold)
    path.mkdir(parents=True)
    return path


def test_write_then_read_gives_the_same_meta_in_the_old_key_order(tmp_path):
    meta = RunMeta(kind="segmenter", backbone="bb", member="bb", fold=0, seed=3, input_size=(64, 384),
                   data="data/synth", epoch_wall_s=(1.5, 2.0), devices=("CPU",), strategy="default",
                   precision="float32", versions={"numpy": "2"}, git_commit=None, oof_shape=(4, 32, 192, 4))
    path = write_meta(_folder(tmp_path), meta)
    assert read_meta(path.parent) == meta
    data = json.loads(path.read_text())
    assert list(data)[:5] == ["format_version", "kind", "backbone", "member", "fold"]
    assert data["format_version"] == 1 and data["input_size"] == [64, 384] and data["git_commit"] is None
    assert "weight_averaging" not in data  # left out when not recorded, as before


def test_an_old_file_loads_and_keeps_unknown_keys(tmp_path):
    path = _folder(tmp_path)
    (path / META_FILE).write_text(json.dumps({"input_size": [64, 384], "device": {"dtype_policy": "mixed_bfloat16"},
                                              "note": "hand-made"}))
    run = Run("segmenter", "bb", 0, path)
    meta = read_meta(run)
    assert meta.input_size == (64, 384) and meta.extra["note"] == "hand-made" and meta.git_commit == ""
    assert run_input_size(run) == (64, 384) and run_precision(run) == "mixed_bfloat16"
    assert "git_commit" not in meta.to_dict()  # not recorded stays not recorded


def test_a_newer_file_is_refused_in_one_line(tmp_path, refused):
    path = _folder(tmp_path)
    (path / META_FILE).write_text(json.dumps({"format_version": 2, "input_size": [64, 384]}))
    refused(path / META_FILE, lambda: read_meta(path))


def test_input_size_comes_from_meta_only(tmp_path):
    for fold, meta in enumerate([None, {"input_size": None}, {"input_size": [64]}, {"input_size": [64, 0]},
                                 {"input_size": [64.5, 384]}], start=1):
        path = _folder(tmp_path, fold)
        if meta is not None:
            (path / META_FILE).write_text(json.dumps(meta))
        with pytest.raises(SteelDefectError, match="records no input_size"):
            run_input_size(Run("segmenter", "bb", fold, path))
    (path / META_FILE).write_text("{not json")
    assert read_meta(path) == RunMeta() and run_precision(path) == "float32"
