"""Class-aware training crops: pick a class first (rare ones weighted up), then a pixel of it.

The plain defect crop (albumentations' CropNonEmptyMaskIfExists) centres on a defect pixel drawn
uniformly over all defect pixels, so large class-3 areas win most crops even on images that also
hold a small class-1 or class-2 defect. Here the class is drawn first, among the classes present in
the image, with probability proportional to ``class_weights``; then one of its pixels uniformly; then
a window of the crop size that holds it, at a uniform offset, inside the image. An image with no
defect gets a uniformly random window. Pure numpy: ``(mask, crop, weights, rng) -> (top, left)``.
"""

from __future__ import annotations

import numpy as np


def random_window(shape: tuple[int, int], crop: tuple[int, int], rng: np.random.Generator) -> tuple[int, int]:
    """(top, left) of a uniformly random crop window inside an image of ``shape``."""
    return int(rng.integers(0, shape[0] - crop[0] + 1)), int(rng.integers(0, shape[1] - crop[1] + 1))


def window_around(pixel: tuple[int, int], shape: tuple[int, int], crop: tuple[int, int],
                  rng: np.random.Generator) -> tuple[int, int]:
    """(top, left) of a window of size ``crop`` inside ``shape`` that holds ``pixel``, uniform among those."""
    out = []
    for p, size, c in zip(pixel, shape, crop):
        lo, hi = max(0, p - c + 1), min(p, size - c)
        out.append(int(rng.integers(lo, hi + 1)))
    return out[0], out[1]


def pick_class(mask: np.ndarray, class_weights, rng: np.random.Generator) -> int | None:
    """Index of the class to crop on: among those present in ``mask`` (h, w, C), drawn with probability
    proportional to ``class_weights``; None when no class with a positive weight is present."""
    present = mask.reshape(-1, mask.shape[-1]).any(axis=0)
    weights = np.where(present, np.asarray(class_weights, np.float64), 0.0)
    if weights.sum() <= 0:
        return None
    return int(rng.choice(len(weights), p=weights / weights.sum()))


def class_aware_window(mask: np.ndarray, crop: tuple[int, int], class_weights,
                       rng: np.random.Generator) -> tuple[int, int]:
    """(top, left) of a class-aware crop of ``mask`` (h, w, C); see the module docstring."""
    shape = mask.shape[:2]
    c = pick_class(mask, class_weights, rng)
    if c is None:
        return random_window(shape, crop, rng)
    rows, cols = np.nonzero(mask[:, :, c])
    k = int(rng.integers(len(rows)))
    return window_around((int(rows[k]), int(cols[k])), shape, crop, rng)
