"""The classifier gate: which (image, class) masks are emptied, and which images skip the segmenters.

With a one-output classifier, class c of an image is gated when its defect probability is below the
class's gate; an image below every class gate (the global gate, their minimum) skips the segmenters.
With a four-output classifier each class uses its own probability, and an image skips the segmenters
when all four are gated. Without a classifier nothing is gated.
"""

from __future__ import annotations

import numpy as np

from steeldefect.constants import NUM_CLASSES
from steeldefect.postprocess.thresholds import Thresholds
from steeldefect.errors import SteelDefectError


def check_gate(n_outputs: int | None, thresholds: Thresholds) -> None:
    """Fail early when the classifier runs do not fit the thresholds' gate."""
    gated = any(c.gate > 0 for c in thresholds.classes)
    if n_outputs is None:
        if gated:
            raise SteelDefectError("the thresholds gate on a classifier but no classifier runs were found; "
                                   "add the classifier runs or predict with --no-gate")
        return
    want = 1 if thresholds.gate_kind == "image" else NUM_CLASSES
    if gated and n_outputs != want:
        raise SteelDefectError(f"the thresholds were tuned for a {want}-output classifier (gate_kind "
                               f"{thresholds.gate_kind}) but the classifier runs have {n_outputs} outputs; "
                               "tune again on these runs")


def class_keep(cls_probs: np.ndarray | None, thresholds: Thresholds, n_images: int) -> np.ndarray:
    """bool (B, C): True where the class's mask survives the gate. cls_probs: (B,), (B, C) or None."""
    if cls_probs is None:
        return np.ones((n_images, NUM_CLASSES), bool)
    gates = np.array([c.gate for c in thresholds.classes], np.float64)
    probs = np.asarray(cls_probs, np.float64)
    probs = probs[:, None] if probs.ndim == 1 else probs
    return probs >= gates[None, :]


def needs_segmenter(keep: np.ndarray) -> np.ndarray:
    """bool (B,): images with at least one class surviving the gate; the others skip the segmenters."""
    return keep.any(axis=1)
