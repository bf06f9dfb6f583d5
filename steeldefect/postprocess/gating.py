"""The classifier gate: which (image, class) masks are emptied or held to a larger minimum area, and
which images skip the segmenters.

With a one-output classifier, class c of an image is gated when its defect probability is below the
class's gate; with a per-class (K-output) classifier each class uses its own probability. A gated mask is
emptied (the hard gate) or must reach ``gate_area_factor`` times the minimum area (the soft gate).
An image skips the segmenters only when every class is hard-gated, so a soft gate saves no segmenter
time. Without a classifier nothing is gated.
"""

from __future__ import annotations

import numpy as np

from steeldefect.postprocess.rules import Thresholds
from steeldefect.errors import SteelDefectError


def check_gate(n_outputs: int | None, thresholds: Thresholds) -> None:
    """Fail early when the classifier runs do not fit the thresholds' gate."""
    gated = any(c.gate > 0 for c in thresholds.classes)
    if n_outputs is None:
        if gated:
            raise SteelDefectError("the thresholds gate on a classifier but no classifier runs were found; "
                                   "add the classifier runs or predict with --no-gate")
        return
    want = 1 if thresholds.gate_kind == "image" else len(thresholds.classes)
    if gated and n_outputs != want:
        raise SteelDefectError(f"the thresholds were tuned for a {want}-output classifier (gate_kind "
                               f"{thresholds.gate_kind}) but the classifier runs have {n_outputs} outputs; "
                               "tune again on these runs")


def area_factors(cls_probs: np.ndarray | None, thresholds: Thresholds, n_images: int) -> np.ndarray:
    """float (B, C): what each (image, class)'s minimum area is multiplied by. 1 at or above the class's
    gate; below it the class's gate area factor (soft gate), or inf (hard gate: the mask is emptied)."""
    if cls_probs is None:
        return np.ones((n_images, len(thresholds.classes)))
    gates = np.array([c.gate for c in thresholds.classes], np.float64)
    factors = np.array([c.gated_area_factor for c in thresholds.classes], np.float64)
    probs = np.asarray(cls_probs, np.float64)
    probs = probs[:, None] if probs.ndim == 1 else probs
    return np.where(probs >= gates[None, :], 1.0, factors[None, :])


def class_keep(cls_probs: np.ndarray | None, thresholds: Thresholds, n_images: int) -> np.ndarray:
    """bool (B, C): True where the class's mask is not emptied by a hard gate. cls_probs: (B,), (B, C) or None."""
    return np.isfinite(area_factors(cls_probs, thresholds, n_images))


def image_probability(cls_probs: np.ndarray) -> np.ndarray:
    """(B,) the classifier's probability that an image holds any defect: its one output, or the largest
    of its four."""
    probs = np.asarray(cls_probs, np.float64)
    return probs if probs.ndim == 1 else probs.max(axis=1)


def review_flags(cls_probs: np.ndarray | None, band: tuple[float, float] | None) -> np.ndarray | None:
    """bool (B,): images whose defect probability lies in the review band [lo, hi] (inclusive): the
    classifier is not sure, so a person should look. None without a classifier or a band."""
    if cls_probs is None or band is None:
        return None
    p = image_probability(cls_probs)
    return (p >= band[0]) & (p <= band[1])


def needs_segmenter(keep: np.ndarray) -> np.ndarray:
    """bool (B,): images with at least one class the gate leaves a chance (``class_keep``, or finite
    ``area_factors``); the others skip the segmenters."""
    keep = np.asarray(keep)
    return (keep if keep.dtype == bool else np.isfinite(keep)).any(axis=1)
