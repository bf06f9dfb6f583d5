"""The fast threshold search against the brute-force reference: same surfaces, choices and scores."""

from __future__ import annotations

import numpy as np
import pytest

from testkit.brute_force import brute_force_component_surface, brute_force_surface, brute_force_tune
from steeldefect.tuning.component_search import chunk_component_curves
from steeldefect.postprocess.masks import area_scale, threshold_level
from steeldefect.tuning.histograms import stats_from_arrays
from steeldefect.tuning.sweep import TuneGrid, first_best, select
from steeldefect.tuning.tune import (class_surface, rule_options, rule_surfaces, run_tune,
                                     tune_components, tune_stats)
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.oof import OOF_FILE

SCALE = area_scale((16, 40))  # full-resolution pixels per pixel of the test masks (640)
GRID = TuneGrid(pixel_thresholds=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
                min_areas=tuple(int(SCALE * a) for a in (0, 2, 5, 10, 20, 40)),
                gates=(0.0, 0.2, 0.4, 0.5, 0.6, 0.8),
                min_components=tuple(int(SCALE * a) for a in (0, 2, 4, 8)),
                survival_thresholds=(), gate_area_factors=())  # one level, hard gate: the rules as before
RULES_GRID = TuneGrid(pixel_thresholds=(0.2, 0.35, 0.5, 0.65), min_areas=GRID.min_areas[:5],
                      gates=(0.0, 0.3, 0.5, 0.7), min_components=GRID.min_components[:3],
                      survival_thresholds=(0.5, 0.7), gate_area_factors=(1.0, 3.0))  # two-level, soft gate


def _tune_both(case, shared_gate=False, components=False, grid=GRID):
    q, cls = case.mean_levels, case.mean_cls
    stats = stats_from_arrays(case.image_ids, q, case.truth, cls)
    fast = tune_stats(stats, grid, shared_gate)
    if components:
        levels = [c.chosen.level for c in fast.classes]
        area, inter = chunk_component_curves(q, case.truth, levels, grid.min_components, stats.scale)
        fast = tune_components(fast, stats, area, inter)
    slow = brute_force_tune(q, case.truth, cls, grid, shared_gate, components)
    return fast, slow


