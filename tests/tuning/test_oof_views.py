"""OOF predictions of an ensemble spec: its members only, under its TTA views, combined by its reducer."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.artifacts.ensemble_file import EnsembleSpec
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.oof import oof_view_path
from steeldefect.artifacts.run_folder import find_runs
from steeldefect.tuning.oof_stream import iter_oof, plan_oof


def _view_levels(q: np.ndarray) -> np.ndarray:
    """What the fake hflip view predicts: other levels, so that a wrong file or view shows."""
    return (255 - q // 3).astype(np.uint8)


def _write_hflip_views(runs):
    for run in find_runs(runs, "segmenter") + find_runs(runs, "classifier"):
        with np.load(run.oof_path) as oof:
            ids, probs = oof["image_ids"], oof["probs"]
        view = _view_levels(probs) if run.kind == "segmenter" else 1 - probs
        np.savez_compressed(oof_view_path(run.path, "hflip"), image_ids=ids, probs=view)


def test_spec_picks_members_views_and_reducer(tmp_path, oof_case, oof_runs):
    case = oof_case(3, n=12, n_seg=2, n_cls=2)
    runs = oof_runs(tmp_path / "runs", case, k=2)
    _write_hflip_views(runs)
    position = {i: k for k, i in enumerate(case.image_ids)}
    spec = EnsembleSpec(("bb1",), ("bb0",), "hflip", "max")
    plan = plan_oof(runs, spec)
    assert {r.member for r in plan.segmenter_runs} == {"bb1"} and {r.member for r in plan.classifier_runs} == {"bb0"}
    assert plan.views == ("identity", "hflip") and plan.reducer == "max"
    q1 = case.seg_levels[1]
    want = np.maximum(q1, _view_levels(q1))
    for _, ids, q in iter_oof(plan, 5):
        np.testing.assert_array_equal(q, want[[position[i] for i in ids]])
    cls = case.cls_probs[0]
    np.testing.assert_allclose(plan.cls_probs, np.maximum(cls, 1 - cls)[[position[i] for i in plan.image_ids]],
                               rtol=1e-6)


def test_default_plan_is_unchanged_by_view_files(tmp_path, oof_case, oof_runs):
    case = oof_case(4, n=10, n_seg=2, n_cls=1)
    runs = oof_runs(tmp_path / "runs", case, k=2)
    _write_hflip_views(runs)
    plan = plan_oof(runs)
    position = {i: k for k, i in enumerate(case.image_ids)}
    for _, ids, q in iter_oof(plan, 4):
        np.testing.assert_array_equal(q, case.mean_levels[[position[i] for i in ids]])


def test_a_missing_view_file_says_how_to_make_it(tmp_path, oof_case, oof_runs):
    runs = oof_runs(tmp_path / "runs", oof_case(5, n=8, n_seg=1, n_cls=0), k=2)
    with pytest.raises(SteelDefectError, match=r"no OOF predictions under the vflip view \(oof_vflip.npz\); "
                                               "`steeldefect select` and `steeldefect tune --ensemble` make them"):
        plan_oof(runs, EnsembleSpec(("bb0",), (), "vflip"))
