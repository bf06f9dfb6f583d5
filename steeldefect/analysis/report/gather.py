"""One streamed pass over the out-of-fold predictions, keeping only what the report draws.

The OOF segmenter levels of all folds (backbone-averaged by ``tuning.oof_stream.iter_oof``) are read a
chunk of images at a time. Per chunk the truth masks are decoded at the training resolution and
reduced to: the cumulative histograms of ``tuning.histograms`` (predicted area and intersection at every
uint8 level, enough for pixel confusion counts, area histograms at any threshold and the Dice
surfaces), the per-image Dice of the post-processed masks at the thresholds in use (areas looked up
in those histograms; only component removal touches the pixels again), the pixel counts after
post-processing, and the few worst images per class with their predicted masks.
Memory is one chunk plus O(N * classes * 256) integers, never the whole OOF array.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import pandas as pd

from steeldefect.analysis.classes import names_or_default
from steeldefect.data.labels import table_n_classes
from steeldefect.postprocess.gating import area_factors, check_gate
from steeldefect.tuning.oof_stream import DEFAULT_CHUNK, OOFPlan, iter_oof
from steeldefect.artifacts.oof import N_LEVELS
from steeldefect.postprocess.masks import (area_passes, area_scale, postprocess_class, threshold_level,
                                                remove_small_components)
from steeldefect.tuning.histograms import TuneStats, chunk_histograms, truth_masks
from steeldefect.tuning.truth import Truth, as_truth
from steeldefect.postprocess.rules import Thresholds
from steeldefect.errors import SteelDefectError

DEFAULT_WORST = 4  # worst images kept per class
Progress = Callable[[int, int], None]  # (images just done, total images)


@dataclass(frozen=True)
class WorstImage:
    """One poorly predicted (image, class): its Dice and predicted mask at the training resolution."""

    image_id: str
    class_id: int
    dice: float
    truth_area: int  # pixels at the training resolution
    pred_area: int
    pred: np.ndarray = field(repr=False)  # bool (h, w), after post-processing


@dataclass
class OOFSummary:
    """Everything the report knows about the OOF predictions.

    dice, truth_pos, pred_pos: (N, C) per image and class, at the thresholds in use and the training
    resolution. post_counts: int64 (C, 3) pixel tp, fp, fn after post-processing. stats: the cumulative
    histograms of every image (``tuning.histograms.TuneStats``).
    """

    plan: OOFPlan
    stats: TuneStats
    thresholds: Thresholds
    dice: np.ndarray
    truth_pos: np.ndarray
    pred_pos: np.ndarray
    post_counts: np.ndarray
    worst: dict[int, list[WorstImage]]
    gated: bool  # whether the classifier gate was applied
    notes: list[str] = field(default_factory=list)
    class_names: tuple[str, ...] = ()  # the C class names (empty: class 1 ..)

    @property
    def n_classes(self) -> int:
        return int(self.dice.shape[1])

    @property
    def names(self) -> tuple[str, ...]:
        """The C class names in id order (``class 1`` .. when the dataset names none)."""
        return names_or_default(self.class_names, self.n_classes)

    @property
    def image_ids(self) -> list[str]:
        return self.plan.image_ids

    @property
    def shape(self) -> tuple[int, int]:
        return self.plan.shape

    @property
    def n_pixels(self) -> int:
        """Pixels per class over all OOF images at the training resolution."""
        return len(self.image_ids) * self.shape[0] * self.shape[1]


def effective_thresholds(plan: OOFPlan, thresholds: Thresholds, notes: list[str]) -> tuple[Thresholds, bool]:
    """The thresholds as applicable to these runs: a gate without (matching) classifier runs is dropped."""
    n_out = None if plan.cls_probs is None else (1 if plan.cls_probs.ndim == 1 else plan.cls_probs.shape[1])
    try:
        check_gate(n_out, thresholds)
    except SteelDefectError as err:
        notes.append(f"gate ignored: {err}")
        ungated = tuple(replace(c, gate=0.0) for c in thresholds.classes)
        return replace(thresholds, classes=ungated), False
    return thresholds, n_out is not None and any(c.gate > 0 for c in thresholds.classes)


def postprocessed_areas(q: np.ndarray, truth: np.ndarray, pred_hist: np.ndarray, inter_hist: np.ndarray,
                        thresholds: Thresholds, factors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Predicted area and intersection (n, C) of the post-processed masks of a chunk, training resolution.

    Post-processing as ``postprocess.masks.postprocess_class``: threshold, remove small components,
    empty when the survival area (the drawn mask's, or the pixels at or above the survival threshold)
    is below the minimum area times the gate's area factor (``gating.area_factors``; inf: emptied). Without component removal the thresholded
    area and intersection are lookups in the chunk's cumulative histograms, so only classes with a
    ``min_component`` touch the pixels again.
    """
    scale = area_scale(q.shape[1:3], thresholds.area_reference)
    area = np.zeros(factors.shape, np.int64)
    inter = np.zeros(factors.shape, np.int64)
    for c, th in enumerate(thresholds.classes):
        if th.min_component > 0:
            for i in np.flatnonzero(pred_hist[:, c, th.level] > 0):
                m = remove_small_components(q[i, :, :, c] >= th.level, th.min_component, scale)
                area[i, c], inter[i, c] = np.count_nonzero(m), np.count_nonzero(m & truth[i, :, :, c])
        else:
            area[:, c], inter[:, c] = pred_hist[:, c, th.level], inter_hist[:, c, th.level]
        survival = area[:, c] if th.survival_level is None else pred_hist[:, c, th.survival_level]
        finite = np.isfinite(factors[:, c])
        bound = th.min_area * np.where(finite, factors[:, c], 1.0)
        kept = area_passes(survival, bound, scale) & finite
        area[:, c] *= kept
        inter[:, c] *= kept
    return area, inter


