"""Tuning the post-processing on out-of-fold predictions: per class, jointly, maximising OOF Dice.

Stage 1 searches (pixel threshold, minimum area, gate) exactly and at once from cumulative
histograms (``histograms``, ``sweep``). Stage 2 (optional) thresholds each mask once at its chosen level
and searches (minimum component size, minimum area, gate) the same way (``component_search``).
Both stages search, besides one threshold and the hard gate, the two-level rule (a survival threshold
decides whether the mask reaches the minimum area) and the soft gate (below the gate the minimum area
is multiplied by a factor instead of the mask being emptied), exactly, jointly with the other values.
Ties go to the first grid point in ascending order: one level before two, the hard gate before the
soft, then the lowest threshold, area and gate.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from steeldefect.constants import IMAGE_SHAPE
from steeldefect.tuning.component_search import component_curves
from steeldefect.tuning.oof_stream import DEFAULT_CHUNK, OOFPlan, plan_oof
from steeldefect.postprocess.masks import threshold_level
from steeldefect.tuning.histograms import TuneStats, build_stats
from steeldefect.tuning.truth import Truth
from steeldefect.tuning.sweep import TIE_TOL, TuneGrid, dice_sums, select
from steeldefect.postprocess.rules import DEFAULT_PIXEL_THRESHOLD, ClassThresholds, Thresholds

NO_GATE = (0.0,)  # the gate grid without classifier runs
RULE_FAMILIES = ("none", "hard_gate", "soft_gate", "two_level", "both")  # what tuned records per class


@dataclass(frozen=True)
class ClassResult:
    """The choice for one class and its mean OOF Dice (over all images) next to the defaults'."""

    class_id: int
    chosen: ClassThresholds
    dice: float  # with the chosen values
    stage1_dice: float  # the best without component removal
    default_dice: float  # pixel threshold 0.5, no minimum area, no gate, no component removal
    stage1: ClassThresholds | None = None  # the stage-1 choice (before component removal)
    families: dict[str, float] | None = None  # best mean OOF Dice within each rule family (RULE_FAMILIES)


@dataclass(frozen=True)
class TuneResult:
    """What tuning found. ``surfaces``: per class, mean Dice over (threshold, min area, gate)."""

    classes: tuple[ClassResult, ...]
    surfaces: tuple[np.ndarray, ...]
    grid: TuneGrid
    gates: tuple[float, ...]  # the gate values searched (NO_GATE without a classifier)
    n_images: int
    shape: tuple[int, int]
    gate_kind: str | None  # "image", "class", or None without a classifier
    shared_gate: bool = False
    components_tuned: bool = False
    survivals: tuple = (None,)  # the survival thresholds searched, None (one level) first
    factors: tuple = (None,)  # the gate area factors searched, None (hard gate) first
    area_reference: tuple[int, int] = IMAGE_SHAPE  # the image size whose pixels min areas count

    @property
    def mean_dice(self) -> float:
        return float(np.mean([c.dice for c in self.classes]))

    @property
    def default_mean_dice(self) -> float:
        return float(np.mean([c.default_dice for c in self.classes]))

    def thresholds(self, **tuned) -> Thresholds:
        """The Thresholds to write, with the OOF scores and grids recorded under ``tuned``."""
        info = {
            "oof_images": self.n_images,
            "dice_measured_at": f"training resolution {self.shape[0]}x{self.shape[1]} (truth resized nearest)",
            "oof_mean_dice": round(self.mean_dice, 6),
            "default_mean_dice": round(self.default_mean_dice, 6),
            "per_class": {c.class_id: {"dice": round(c.dice, 6), "stage1_dice": round(c.stage1_dice, 6),
                                       "default_dice": round(c.default_dice, 6),
                                       "rule_families": {k: round(v, 6) for k, v in (c.families or {}).items()}}
                          for c in self.classes},
            "shared_gate": self.shared_gate,
            "components_tuned": self.components_tuned,
            "grid": {"pixel_thresholds": list(self.grid.pixel_thresholds), "min_areas": list(self.grid.min_areas),
                     "gates": list(self.gates),
                     "min_components": list(self.grid.min_components) if self.components_tuned else [0],
                     "survival_thresholds": [None, *self.survivals[1:]],
                     "gate_area_factors": [None, *self.factors[1:]]},
            **tuned,
        }
        return Thresholds(classes=tuple(c.chosen for c in self.classes), gate_kind=self.gate_kind or "image",
                          resolution=tuple(self.shape), tuned=info, area_reference=tuple(self.area_reference))