def _assert_same_choice(fast, slow):
    for got, (want, want_dice) in zip(fast.classes, slow):
        assert got.chosen.pixel_threshold == want["pixel_threshold"]
        assert got.chosen.min_area == want["min_area"]
        assert got.chosen.gate == want["gate"]
        assert got.chosen.min_component == want["min_component"]
        assert got.chosen.survival_threshold == want["survival_threshold"]
        assert got.chosen.gate_area_factor == want["gate_area_factor"]
        assert got.dice == pytest.approx(want_dice, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("cls_outputs", [0, 1, 4])
def test_surfaces_equal_brute_force(oof_case, seed, cls_outputs):
    case = oof_case(seed, n_cls=1 if cls_outputs else 0, cls_outputs=max(cls_outputs, 1))
    stats = stats_from_arrays(case.image_ids, case.mean_levels, case.truth, case.mean_cls)
    gates = GRID.gates if cls_outputs else (0.0,)
    for c in range(4):
        gp = stats.gate_probs(c)
        slow = brute_force_surface(case.mean_levels[..., c], case.truth[..., c], gp, GRID.pixel_thresholds,
                                   GRID.min_areas, gates)
        np.testing.assert_allclose(class_surface(stats, c, GRID), slow, rtol=0, atol=1e-9)


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("shared_gate", [False, True])
@pytest.mark.parametrize("components", [False, True])
def test_choice_and_score_equal_brute_force(oof_case, seed, shared_gate, components):
    fast, slow = _tune_both(oof_case(seed, cls_outputs=1 + 3 * (seed % 2)), shared_gate, components)
    _assert_same_choice(fast, slow)
    if shared_gate:
        assert len({c.chosen.gate for c in fast.classes}) == 1


@pytest.mark.parametrize("cls_outputs", [0, 1, 4])
def test_two_level_and_soft_gate_surfaces_equal_brute_force(oof_case, cls_outputs):
    case = oof_case(5, n=20, n_cls=1 if cls_outputs else 0, cls_outputs=max(cls_outputs, 1))
    stats = stats_from_arrays(case.image_ids, case.mean_levels, case.truth, case.mean_cls)
    survivals, factors = rule_options(stats, RULES_GRID)
    assert survivals == (None, 0.5, 0.7) and factors == ((None,) if not cls_outputs else (None, 1.0, 3.0))
    gates = RULES_GRID.gates if cls_outputs else (0.0,)
    levels = [threshold_level(t) for t in RULES_GRID.pixel_thresholds]
    for c in range(4):
        fast = rule_surfaces(stats, c, stats.pred_area[:, c, levels], stats.inter[:, c, levels],
                             RULES_GRID.min_areas, gates, survivals, factors)
        for s, survival in enumerate(survivals):
            for f, factor in enumerate(factors):
                slow = brute_force_surface(case.mean_levels[..., c], case.truth[..., c], stats.gate_probs(c),
                                           RULES_GRID.pixel_thresholds, RULES_GRID.min_areas, gates, 0, survival,
                                           factor)
                np.testing.assert_allclose(fast[s, f], slow, rtol=0, atol=1e-9)


@pytest.mark.parametrize(("seed", "shared_gate", "components"), [(0, False, True), (3, True, False)])
def test_two_level_and_soft_gate_choice_and_score_equal_brute_force(oof_case, seed, shared_gate, components):
    case = oof_case(seed, n=20, cls_outputs=1 + 3 * (seed % 2))
    fast, slow = _tune_both(case, shared_gate, components, RULES_GRID)
    _assert_same_choice(fast, slow)
    for c in fast.classes:  # the families nest: more rules never score less
        fam = {k: round(v, 12) for k, v in c.families.items()}  # sums in another order: last-digit noise
        assert fam["none"] <= fam["hard_gate"] <= fam["soft_gate"] <= fam["both"]
        assert fam["hard_gate"] <= fam["two_level"] <= fam["both"]
        if shared_gate:  # families are each class's own best; a shared gate may cost some
            assert fam["both"] >= round(c.dice, 12)
        else:
            assert fam["both"] == pytest.approx(c.dice, abs=1e-12)


def test_the_new_rules_win_where_they_should():
    """Hand-made: a true defect with a confident core and a faint rim, and a wide faint false positive.
    One level either misses the rim (high) or keeps the false positive (low); two levels do neither."""
    n, h, w = 4, 16, 40
    truth = np.zeros((n, h, w, 4), bool)
    q = np.zeros((n, h, w, 4), np.uint8)
    truth[0, 2:12, 5:25, 0] = True
    q[0, 2:12, 5:25, 0] = 110
    q[0, 5:9, 10:20, 0] = 230
    q[2, 0:16, 0:40, 0] = 110
    grid = TuneGrid(pixel_thresholds=(0.4, 0.8), min_areas=(0, int(SCALE * 30)), gates=(0.0, 0.5),
                    min_components=(0,), survival_thresholds=(0.8,), gate_area_factors=(1.0,))
    stats = stats_from_arrays([f"{i}.jpg" for i in range(n)], q, truth, np.array([0.9, 0.9, 0.9, 0.1]))
    result = tune_stats(stats, grid)
    chosen = result.classes[0].chosen
    assert (chosen.pixel_threshold, chosen.survival_threshold) == (0.4, 0.8)  # drawn low, survives high
    families = result.classes[0].families
    assert families["two_level"] == families["both"] == 1.0 and families["hard_gate"] < 1.0


def test_rule_ties_keep_the_rules_of_before_even_with_a_shared_gate():
    from steeldefect.tuning.tune import rule_families, select_rules

    surfaces = [np.zeros((2, 2, 1, 1, 3)) for _ in range(4)]
    for s in surfaces:
        s[0, 0, 0, 0, 2] = 1.0  # the old rules' best is at the highest gate ...
        s[1, 1, 0, 0, 0] = 1.0  # ... a new rule ties it at the lowest gate
    assert select_rules(surfaces, shared_gate=True) == [(0, 0, 0, 0, 2)] * 4
    surfaces[0][1, 1, 0, 0, 0] = 2.0  # a strict gain wins
    assert select_rules(surfaces, shared_gate=True)[0] == (1, 1, 0, 0, 0)
    assert select_rules(surfaces, shared_gate=False)[1] == (0, 0, 0, 0, 2)
    # "none" without a 0 gate in the grid comes from the factor 1 (no gate), not NaN
    surface = np.zeros((1, 2, 1, 1, 3))
    surface[0, 1, 0, 0, 1] = 0.5  # factor 1 at any gate is no gate
    families = rule_families(surface, (0.1, 0.2, 0.3), (None, 1.0), 1)
    assert families["none"] == 0.5 and families["hard_gate"] == 0.0 and families["both"] == 0.5
    assert np.isnan(rule_families(surface[:, :1], (0.1, 0.2, 0.3), (None,), 1)["none"])


def test_tuning_beats_defaults_and_default_score_is_exact(oof_case):
    case = oof_case(7, n=40)
    stats = stats_from_arrays(case.image_ids, case.mean_levels, case.truth, case.mean_cls)
    result = tune_stats(stats, GRID)
    for c, cr in enumerate(result.classes):
        slow = brute_force_surface(case.mean_levels[..., c], case.truth[..., c], None, (0.5,), (0,), (0.0,))
        assert cr.default_dice == pytest.approx(slow[0, 0, 0] / 40, abs=1e-12)
        assert cr.dice >= cr.default_dice - 1e-12
    assert result.mean_dice > result.default_mean_dice


def test_component_curves_equal_brute_force(oof_case):
    case = oof_case(11)
    q, truth = case.mean_levels, case.truth
    levels = [threshold_level(0.3)] * 4
    area, inter = chunk_component_curves(q, truth, levels, GRID.min_components, SCALE)
    stats = stats_from_arrays(case.image_ids, q, truth, case.mean_cls)
    from steeldefect.tuning.sweep import dice_sums

    for c in range(4):
        fast = dice_sums(area[:, c], inter[:, c], stats.truth_area[:, c], stats.gate_probs(c), SCALE,
                         GRID.min_areas, GRID.gates)
        slow = brute_force_component_surface(q[..., c], truth[..., c], stats.gate_probs(c), 0.3,
                                             GRID.min_components, GRID.min_areas, GRID.gates)
        np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-9)
    # size 0 removes nothing: the curves equal the histogram lookups at that level
    np.testing.assert_array_equal(area[:, :, 0], stats.pred_area[:, :, levels[0]])
    np.testing.assert_array_equal(inter[:, :, 0], stats.inter[:, :, levels[0]])