def _push_worst(heaps: list[list], start: int, ids: list[str], dice: np.ndarray, t_area: np.ndarray,
                p_area: np.ndarray, mask_of: Callable[[int, int], np.ndarray], k: int) -> None:
    """Keep, per class, the ``k`` lowest-Dice images with a non-empty truth or prediction (ties: first).

    ``mask_of(i, c)`` gives the post-processed mask of chunk image i, class index c; it is called only
    for images entering the kept set.
    """
    for c in range(len(heaps)):
        candidates = np.flatnonzero((t_area[:, c] > 0) | (p_area[:, c] > 0))
        for i in candidates[np.argsort(dice[candidates, c], kind="stable")][:k]:
            # a max-heap on (dice, index) by negation: its root is the best of the kept worst
            key = (-float(dice[i, c]), -(start + int(i)))
            if len(heaps[c]) == k and key <= heaps[c][0][:2]:
                break
            item = (*key, ids[i], int(t_area[i, c]), int(p_area[i, c]), mask_of(int(i), c))
            if len(heaps[c]) < k:
                heapq.heappush(heaps[c], item)
            else:
                heapq.heapreplace(heaps[c], item)


def gather_oof(plan: OOFPlan, labels: pd.DataFrame | Truth, thresholds: Thresholds, chunk_size: int = DEFAULT_CHUNK,
               worst: int = DEFAULT_WORST, progress: Progress | None = None,
               class_names: tuple[str, ...] = ()) -> OOFSummary:
    """Stream ``plan``'s OOF predictions once against the truth ``labels`` (a label table of C classes,
    named ``class_names``, or a Truth: the table with each image's size)."""
    notes = list(plan.notes)
    thresholds, gated = effective_thresholds(plan, thresholds, notes)
    n, n_classes = len(plan.image_ids), table_n_classes(as_truth(labels).table)
    pred_hist = np.empty((n, n_classes, N_LEVELS), np.int32)
    inter_hist = np.empty_like(pred_hist)
    dice = np.empty((n, n_classes))
    truth_pos = np.empty((n, n_classes), bool)
    pred_pos = np.empty_like(truth_pos)
    post_counts = np.zeros((n_classes, 3), np.int64)
    heaps: list[list] = [[] for _ in range(n_classes)]
    probs = None if not gated else plan.cls_probs
    scale = area_scale(plan.shape, thresholds.area_reference)
    for start, ids, q in iter_oof(plan, chunk_size):
        stop = start + len(ids)
        truth = truth_masks(labels, ids, plan.shape)
        pred_hist[start:stop], inter_hist[start:stop] = chunk_histograms(q, truth)
        factors = area_factors(None if probs is None else probs[start:stop], thresholds, len(ids))
        p_area, inter = postprocessed_areas(q, truth, pred_hist[start:stop], inter_hist[start:stop], thresholds,
                                            factors)
        t_area = inter_hist[start:stop, :, 0].astype(np.int64)
        total = t_area + p_area
        dice[start:stop] = np.where(total == 0, 1.0, 2.0 * inter / np.maximum(total, 1))
        truth_pos[start:stop], pred_pos[start:stop] = t_area > 0, p_area > 0
        post_counts += np.stack([inter.sum(0), (p_area - inter).sum(0), (t_area - inter).sum(0)], axis=1)
        if worst > 0:
            def mask_of(i: int, c: int) -> np.ndarray:
                th = thresholds.classes[c]
                return postprocess_class(q[i, :, :, c], th.level, th.min_area, th.min_component, scale,
                                         th.survival_level, factors[i, c])

            _push_worst(heaps, start, ids, dice[start:stop], t_area, p_area, mask_of, worst)
        if progress is not None:
            progress(len(ids), n)
    stats = TuneStats(list(plan.image_ids), plan.shape, pred_hist, inter_hist, plan.cls_probs, thresholds.area_reference)
    worst_images = {c + 1: [WorstImage(item[2], c + 1, -item[0], item[3], item[4], item[5])
                            for item in sorted(heaps[c], key=lambda it: (-it[0], -it[1]))]
                    for c in range(n_classes)}
    return OOFSummary(plan, stats, thresholds, dice, truth_pos, pred_pos, post_counts, worst_images, gated, notes,
                      tuple(class_names))


def pixel_confusion(stats: TuneStats, levels) -> np.ndarray:
    """int64 (C, 2, 2) pixel counts [[tn, fp], [fn, tp]] per class, thresholded at ``levels`` (one per class).

    Rows are the truth (0 clean, 1 defect), columns the prediction; measured at the training resolution.
    """
    n_pixels = stats.n_images * stats.shape[0] * stats.shape[1]
    out = np.empty((len(levels), 2, 2), np.int64)
    for c, level in enumerate(levels):
        tp = int(stats.inter[:, c, level].sum(dtype=np.int64))
        pred = int(stats.pred_area[:, c, level].sum(dtype=np.int64))
        truth = int(stats.truth_area[:, c].sum(dtype=np.int64))
        out[c] = [[n_pixels - pred - truth + tp, pred - tp], [truth - tp, tp]]
    return out


def predicted_areas(stats: TuneStats, pixel_threshold: float) -> np.ndarray:
    """int64 (N, C): predicted pixels per image and class at ``pixel_threshold``, in 256x1600 pixels."""
    level = threshold_level(pixel_threshold)
    return np.rint(stats.pred_area[:, :, level].astype(np.float64) * stats.scale).astype(np.int64)
