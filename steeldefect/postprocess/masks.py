"""Post-processing of ensemble probabilities into masks: pure numpy (and cv2), no models, no files.

One definition, shared by tuning and prediction, so that what the tuner scored is what predict does:

1. probabilities are quantised to uint8 levels ``q = rint(p * 255)`` (``artifacts.oof.quantise``, the OOF encoding);
2. a pixel is foreground when ``q >= level(pixel_threshold)``;
3. connected components (8-connected) smaller than ``min_component`` are removed;
4. a mask whose survival area (its remaining area, or with two-level thresholds its pixels at or above
   the survival threshold) is below ``min_area`` times the gate's area factor is emptied (the factor
   is 1 at or above the classifier gate, ``gate_area_factor`` below it, or infinite: the hard gate
   empties the mask; see ``gating.py``);
5. the mask, at the model's resolution (h, w), is resized to the image's own size (256x1600 for
   Severstal) by nearest neighbour.

Areas (``min_area``, ``min_component``) are in pixels of a reference image: the full 256x1600 strip for
Severstal, the most common image size of an imported dataset (``Thresholds.area_reference``); a pixel at
the model resolution counts ``area_scale((h, w), reference)`` reference pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

from steeldefect.constants import IMAGE_SHAPE
from steeldefect.artifacts.oof import PROB_LEVELS

CONNECTIVITY = 8  # pixel connectivity of connected components


def threshold_level(pixel_threshold: float) -> int:
    """The uint8 level of a probability threshold: foreground is ``q >= level``; 0.5 -> 128."""
    if not 0.0 <= pixel_threshold <= 1.0:
        raise ValueError(f"pixel threshold {pixel_threshold} is outside [0, 1]")
    return int(np.floor(pixel_threshold * PROB_LEVELS + 0.5))


def area_scale(shape: tuple[int, int], reference: tuple[int, int] = IMAGE_SHAPE) -> float:
    """Reference-image pixels per pixel of a mask of ``shape`` (h, w): (256*1600) / (h*w) for Severstal."""
    return (int(reference[0]) * int(reference[1])) / float(int(shape[0]) * int(shape[1]))


def area_passes(area_px, min_area: float, scale: float):
    """Whether an area counted at the model resolution reaches ``min_area`` full-resolution pixels.

    The one comparison used by tuning and prediction alike (vectorised over ``area_px``).
    """
    return np.asarray(area_px, dtype=np.float64) * scale >= min_area


def component_table(mask: np.ndarray, truth: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Connected components of a 2-D boolean mask (h, w).

    Returns ``labels`` int32 (h, w) (0 background, 1..n components), ``areas`` int64 (n,) and the
    pixels of each component inside ``truth`` int64 (n,) (zeros without a truth).
    """
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=CONNECTIVITY)
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.int64)
    if truth is None:
        inside = np.zeros(n - 1, np.int64)
    else:
        inside = np.bincount(labels[truth.astype(bool)], minlength=n)[1:].astype(np.int64)
    return labels, areas, inside


def remove_small_components(mask: np.ndarray, min_component: float, scale: float) -> np.ndarray:
    """Boolean (h, w) mask without its components smaller than ``min_component`` full-res pixels."""
    mask = mask.astype(bool)
    if min_component <= 0 or not mask.any():
        return mask
    labels, areas, _ = component_table(mask)
    keep = np.concatenate(([False], area_passes(areas, min_component, scale)))
    return keep[labels]


def postprocess_class(q: np.ndarray, level: int, min_area: float, min_component: float,
                      scale: float, survival_level: int | None = None, area_factor: float = 1.0) -> np.ndarray:
    """One class of one image: uint8 probability levels (h, w) -> boolean mask (h, w).

    Threshold at ``level``, remove components below ``min_component``, then empty the mask if its
    survival area is below ``min_area * area_factor`` (areas in full-resolution pixels, ``scale`` per
    model pixel). The survival area is the drawn mask's, or with ``survival_level`` (two-level
    thresholds) the number of pixels at or above that level. ``area_factor`` is 1 at or above the gate,
    the soft gate's factor below it, and inf for the hard gate (always emptied).
    """
    q = np.asarray(q)
    if not np.isfinite(area_factor):
        return np.zeros(q.shape, bool)
    mask = remove_small_components(q >= level, min_component, scale)
    survival = mask.sum() if survival_level is None else np.count_nonzero(q >= survival_level)
    if not area_passes(survival, min_area * area_factor, scale):
        mask[:] = False
    return mask


def resize_nearest(mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of (H, W) or (H, W, C) by index sampling: row r takes source row
    floor(r * H_src / H_dst), the convention of the training pipeline's mask resize."""
    h, w = int(shape[0]), int(shape[1])
    if mask.shape[:2] == (h, w):
        return mask
    rows = (np.arange(h) * mask.shape[0]) // h
    cols = (np.arange(w) * mask.shape[1]) // w
    return np.ascontiguousarray(mask[rows][:, cols])


def postprocess_image(q: np.ndarray, levels, min_areas, min_components, area_factors: np.ndarray,
                      out_shape: tuple[int, int] = IMAGE_SHAPE,
                      survival_levels=None, area_reference: tuple[int, int] = IMAGE_SHAPE) -> tuple[np.ndarray, np.ndarray]:
    """All classes of one image: uint8 levels (h, w, C) -> masks uint8 (C, H, W) at ``out_shape``.

    ``levels``, ``min_areas``, ``min_components``, ``area_factors`` (float, inf = emptied by the gate;
    or bool, False = emptied) and ``survival_levels`` (None entries: one-level) have one entry per
    class; areas are in pixels of ``area_reference``. Returns the masks and their areas in pixels of
    ``out_shape`` (int64 (C,)).
    """
    n_classes = q.shape[-1]
    scale = area_scale(q.shape[:2], area_reference)
    factors = np.asarray(area_factors)
    factors = np.where(factors, 1.0, np.inf) if factors.dtype == bool else factors.astype(np.float64)
    survival_levels = survival_levels if survival_levels is not None else [None] * n_classes
    masks = np.zeros((n_classes, int(out_shape[0]), int(out_shape[1])), np.uint8)
    for c in range(n_classes):
        if not np.isfinite(factors[c]):
            continue
        small = postprocess_class(q[:, :, c], levels[c], min_areas[c], min_components[c], scale,
                                  survival_levels[c], factors[c])
        if small.any():
            masks[c] = resize_nearest(small.view(np.uint8), out_shape)
    return masks, np.array([np.count_nonzero(m) for m in masks], np.int64)  # 0/1 masks: count = sum, 10x faster
