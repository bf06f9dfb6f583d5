"""The run-folder contract: its names (old runs must keep loading), finding runs, meta, the OOF encoding."""

from __future__ import annotations

import json

import numpy as np
import pytest

from steeldefect import runfolder
from steeldefect.errors import SteelDefectError
from steeldefect.runfolder import (Run, dequantise, find_runs, quantise, read_meta, require_done, run_dir_of,
                                   run_from_path, run_input_size, to_oof_probs, write_oof)


def test_the_names_are_those_existing_run_folders_use():
    # Renaming any of these orphans every run trained before; change them only with a migration.
    assert (runfolder.FOLDS_FILE, runfolder.CONFIG_FILE, runfolder.META_FILE, runfolder.HISTORY_FILE,
            runfolder.STATE_FILE, runfolder.MODEL_FILE, runfolder.OOF_FILE, runfolder.DONE_FILE) == (
        "folds.csv", "config.yaml", "meta.json", "history.csv", "state.json", "model.keras", "oof.npz", "DONE")
    assert runfolder.KINDS == ("classifier", "segmenter")
    assert runfolder.CHECKPOINT_PATTERN.format(7) == "ckpt-0007.keras"


def test_quantise_is_the_oof_encoding_and_dequantise_its_inverse():
    p = np.array([0.0, 0.001, 0.5, 0.502, 0.998, 1.0, 1.2, -0.1], np.float32)
    q = quantise(p)
    assert q.dtype == np.uint8 and q.tolist() == [0, 0, 128, 128, 254, 255, 255, 0]
    assert quantise(q) is q  # already levels
    levels = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(quantise(dequantise(levels)), levels)
    assert np.abs(dequantise(quantise(p[:6])) - p[:6]).max() <= 0.5 / 255 + 1e-7


def test_oof_storage_forms_and_write(tmp_path):
    seg = to_oof_probs("segmenter", np.full((2, 3, 4, 4), 0.5, np.float32))
    assert seg.dtype == np.uint8 and int(seg.max()) == 128
    cls = to_oof_probs("classifier", np.array([[0.25], [0.75]], np.float64))
    assert cls.dtype == np.float32 and cls.shape == (2,)
    assert to_oof_probs("classifier", np.zeros((2, 4))).shape == (2, 4)
    path = write_oof(tmp_path, "segmenter", ["a.jpg", "b.jpg"], np.full((2, 3, 4, 4), 0.5, np.float32))
    with np.load(path) as oof:
        assert oof["image_ids"].tolist() == ["a.jpg", "b.jpg"] and oof["probs"].dtype == np.uint8


def _run(root, kind="segmenter", backbone="bb", fold=0, done=True, meta=None):
    path = run_dir_of(root, kind, backbone, fold)
    path.mkdir(parents=True)
    if meta is not None:
        (path / runfolder.META_FILE).write_text(json.dumps(meta))
    if done:
        runfolder.mark_done(path)
    return path


def test_find_runs_and_run_from_path(tmp_path):
    _run(tmp_path, fold=1)
    _run(tmp_path, fold=0)
    _run(tmp_path, backbone="aa", fold=2, done=False)
    (tmp_path / "segmenter" / "bb" / "notafold").mkdir()
    assert [r.name for r in find_runs(tmp_path, "segmenter")] == ["segmenter/bb/fold0", "segmenter/bb/fold1"]
    assert [r.name for r in find_runs(tmp_path, "segmenter", done_only=False)][0] == "segmenter/aa/fold2"
    assert find_runs(tmp_path, "classifier") == []
    with pytest.raises(SteelDefectError, match="valid kinds are classifier, segmenter"):
        find_runs(tmp_path, "gate")
    run = run_from_path(tmp_path / "segmenter" / "aa" / "fold2")
    assert (run.kind, run.backbone, run.fold, run.done) == ("segmenter", "aa", 2, False)
    with pytest.raises(SteelDefectError, match="has no DONE marker"):
        require_done([run])
    with pytest.raises(SteelDefectError, match="must be <kind>/<backbone>/fold<k>"):
        run_from_path(tmp_path / "segmenter" / "bb" / "notafold")


def test_input_size_comes_from_meta_only(tmp_path):
    good = Run("segmenter", "bb", 0, _run(tmp_path, meta={"input_size": [64, 384], "data": "d"}))
    assert run_input_size(good) == (64, 384) and read_meta(good)["data"] == "d"
    for fold, meta in enumerate([None, {"input_size": None}, {"input_size": [64]}, {"input_size": [64, 0]},
                                 {"input_size": [64.5, 384]}], start=1):
        bad = Run("segmenter", "bb", fold, _run(tmp_path, fold=fold, meta=meta))
        with pytest.raises(SteelDefectError, match="records no input_size"):
            run_input_size(bad)
    (good.path / runfolder.META_FILE).write_text("{not json")
    assert read_meta(good) == {}