def test_ties_go_to_the_first_grid_point():
    values = np.array([[1.0, 3.0], [3.0 + 1e-12, 2.0]])
    assert first_best(values) == (0, 1)
    s = [np.zeros((2, 2, 3)) for _ in range(4)]
    assert select(s) == [(0, 0, 0)] * 4
    s[0][1, 1, 2] = 1.0
    assert select(s)[0] == (1, 1, 2) and select(s, shared_gate=True)[0] == (1, 1, 2)


def test_grid_is_validated():
    with pytest.raises(SteelDefectError, match="strictly increasing"):
        TuneGrid(min_areas=(0, 10, 5)).validate()
    with pytest.raises(SteelDefectError, match="same uint8 level"):
        TuneGrid(pixel_thresholds=(0.5, 0.501)).validate()
    with pytest.raises(SteelDefectError, match="start at 0"):
        TuneGrid(min_components=(10, 20)).validate()


def test_run_tune_on_a_runs_tree_matches_brute_force(tmp_path, oof_case, oof_runs):
    case = oof_case(21, n=24, n_seg=2, n_cls=2)
    runs = oof_runs(tmp_path / "runs", case, k=3)
    result, plan = run_tune(runs, case.labels(), GRID, components=True, chunk_size=5)
    assert sorted(plan.image_ids) == sorted(case.image_ids)
    assert plan.shape == (16, 40) and result.gate_kind == "image"
    slow = brute_force_tune(case.mean_levels, case.truth, case.mean_cls, GRID, components=True)
    for got, (want, want_dice) in zip(result.classes, slow):
        assert got.chosen.pixel_threshold == want["pixel_threshold"]
        assert (got.chosen.min_area, got.chosen.gate, got.chosen.min_component) == (
            want["min_area"], want["gate"], want["min_component"])
        assert got.dice == pytest.approx(want_dice, abs=1e-12)


def test_run_tune_without_segmenters_fails_clearly(tmp_path):
    (tmp_path / "runs").mkdir()
    with pytest.raises(SteelDefectError, match="no finished segmenter runs"):
        run_tune(tmp_path / "runs", None)


def test_oof_stream_reads_every_storage_the_same(tmp_path, oof_case, oof_runs):
    from steeldefect.tuning.oof_stream import RowReader, iter_oof, plan_oof

    case = oof_case(2, n=15, n_seg=2, n_cls=0)
    runs = oof_runs(tmp_path / "runs", case, k=2)
    plan = plan_oof(runs)
    kinds = set()
    for _, _, rows in plan.folds:
        for path, idx in rows:
            assert path.name == OOF_FILE
            reader = RowReader(path, idx)
            kinds.add("stream" if reader._stream is not None else type(reader._array).__name__)
            reader.close()
    assert kinds == {"stream", "memmap", "ndarray"}
    position = {i: k for k, i in enumerate(case.image_ids)}
    for chunk in (1, 4, 100):
        seen = []
        for start, ids, q in iter_oof(plan, chunk):
            assert start == len(seen)
            np.testing.assert_array_equal(q, case.mean_levels[[position[i] for i in ids]])
            seen += ids
        assert sorted(seen) == sorted(case.image_ids)
