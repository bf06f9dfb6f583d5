"""`steeldefect select` end to end on a fake RUNS tree with a costs file, then `tune --ensemble`."""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml

from steeldefect.cli.main import main
from steeldefect.data.labels import write_labels
from steeldefect.artifacts.ensemble_file import load_spec
from steeldefect.artifacts.thresholds_file import load_thresholds
from steeldefect.artifacts.run_folder import find_runs
from steeldefect.artifacts.oof import oof_view_path
from steeldefect.selection.costs import Costs, save_costs


def _views(runs, rng):
    """Fake flip views: each run's OOF levels with noise (what a model under a flip might say)."""
    for run in find_runs(runs, "segmenter") + find_runs(runs, "classifier"):
        with np.load(run.oof_path) as oof:
            ids, probs = oof["image_ids"], oof["probs"]
        for view in ("hflip", "vflip"):
            if run.kind == "segmenter":
                noisy = np.clip(probs.astype(int) + rng.integers(-40, 41, probs.shape), 0, 255).astype(np.uint8)
            else:
                noisy = np.clip(probs + rng.normal(0, 0.1, probs.shape), 0, 1).astype(np.float32)
            np.savez_compressed(oof_view_path(run.path, view), image_ids=ids, probs=noisy)


@pytest.fixture
def fake(tmp_path, oof_case, oof_runs):
    case = oof_case(7, n=24, n_seg=3, n_cls=1)
    runs = oof_runs(tmp_path / "runs", case, k=2)
    _views(runs, np.random.default_rng(0))
    write_labels(case.labels(), tmp_path / "train.csv")
    save_costs(Costs(0.001, {"segmenter/bb0": 0.01, "segmenter/bb1": 0.05, "segmenter/bb2": 0.02,
                             "classifier/bb0": 0.005}, "test"), tmp_path / "costs.yaml")
    return runs, tmp_path


def _select(runs, tmp, budget, *extra):
    return main(["select", "--runs", str(runs), "--labels", str(tmp / "train.csv"), "--costs", str(tmp / "costs.yaml"),
                 "--budget-s", str(budget), "--images", "100", "--out", str(tmp / "sel" / "ensemble.yaml"), *extra])


def test_select_writes_an_ensemble_within_the_budget(fake, capsys):
    runs, tmp = fake
    assert _select(runs, tmp, 12) == 0
    printed = capsys.readouterr().out
    spec = load_spec(tmp / "sel" / "ensemble.yaml")
    sel = spec.selected
    assert sel["estimated_s"] <= 12 and sel["budget_s"] == 12 and sel["images"] == 100
    assert sel["steps"][0]["move"].startswith("start: segmenter")
    assert [s["oof_dice_stage1"] for s in sel["steps"]] == sorted(s["oof_dice_stage1"] for s in sel["steps"])
    assert sel["costs"]["machine"] == "test" and "every_member" in sel
    # the estimate of what was chosen, recomputed from the costs: 100 x (overhead + views x 2 folds x member)
    per_view = sum(2 * {"bb0": 0.01, "bb1": 0.05, "bb2": 0.02}[m] for m in spec.segmenters)
    per_view += sum(2 * 0.005 for _ in spec.classifiers)
    views = {"none": 1, "hflip": 2, "vflip": 2, "both": 3}[spec.tta]
    assert sel["estimated_s"] == pytest.approx(100 * (0.001 + views * per_view), abs=0.05)
    assert "chosen: segmenters" in printed and (tmp / "sel" / "ensemble_steps.png").stat().st_size > 1000
    assert not (tmp / "sel" / "ensemble_costs.yaml").exists()  # costs were given, not measured


def test_a_tighter_budget_never_scores_more_and_the_spec_tunes(fake, capsys):
    runs, tmp = fake
    scores = {}
    for budget in (3, 50):
        assert _select(runs, tmp, budget) == 0
        scores[budget] = load_spec(tmp / "sel" / "ensemble.yaml").selected["oof_dice_stage1"]
    assert scores[3] <= scores[50]
    spec = load_spec(tmp / "sel" / "ensemble.yaml")
    out = tmp / "th.yaml"
    assert main(["tune", "--runs", str(runs), "--labels", str(tmp / "train.csv"), "--out", str(out), "--no-plots",
                 "--ensemble", str(tmp / "sel" / "ensemble.yaml")]) == 0
    tuned = load_thresholds(out).tuned
    assert tuned["runs"]["tta"] == spec.tta and tuned["runs"]["reducer"] == spec.reducer
    assert {name.split("/")[1] for name in tuned["runs"]["segmenter"]} == set(spec.segmenters)
    assert tuned["oof_mean_dice"] >= spec.selected["oof_dice_stage1"] - 1e-9  # stage 2 only adds


def test_no_tta_and_one_reducer_keep_to_them(fake):
    runs, tmp = fake
    assert _select(runs, tmp, 1000, "--no-tta", "--reducers", "gmean") == 0
    spec = load_spec(tmp / "sel" / "ensemble.yaml")
    assert spec.tta == "none" and spec.reducer == "gmean"
    assert "every_member" not in spec.selected


@pytest.mark.parametrize("budget, extra, message", [
    (0.1, (), r"no segmenter fits the budget of 0.1 s \(the cheapest needs 2.1 s\); raise --budget-s"),
    (-1, (), "--budget-s must be positive"),
])
def test_bad_requests_fail_in_one_line_before_writing(fake, capsys, budget, extra, message):
    runs, tmp = fake
    assert _select(runs, tmp, budget, *extra) != 0
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert re.search(message, err), err
    assert not (tmp / "sel").exists()


def test_costs_missing_a_member_is_refused(fake, capsys):
    runs, tmp = fake
    save = yaml.safe_load((tmp / "costs.yaml").read_text())
    del save["models"]["segmenter/bb2"]
    (tmp / "costs.yaml").write_text(yaml.safe_dump(save))
    assert _select(runs, tmp, 10) != 0
    assert "the costs name no segmenter/bb2" in capsys.readouterr().err
    assert not (tmp / "sel").exists()


def test_select_names_each_members_head_from_its_runs_config(fake, capsys):
    from dataclasses import replace
    from pathlib import Path

    from steeldefect.config import load_config, save_config

    runs, tmp = fake
    demo = load_config(Path(__file__).resolve().parents[2] / "configs" / "demo.yaml")
    unetpp = replace(demo, segmenter=replace(demo.segmenter, decoder="unetpp"))
    for run in find_runs(runs, "segmenter"):
        if run.member == "bb1":
            save_config(unetpp, run.config_path)
    for run in find_runs(runs, "classifier"):
        save_config(demo, run.config_path)
    assert _select(runs, tmp, 12) == 0
    members = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("members: "))
    assert "segmenter/bb1 (unetpp, stride 4)" in members and "classifier/bb0 (avg pooling, 1 output)" in members
    assert "segmenter/bb0 (?)" in members  # a run folder without config.yaml