def _gates(stats: TuneStats, grid: TuneGrid) -> tuple[float, ...]:
    return NO_GATE if stats.cls_probs is None else tuple(grid.gates)


def rule_options(stats: TuneStats, grid: TuneGrid) -> tuple[tuple, tuple]:
    """(survival thresholds, gate area factors) searched, None first (one level; the hard gate).
    Without a classifier every image passes the gate, so only the hard gate is searched."""
    factors = (None,) if stats.cls_probs is None else (None, *grid.gate_area_factors)
    return (None, *grid.survival_thresholds), factors


def class_surface(stats: TuneStats, c: int, grid: TuneGrid) -> np.ndarray:
    """Dice sums of class index ``c`` over (pixel threshold, min area, gate) with one threshold and
    the hard gate: (|T|, |A|, |G|)."""
    levels = [threshold_level(t) for t in grid.pixel_thresholds]
    return dice_sums(stats.pred_area[:, c, levels], stats.inter[:, c, levels], stats.truth_area[:, c],
                     stats.gate_probs(c), stats.scale, grid.min_areas, _gates(stats, grid))


def rule_surfaces(stats: TuneStats, c: int, pred_area: np.ndarray, inter: np.ndarray, min_areas, gates,
                  survivals, factors) -> np.ndarray:
    """Dice sums of class index ``c`` over (survival, gate factor, candidate, min area, gate).

    ``pred_area``, ``inter``: (N, K) of the candidates (pixel thresholds, or component sizes); the
    survival area of threshold s is the number of pixels at or above it, from the histograms.
    """
    out = []
    for s in survivals:
        survival = None if s is None else stats.pred_area[:, c, threshold_level(s)]
        out.append([dice_sums(pred_area, inter, stats.truth_area[:, c], stats.gate_probs(c), stats.scale,
                              min_areas, gates, survival, f) for f in factors])
    return np.asarray(out)


def rule_families(surface: np.ndarray, gates: tuple[float, ...], factors: tuple, n_images: int) -> dict[str, float]:
    """The best mean Dice within each rule family of a (survival, factor, K, |A|, |G|) surface.

    none: one level, no gate; hard_gate: one level, the hard gate; soft_gate: one level, any gate
    factor; two_level: any survival threshold, the hard gate; both: everything searched. Each is the
    class's own best: with a gate shared by all classes, the chosen values may score less than "both".
    """
    no_gate = [surface[0, 0, :, :, 0].max()] if gates[0] == 0.0 else []  # gate 0 passes every image
    if 1.0 in factors:
        no_gate.append(surface[0, factors.index(1.0)].max())  # factor 1: the gate changes nothing
    best = {"none": max(no_gate) if no_gate else np.nan, "hard_gate": surface[0, 0].max(), "soft_gate": surface[0].max(),
            "two_level": surface[:, 0].max(), "both": surface.max()}
    return {k: float(best[k]) / n_images for k in RULE_FAMILIES}


def select_rules(surfaces: list[np.ndarray], shared_gate: bool) -> list[tuple[int, ...]]:
    """``select`` over (survival, factor, K, |A|, |G|) surfaces, keeping the rules of before (one level,
    the hard gate) unless the new ones score better by more than the tie tolerance. Without a shared
    gate C order already does so; with one, the gate is chosen over all rules, so compare the totals."""
    picks = select(surfaces, shared_gate)
    if not shared_gate:
        return picks
    old = [(0, 0, *p) for p in select([s[0, 0] for s in surfaces], True)]
    total = lambda chosen: sum(float(s[p]) for s, p in zip(surfaces, chosen))  # noqa: E731
    return picks if total(picks) > total(old) + TIE_TOL else old


def default_dice(stats: TuneStats, c: int) -> float:
    """Mean Dice of class index ``c`` at the defaults (threshold 0.5, nothing else)."""
    level = [threshold_level(DEFAULT_PIXEL_THRESHOLD)]
    total = dice_sums(stats.pred_area[:, c, level], stats.inter[:, c, level], stats.truth_area[:, c],
                      None, stats.scale, [0], NO_GATE)
    return float(total[0, 0, 0]) / stats.n_images


