"""Coarse polygons of synthetic defects: the masks, drawn the way annotators drew the real ones.

Every polygon is an int32 array (N, 2) of (x, y) vertices in image pixels. The painters in
``defects.py`` only ever change pixels inside the rasterised polygon, so the polygon is the mask.
"""

from __future__ import annotations

import cv2
import numpy as np

from steeldefect.constants import IMAGE_HEIGHT, IMAGE_WIDTH

BLOB_VERTICES = (7, 13)  # vertex count range of a blob polygon (low inclusive, high exclusive)
BLOB_RADIUS_JITTER = 0.18  # relative radial jitter of blob vertices
BAND_NODES = 7  # centreline nodes of a band (scratch) polygon
BAND_WIDTH_JITTER = 0.15  # relative jitter of a band's half-width per node
BAND_WIGGLE = 0.12  # centreline wiggle, as a fraction of the band's half-width
BAND_WIGGLE_MAX = 3.0  # ... but never more than this many pixels


def blob_polygon(rng: np.random.Generator, cx: float, cy: float, w: float, h: float) -> np.ndarray:
    """A jittered ellipse-like polygon of about ``w`` x ``h`` pixels centred on (cx, cy)."""
    n = int(rng.integers(*BLOB_VERTICES))
    angles = (np.arange(n) + rng.uniform(-0.3, 0.3, n)) * (2 * np.pi / n) + rng.uniform(0, 2 * np.pi)
    radius = 1.0 + rng.uniform(-BLOB_RADIUS_JITTER, BLOB_RADIUS_JITTER, n)
    xs = cx + 0.5 * w * radius * np.cos(angles)
    ys = cy + 0.5 * h * radius * np.sin(angles)
    return clip_polygon(np.stack([xs, ys], axis=1))


def band_polygon(rng: np.random.Generator, cx: float, y0: float, y1: float, width: float,
                 slope: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A near-vertical band from row ``y0`` to ``y1``, about ``width`` wide, centred on column ``cx``.

    Returns (polygon int32 (N, 2), centreline float32 (BAND_NODES, 2)); scratches are painted
    along the centreline.
    """
    ys = np.linspace(y0, y1, BAND_NODES)
    half = 0.5 * width
    xs = cx + slope * (ys - 0.5 * (y0 + y1)) + rng.uniform(-1, 1, BAND_NODES) * min(BAND_WIGGLE * half, BAND_WIGGLE_MAX)
    halves = half * (1.0 + rng.uniform(-BAND_WIDTH_JITTER, BAND_WIDTH_JITTER, BAND_NODES))
    left = np.stack([xs - halves, ys], axis=1)
    right = np.stack([xs + halves, ys], axis=1)[::-1]
    centre = np.stack([xs, ys], axis=1).astype(np.float32)
    return clip_polygon(np.concatenate([left, right])), centre


def clip_polygon(points: np.ndarray) -> np.ndarray:
    """Round vertices to pixels and clip them into the image."""
    pts = np.rint(points)
    pts[:, 0] = np.clip(pts[:, 0], 0, IMAGE_WIDTH - 1)
    pts[:, 1] = np.clip(pts[:, 1], 0, IMAGE_HEIGHT - 1)
    return pts.astype(np.int32)


def polygon_box(polygon: np.ndarray, pad: int, shape: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) bounding box of ``polygon`` grown by ``pad`` and clipped to ``shape``."""
    x0, y0 = polygon.min(axis=0) - pad
    x1, y1 = polygon.max(axis=0) + pad + 1
    return max(int(x0), 0), max(int(y0), 0), min(int(x1), shape[1]), min(int(y1), shape[0])


def fill_polygon(mask: np.ndarray, polygon: np.ndarray, offset: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Rasterise ``polygon`` (shifted by -offset) into the uint8 ``mask`` in place, value 1."""
    pts = polygon - np.asarray(offset, dtype=np.int32)
    cv2.fillPoly(mask, [pts.reshape(-1, 1, 2)], 1)
    return mask
