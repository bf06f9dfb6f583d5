"""The Kaggle-hour estimate: FLOPs to seconds on a Kaggle GPU, and the package's warning past the hour."""

from __future__ import annotations

import shutil

import pytest
import yaml

from steeldefect.cli.main import main
from steeldefect.errors import SteelDefectError
from steeldefect.delivery.kaggle.hour_plan import (KAGGLE_LIMIT_S, KAGGLE_TEST_IMAGES, UTILISATION, get_gpu, hour_warning,
                                          plan_costs, seconds_per_image)
from steeldefect.artifacts.thresholds_file import save_thresholds
from steeldefect.postprocess.rules import Thresholds


def test_seconds_per_image_are_flops_over_the_reached_share_of_the_peak():
    p100 = get_gpu("p100")
    assert seconds_per_image(9.3e12 * UTILISATION, p100) == pytest.approx(1.0)
    assert seconds_per_image(1e9, get_gpu("t4")) == pytest.approx(1e9 / (65e12 * UTILISATION))
    with pytest.raises(SteelDefectError, match="choose one of p100, t4"):
        get_gpu("v100")


def test_plan_costs_feed_the_ensemble_estimate_select_budgets_with():
    costs = plan_costs({"segmenter/b0": 2e10, "classifier/b0": 2e9}, get_gpu("p100"), overhead_s=0.01)
    members = [("segmenter", "b0", 5), ("classifier", "b0", 5)]
    per_view = 5 * (2e10 + 2e9) / (9.3e12 * UTILISATION)
    assert costs.ensemble_s(100, 3, members) == pytest.approx(100 * (0.01 + 3 * per_view))
    assert "P100" in costs.machine


def test_warning_only_past_the_hour_and_with_the_figure():
    assert hour_warning(KAGGLE_LIMIT_S, "P100") is None
    warning = hour_warning(5000.4, "P100")
    assert "5,000 s" in warning and f"{KAGGLE_TEST_IMAGES:,}" in warning and "3,600 s" in warning


@pytest.fixture
def packaged_runs(tiny_runs, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(tiny_runs, runs)
    save_thresholds(Thresholds(), runs / "thresholds.yaml")
    wheel = tmp_path / "steeldefect-0.1.0-py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    return runs, wheel


@pytest.mark.slow
def test_kaggle_package_prints_the_estimate_and_warns_past_the_hour(packaged_runs, tmp_path, capsys):
    runs, wheel = packaged_runs
    assert main(["kaggle-package", "--runs", str(runs), "--out", str(tmp_path / "a"), "--wheel", str(wheel)]) == 0
    captured = capsys.readouterr()
    assert "estimated kernel time:" in captured.out and "P100" in captured.out
    assert "warning" not in captured.err  # two tiny models at 32 x 192 take seconds

    slow = tmp_path / "slow_costs.yaml"  # 0.2 s per fold model and view: 4 fold models x 3 views x 5,506 images
    slow.write_text(yaml.safe_dump({"machine": "a slow GPU", "overhead_s": 0.01,
                                    "models": {"segmenter/efficientnetb0": 0.2, "classifier/efficientnetb0": 0.2}}))
    assert main(["kaggle-package", "--runs", str(runs), "--out", str(tmp_path / "b"), "--wheel", str(wheel),
                 "--tta", "both", "--costs", str(slow)]) == 0
    expected = KAGGLE_TEST_IMAGES * (0.01 + 3 * 4 * 0.2)
    captured = capsys.readouterr()
    assert f"estimated kernel time: {expected:,.0f} s" in captured.out
    assert f"warning: this ensemble is estimated at {expected:,.0f} s" in captured.err