def tune_stats(stats: TuneStats, grid: TuneGrid = TuneGrid(), shared_gate: bool = False) -> TuneResult:
    """Stage 1: the best (survival, gate factor, pixel threshold, min area, gate) per class from the histograms."""
    grid.validate()
    gates = _gates(stats, grid)
    survivals, factors = rule_options(stats, grid)
    levels = [threshold_level(t) for t in grid.pixel_thresholds]
    surfaces = [rule_surfaces(stats, c, stats.pred_area[:, c, levels], stats.inter[:, c, levels], grid.min_areas,
                              gates, survivals, factors) for c in range(stats.n_classes)]
    classes, chosen_surfaces = [], []
    for c, (s, f, t, a, g) in enumerate(select_rules(surfaces, shared_gate)):
        chosen = ClassThresholds(pixel_threshold=grid.pixel_thresholds[t], min_area=int(grid.min_areas[a]),
                                 gate=float(gates[g]), survival_threshold=survivals[s], gate_area_factor=factors[f])
        best = float(surfaces[c][s, f, t, a, g]) / stats.n_images
        families = rule_families(surfaces[c], gates, factors, stats.n_images)
        classes.append(ClassResult(c + 1, chosen, best, best, default_dice(stats, c), chosen, families))
        chosen_surfaces.append(surfaces[c][s, f] / stats.n_images)
    gate_kind = None if stats.cls_probs is None else ("image" if stats.cls_probs.ndim == 1 else "class")
    return TuneResult(tuple(classes), tuple(chosen_surfaces), grid, gates, stats.n_images, tuple(stats.shape),
                      gate_kind, shared_gate, survivals=survivals, factors=factors,
                      area_reference=tuple(stats.reference))


def tune_components(result: TuneResult, stats: TuneStats, area: np.ndarray, inter: np.ndarray) -> TuneResult:
    """Stage 2: re-choose (survival, gate factor, min component, min area, gate) per class at the
    chosen pixel thresholds.

    ``area``, ``inter``: (N, C, |min_components|) curves from ``component_search.component_curves``.
    """
    grid = result.grid
    surfaces = [rule_surfaces(stats, c, area[:, c], inter[:, c], grid.min_areas, result.gates, result.survivals,
                              result.factors) for c in range(stats.n_classes)]
    classes = []
    for c, (s, f, j, a, g) in enumerate(select_rules(surfaces, result.shared_gate)):
        old = result.classes[c]
        chosen = replace(old.chosen, min_component=int(grid.min_components[j]), min_area=int(grid.min_areas[a]),
                         gate=float(result.gates[g]), survival_threshold=result.survivals[s],
                         gate_area_factor=result.factors[f])
        families = rule_families(surfaces[c], result.gates, result.factors, stats.n_images)
        families = {k: max(v, old.families[k]) for k, v in families.items()} if old.families else families
        classes.append(replace(old, chosen=chosen, dice=float(surfaces[c][s, f, j, a, g]) / stats.n_images,
                               families=families))
    return replace(result, classes=tuple(classes), components_tuned=True)


def run_tune(runs_dir: str | os.PathLike, labels: "pd.DataFrame | Truth", grid: TuneGrid = TuneGrid(),
             components: bool = True, shared_gate: bool = False, chunk_size: int = DEFAULT_CHUNK,
             progress=None, spec=None) -> tuple[TuneResult, OOFPlan]:
    """Tune on the OOF predictions of every finished run under ``runs_dir`` against ``labels`` (only the
    members of the ensemble spec ``spec``, under its views and reducer, when given).

    ``progress``: a tqdm-like bar, or None; ``update(n)`` after each chunk of n images of each pass over
    the OOF predictions, and its ``total`` set to the images of all passes once they are known.
    """
    grid.validate()
    plan = plan_oof(runs_dir, spec)
    two_passes = components and any(v > 0 for v in grid.min_components)
    if progress is not None and hasattr(progress, "total"):
        progress.total = len(plan.image_ids) * (2 if two_passes else 1)
    update = progress.update if progress is not None else None
    stats = build_stats(plan, labels, chunk_size, update)
    result = tune_stats(stats, grid, shared_gate)
    if two_passes:
        levels = [c.chosen.level for c in result.classes]
        area, inter = component_curves(plan, labels, levels, grid.min_components, chunk_size, update)
        result = tune_components(result, stats, area, inter)
    return result, plan
