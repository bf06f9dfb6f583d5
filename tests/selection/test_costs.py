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
