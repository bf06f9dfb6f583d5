"""Numpy preprocessing shared by training and prediction: resizing and masks from RLE.

Prediction must feed images exactly as training did; import :func:`resize_image` there.
"""

from __future__ import annotations

import cv2
import numpy as np

from steeldefect.data.rle import rle_decode


def resize_image(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 (H, W, 3) -> uint8 (h, w, 3) with area averaging (linear when enlarging)."""
    h, w = int(size[0]), int(size[1])
    if image.shape[:2] == (h, w):
        return image
    shrink = h <= image.shape[0] and w <= image.shape[1]
    out = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    return out if out.ndim == 3 else out[:, :, None]


def resize_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 (H, W, C) -> (h, w, C) with nearest neighbour, so values stay 0/1."""
    h, w = int(size[0]), int(size[1])
    if mask.shape[:2] == (h, w):
        return mask
    rows = (np.arange(h) * mask.shape[0]) // h  # exact nearest-neighbour sampling, no cv2 channel limit
    cols = (np.arange(w) * mask.shape[1]) // w
    return np.ascontiguousarray(mask[rows][:, cols])


def masks_from_rles(rles, shape: tuple[int, int], context: str = "") -> np.ndarray:
    """K RLE strings -> uint8 (H, W, K) of 0/1 at the original image shape."""
    out = np.zeros((int(shape[0]), int(shape[1]), len(rles)), np.uint8)
    for c, rle in enumerate(rles):
        rle = rle.decode() if isinstance(rle, bytes) else rle
        if rle:
            out[:, :, c] = rle_decode(rle, shape, context=f"{context} class {c + 1}".strip())
    return out


def prepare_example(image: np.ndarray, rles, size: tuple[int, int], augment=None, seed: int = 0,
                    with_mask: bool = True, context: str = "") -> tuple[np.ndarray, np.ndarray | None]:
    """One training example: resize, decode masks, augment image and masks together.

    image: uint8 (H, W, 3) as decoded; rles: K strings (one per class) relative to (H, W).
    Returns uint8 image (h, w, 3) and uint8 mask (h, w, K) or None.
    """
    small = resize_image(image, size)
    mask = resize_mask(masks_from_rles(rles, image.shape[:2], context), size) if with_mask else None
    if augment is not None:
        small, mask = augment(small, mask, seed)
    return np.ascontiguousarray(small), mask


BLACKOUT_STREAM = 7919  # a seed stream of its own: blackout draws do not shift the augmentations'


def blackout_defects(image: np.ndarray, rles, seed: int, p: float, context: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Defect blackout (the 1st place's classifier augmentation): with probability ``p``, a defective
    image gets every defect pixel set to black and becomes clean.

    image: uint8 (H, W, 3); rles: K strings relative to (H, W). Returns the image and the
    float32 presence of each class after it (all zero when blacked out).
    """
    present = np.array([bool(str(r).strip()) for r in rles], np.float32)
    if not present.any() or p <= 0 or np.random.default_rng([int(seed), BLACKOUT_STREAM]).random() >= p:
        return image, present
    defect = masks_from_rles(rles, image.shape[:2], context).any(axis=-1)
    out = image.copy()
    out[defect] = 0
    return out, np.zeros_like(present)
