"""The candidates of ``greedy`` scored by the tuned OOF Dice and costed per image; the chosen ensemble.

A candidate's score is the mean OOF Dice that ``steeldefect tune`` would reach with it: its members'
OOF predictions under its views, combined by its reducer (``tuning.oof_stream.plan_oof`` with an
ensemble spec), searched exactly over the tune grid (stage 1: thresholds, minimum areas, gates and the
two-level and soft-gate rules; component removal is left to the final `tune --ensemble`). Its cost is
``costs.Costs.ensemble_s`` for the images to predict, every fold model of each member counted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd

from steeldefect.tuning.truth import Truth
from steeldefect.ensemble.reducers import available_reducers
from steeldefect.artifacts.ensemble_file import EnsembleSpec
from steeldefect.ensemble.tta import tta_views
from steeldefect.artifacts.run_folder import find_runs, group_by_backbone
from steeldefect.selection.costs import Costs
from steeldefect.selection.greedy import Candidate, Selection, greedy_select
from steeldefect.tuning.histograms import build_stats
from steeldefect.tuning.oof_stream import plan_oof
from steeldefect.tuning.sweep import TuneGrid
from steeldefect.tuning.tune import tune_stats


@dataclass(frozen=True)
class SelectOptions:
    budget_s: float
    n_images: int
    reducers: tuple[str, ...] = ("mean", *(r for r in available_reducers() if r != "mean"))  # the first adds
    min_gain: float = 0.0
    tta: bool = True  # False: never add TTA views
    chunk_size: int = 64


def spec_of(c: Candidate, selected: dict | None = None) -> EnsembleSpec:
    return EnsembleSpec(c.segmenters, c.classifiers, c.tta, c.reducer, selected or {})


class Scorer:
    """Scores and costs candidates on one runs folder."""

    def __init__(self, runs_dir: str | os.PathLike, labels: "pd.DataFrame | Truth", costs: Costs, options: SelectOptions,
                 grid: TuneGrid = TuneGrid()):
        self.runs_dir, self.labels, self.costs, self.options, self.grid = runs_dir, labels, costs, options, grid
        self.folds = {kind: {m: len(rs) for m, rs in group_by_backbone(find_runs(runs_dir, kind)).items()}
                      for kind in ("classifier", "segmenter")}

    def members(self, kind: str) -> list[str]:
        return list(self.folds[kind])

    def score(self, c: Candidate) -> float:
        plan = plan_oof(self.runs_dir, spec_of(c))
        return tune_stats(build_stats(plan, self.labels, self.options.chunk_size), self.grid).mean_dice

    def cost(self, c: Candidate) -> float:
        members = [("segmenter", m, self.folds["segmenter"][m]) for m in c.segmenters]
        members += [("classifier", m, self.folds["classifier"][m]) for m in c.classifiers]
        return self.costs.ensemble_s(self.options.n_images, len(tta_views(c.tta)), members)


def run_select(scorer: Scorer, progress=None) -> Selection:
    o = scorer.options
    return greedy_select(scorer.members("segmenter"), scorer.members("classifier"), scorer.score, scorer.cost,
                         o.budget_s, o.reducers, o.min_gain, o.tta, progress)


def everything(scorer: Scorer) -> Candidate:
    """Every member under every view, averaged: the reference the selection is compared with."""
    return Candidate(tuple(scorer.members("segmenter")), tuple(scorer.members("classifier")), "both", "mean")
