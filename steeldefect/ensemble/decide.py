"""What the ensemble decides for a batch of images: gate -> segment -> thresholds and areas -> masks, RLE.

``decide`` is the one place this sequence is written. ``predict`` (and so the Kaggle kernel), select's
overhead timing and the ``Predictor`` on Keras runs reach it through ``decide_views`` (their models
behind the small ``Forward`` interface); the exported model's server calls ``decide`` with the graph's
outputs (``deploy.results``). The thresholds, minimum areas and gates themselves are
``steeldefect.postprocess``, which tuning scores on the out-of-fold predictions.
"""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np
import pandas as pd

from steeldefect.artifacts.oof import quantise
from steeldefect.artifacts.prediction_table import image_rows
from steeldefect.artifacts.dataset_file import rle_columns
from steeldefect.constants import IMAGE_SHAPE
from steeldefect.data.rle import rle_encode
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.apply import masks_for_image
from steeldefect.postprocess.gating import area_factors, needs_segmenter, review_flags
from steeldefect.postprocess.rules import Thresholds


class Forward(Protocol):
    """The models of an ensemble, as prediction sees them (TTA and reduction happen inside)."""

    input_sizes: tuple[tuple[int, int], ...]  # (h, w) sizes the images are needed at
    out_size: tuple[int, int]  # (h, w) of the segmenter probabilities
    n_class_outputs: int | None  # 1 or K classifier outputs; None without classifiers
    fingerprint: str  # changes when the models change (resume safety)

    def classify(self, views: dict[tuple[int, int], np.ndarray]) -> np.ndarray:
        """uint8 images per size (B, h, w, 3) -> probabilities (B,) or (B, K)."""

    def segment(self, views: dict[tuple[int, int], np.ndarray]) -> np.ndarray:
        """uint8 images per size (B, h, w, 3) -> float probabilities (B, h, w, K)."""


def class_max(probs: np.ndarray) -> np.ndarray:
    """Each class's largest probability: float (..., h, w, K) -> (..., K), equal to
    ``probs.max(axis=(-3, -2))`` and about 20x faster (numpy reduces two axes with a last axis of 4 slowly)."""
    probs = np.asarray(probs)
    return np.stack([probs[..., k].max(axis=(-2, -1)) for k in range(probs.shape[-1])], axis=-1)


def _subset(views: dict, idx: np.ndarray) -> dict:
    return {size: batch[idx] for size, batch in views.items()}


def decide_views(image_ids: list[str], views: dict, forward: Forward, thresholds: Thresholds, batch_size: int = 8,
                 use_gate: bool = True, review_band: tuple[float, float] | None = None,
                 shapes: list | None = None) -> pd.DataFrame:
    """``decide`` for images given as ``views`` ({(h, w): uint8 (n, h, w, 3)}, one per model input size):
    the classifiers run on all of them in batches of ``batch_size`` (unless ``use_gate`` is False or
    ``forward`` has none), the segmenters on the survivors of the gate only."""
    n = len(image_ids)
    cls = None
    if use_gate and forward.n_class_outputs:
        idx = np.arange(n)
        cls = np.concatenate([np.asarray(forward.classify(_subset(views, idx[lo:lo + batch_size]))).reshape(
            min(batch_size, n - lo), -1) for lo in range(0, n, batch_size)])
        cls = cls[:, 0] if cls.shape[1] == 1 else cls
    return decide(image_ids, cls, lambda idx: forward.segment(_subset(views, idx)), thresholds, batch_size,
                  review_band, shapes)


def decide(image_ids: list[str], cls: np.ndarray | None, segment: Callable[[np.ndarray], np.ndarray],
           thresholds: Thresholds, batch_size: int = 8, review_band: tuple[float, float] | None = None,
           shapes: list | None = None) -> pd.DataFrame:
    """Gate on the classifier probabilities ``cls`` ((n,), (n, K) or None), segment the images that
    survive (``segment(indices)`` -> float (k, h, w, K), called in batches of ``batch_size``),
    threshold, apply the minimum areas and encode each mask at its image's (H, W) of ``shapes``
    (default 256x1600). K is the thresholds' class count (4 for Severstal).

    Returns one row per image: ImageId, rle_1..K, cls_prob (or cls_prob_1..K), gated (skipped the
    segmenters), review (the defect probability lies in ``review_band``; the masks are written all the
    same), masks_gated, max_prob_1..K (ensemble probability, NaN when gated), area_1..K (predicted
    pixels at the image's size), height and width.
    """
    n, n_classes = len(image_ids), len(thresholds.classes)
    shapes = [tuple(IMAGE_SHAPE)] * n if shapes is None else [tuple(int(v) for v in s) for s in shapes]
    factors = area_factors(cls, thresholds, n)  # inf: emptied by the gate
    todo = np.flatnonzero(needs_segmenter(factors))
    rles = np.full((n, n_classes), "", dtype=object)
    max_prob = np.full((n, n_classes), np.nan)
    areas = np.zeros((n, n_classes), np.int64)
    for lo in range(0, len(todo), batch_size):
        idx = todo[lo:lo + batch_size]
        probs = np.asarray(segment(idx), np.float32)
        if probs.shape[-1] != n_classes:
            raise SteelDefectError(f"the segmenters predict {probs.shape[-1]} classes and the thresholds have "
                                   f"{n_classes}; tune thresholds on these runs")
        q = quantise(probs)
        max_prob[idx] = class_max(probs)
        for j, i in enumerate(idx):
            masks, areas[i] = masks_for_image(q[j], factors[i], thresholds, shapes[i])
            rles[i] = [rle_encode(m) if a else "" for m, a in zip(masks, areas[i])]
    flags = review_flags(cls, review_band)
    table = image_rows(image_ids, cls, ~needs_segmenter(factors), np.zeros(n, bool) if flags is None else flags,
                       (~np.isfinite(factors)).sum(axis=1), max_prob, areas, shapes)
    for k, col in enumerate(rle_columns(n_classes)):
        table.insert(1 + k, col, rles[:, k])
    return table
