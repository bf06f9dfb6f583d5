"""Costs files and the ensemble time estimate."""

from __future__ import annotations

import pytest

from steeldefect.errors import SteelDefectError
from steeldefect.selection.costs import Costs, load_costs, save_costs


def test_estimate_counts_every_fold_model_under_every_view():
    costs = Costs(0.01, {"segmenter/a": 0.1, "classifier/k": 0.02})
    # 100 images x (0.01 + 2 views x (5 folds x 0.1 + 5 folds x 0.02))
    assert costs.ensemble_s(100, 2, [("segmenter", "a", 5), ("classifier", "k", 5)]) == pytest.approx(121.0)
    with pytest.raises(SteelDefectError, match="the costs name no segmenter/b"):
        costs.ensemble_s(1, 1, [("segmenter", "b", 1)])


def test_round_trip_and_errors(tmp_path):
    costs = Costs(0.004, {"segmenter/a": 0.031}, "P100")
    save_costs(costs, tmp_path / "c.yaml")
    assert load_costs(tmp_path / "c.yaml") == costs
    (tmp_path / "bad.yaml").write_text("overhead_s: 0.1\nmodels: {segmenter/a: fast}\n")
    with pytest.raises(SteelDefectError, match=r"bad.yaml: models.segmenter/a: expected seconds >= 0, got 'fast'"):
        load_costs(tmp_path / "bad.yaml")
    (tmp_path / "bad2.yaml").write_text("overhead_s: 0.1\n")
    with pytest.raises(SteelDefectError, match="expected overhead_s and a models mapping"):
        load_costs(tmp_path / "bad2.yaml")


def test_costs_are_timed_on_the_runs_models_and_the_images(tiny_runs, tiny_dataset, tmp_path):
    import shutil

    import numpy as np

    from steeldefect.artifacts.run_folder import find_runs
    from steeldefect.artifacts.oof import quantise, write_oof
    from steeldefect.selection.costs import measure_costs

    runs = tmp_path / "runs"
    shutil.copytree(tiny_runs, runs)
    ids = sorted(p.name for p in (tiny_dataset / "train_images").iterdir())
    segmenter = find_runs(runs, "segmenter")[0]
    probs = np.random.default_rng(0).uniform(size=(len(ids), 32, 192, 4)).astype(np.float32)
    write_oof(segmenter.path, "segmenter", ids, quantise(probs ** 8))
    costs = measure_costs(find_runs(runs, "classifier") + find_runs(runs, "segmenter"), tiny_dataset / "train_images",
                          batch_size=2)
    assert set(costs.models) == {"classifier/efficientnetb0", "segmenter/efficientnetb0"}
    assert all(0 < v < 60 for v in costs.models.values()) and 0 < costs.overhead_s < 60
    assert "CPU" in costs.machine or "GPU" in costs.machine
