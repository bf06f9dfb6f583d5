"""Class colours and mask contours drawn onto strip images (shared by the EDA charts and the app)."""

from __future__ import annotations

from typing import Iterable

import cv2
import numpy as np

from steeldefect.analysis.classes import class_colour, hex_colour
from steeldefect.data.rle import rle_decode

__all__ = ["CONTOUR_THICKNESS", "class_masks", "draw_contours", "hex_colour"]

CONTOUR_THICKNESS = 2  # pixels, at the image's full resolution


def class_masks(rles: Iterable[str], shape: tuple[int, int], context: str = "") -> dict[int, np.ndarray]:
    """Decoded uint8 masks of the non-empty RLEs of one image (class 1, 2, ... in order), keyed by class id."""
    return {cls: rle_decode(rle, shape, context=f"{context} class {cls}".strip())
            for cls, rle in enumerate(rles, start=1) if rle}


def draw_contours(image: np.ndarray, masks: dict[int, np.ndarray],
                  thickness: int = CONTOUR_THICKNESS) -> np.ndarray:
    """A copy of the RGB uint8 (H, W, 3) ``image`` with each class mask's outline in its colour.

    Contours come from cv2.findContours on the mask at the image's full resolution.
    """
    out = np.ascontiguousarray(image.copy())
    for cls, mask in masks.items():
        contours, _ = cv2.findContours((mask != 0).astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, contours, -1, class_colour(cls), thickness)
    return out
