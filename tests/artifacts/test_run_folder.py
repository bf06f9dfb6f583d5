"""The run-folder contract: its names (old runs must keep loading), finding runs, the old import path."""

from __future__ import annotations

import json

import pytest

from steeldefect.artifacts import oof, run_folder, run_meta
from steeldefect.artifacts.run_folder import (Run, find_runs, is_done, mark_done, require_done, run_dir_of,
                                              run_from_path)
from steeldefect.errors import SteelDefectError


def test_the_names_are_those_existing_run_folders_use():
    # Renaming any of these orphans every run trained before; change them only with a migration.
    assert (run_folder.FOLDS_FILE, run_folder.CONFIG_FILE, run_meta.META_FILE, run_folder.HISTORY_FILE,
            run_folder.STATE_FILE, run_folder.MODEL_FILE, oof.OOF_FILE, run_folder.DONE_FILE) == (
        "folds.csv", "config.yaml", "meta.json", "history.csv", "state.json", "model.keras", "oof.npz", "DONE")
    assert run_folder.KINDS == ("classifier", "segmenter")
    assert run_folder.CHECKPOINT_PATTERN.format(7) == "ckpt-0007.keras"
    assert run_folder.PREDICTION_FILES == ("model.keras", "meta.json", "config.yaml", "DONE")


def _run(root, kind="segmenter", backbone="bb", fold=0, done=True, meta=None):
    path = run_dir_of(root, kind, backbone, fold)
    path.mkdir(parents=True)
    if meta is not None:
        (path / run_meta.META_FILE).write_text(json.dumps(meta))
    if done:
        mark_done(path)
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
    assert (run.kind, run.member, run.fold, run.done) == ("segmenter", "aa", 2, False)
    assert not is_done(run.path) and is_done(tmp_path / "segmenter" / "bb" / "fold0")
    with pytest.raises(SteelDefectError, match="has no DONE marker"):
        require_done([run])
    with pytest.raises(SteelDefectError, match="must be <kind>/<backbone>/fold<k>"):
        run_from_path(tmp_path / "segmenter" / "bb" / "notafold")

