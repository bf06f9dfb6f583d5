"""Painters of the four defect classes; each changes pixels only inside its component's polygon.

A painter gets the clean pixels of a region of interest (the polygon's bounding box), the
polygon rasterised there as float32 0/1, and the component; it returns the grey-level change.
``paint_component`` multiplies that change by the rasterised polygon, so whatever a painter
does, nothing outside the mask moves.
"""

from __future__ import annotations

from typing import Callable

import cv2
import numpy as np

from steeldefect.synth.geometry import BAND, Component
from steeldefect.synth.polygons import fill_polygon, polygon_box

Painter = Callable[[np.random.Generator, np.ndarray, np.ndarray, Component, tuple[int, int]], np.ndarray]
PAINTERS: dict[int, Painter] = {}


def register_painter(cls: int):
    """Register the painter of defect class ``cls``."""

    def wrap(fn: Painter) -> Painter:
        PAINTERS[cls] = fn
        return fn

    return wrap


def get_painter(cls: int) -> Painter:
    if cls not in PAINTERS:
        raise KeyError(f"no painter for class {cls}; available: {sorted(PAINTERS)}")
    return PAINTERS[cls]


def _soft(region: np.ndarray, sigma: float) -> np.ndarray:
    """The region with edges faded inwards (still zero outside)."""
    return cv2.GaussianBlur(region, (0, 0), sigma) * region


def _texture(rng: np.random.Generator, shape: tuple[int, int], sigma_x: float, sigma_y: float) -> np.ndarray:
    """Smooth noise in [0, 1] of ``shape``, for irregular defect interiors."""
    noise = cv2.GaussianBlur(rng.random(shape, dtype=np.float32), (0, 0), sigma_x, sigmaY=sigma_y)
    lo, hi = float(noise.min()), float(noise.max())
    return (noise - lo) / (hi - lo + 1e-6)


def _polarity(rng: np.random.Generator, p_dark: float) -> float:
    return -1.0 if rng.random() < p_dark else 1.0


def _line_profile(rng: np.random.Generator, part: Component, offset: tuple[int, int],
                  shape: tuple[int, int], shift: float, width: float) -> np.ndarray:
    """exp(-d^2 / 2 width^2) of each ROI pixel's distance d to the band's centreline (+ shift)."""
    rows = np.arange(shape[0], dtype=np.float32) + offset[1]
    centre_x = np.interp(rows, part.centre[:, 1], part.centre[:, 0]).astype(np.float32) - offset[0] + shift
    dist = np.arange(shape[1], dtype=np.float32)[None, :] - centre_x[:, None]
    return np.exp(-0.5 * (dist / width) ** 2)


def _envelope(rng: np.random.Generator, part: Component, offset: tuple[int, int], height: int,
              floor: float) -> np.ndarray:
    """(height, 1) strength along a band: tapered ends, irregular middle, never below ``floor``."""
    y0, y1 = float(part.centre[0, 1]), float(part.centre[-1, 1])
    t = np.clip((np.arange(height, dtype=np.float32) + offset[1] - y0) / max(y1 - y0, 1.0), 0, 1)
    wobble = _texture(rng, (height, 1), 0.1, rng.uniform(3, 15))[:, 0]
    return (floor + (1 - floor) * np.sqrt(np.clip(np.sin(np.pi * t), 0, 1)) * (0.5 + 0.5 * wobble))[:, None]


@register_painter(1)
def paint_pits(rng, clean, region, part, offset):
    """Class 1: a cluster of small bright (sometimes dark) pits on a faintly discoloured patch."""
    delta = _polarity(rng, 0.5) * rng.uniform(3, 12) * _soft(region, 2.0)
    ys, xs = np.nonzero(region)
    n = int(np.clip(len(ys) / rng.uniform(50, 200), 3, 40))
    pits = np.zeros_like(region)
    sign = _polarity(rng, 0.3)
    for i in rng.choice(len(ys), size=n):
        value = sign * rng.uniform(12, 90)
        cv2.circle(pits, (int(xs[i]), int(ys[i])), int(rng.integers(1, 4)), float(value), -1)
    return delta + cv2.GaussianBlur(pits, (3, 3), 0)


@register_painter(2)
def paint_thin_scratch(rng, clean, region, part, offset):
    """Class 2: one narrow vertical scratch with a faint halo, tapering at both ends."""
    contrast = _polarity(rng, 0.6) * rng.uniform(15, 70)
    half = 0.5 * (part.polygon[:, 0].max() - part.polygon[:, 0].min())
    line = _line_profile(rng, part, offset, region.shape, 0.0, rng.uniform(0.7, 2.0))
    halo = _line_profile(rng, part, offset, region.shape, 0.0, max(half / 1.5, 2.0))
    return contrast * _envelope(rng, part, offset, region.shape[0], 0.3) * (line + 0.2 * halo)


def _long_scratches(rng, clean, region, part, offset):
    """Class 3 band: one to four parallel scratches over a scuffed, discoloured band."""
    contrast = _polarity(rng, 0.55) * rng.uniform(20, 65)
    half = 0.5 * (part.polygon[:, 0].max() - part.polygon[:, 0].min())
    lines = np.zeros_like(region)
    for _ in range(int(rng.integers(1, 5 + min(half // 15, 8)))):
        shift = rng.uniform(-0.4, 0.4) * half
        lines += rng.uniform(0.5, 1.0) * _line_profile(rng, part, offset, region.shape, shift,
                                                       rng.uniform(1.0, 4.0))
    scuff = _texture(rng, region.shape, 1.0, rng.uniform(4, 20))
    band = _soft(region, max(half / 3, 1.0)) * (0.3 + 0.7 * scuff)
    return contrast * _envelope(rng, part, offset, region.shape[0], 0.5) * (np.minimum(lines, 1.2) + 0.6 * band)


def _patch(rng, clean, region, part, offset):
    """Class 3 blob: an irregular scuffed patch, brighter or darker, streaky along the strip."""
    contrast = _polarity(rng, 0.5) * rng.uniform(20, 65)
    blotch = _texture(rng, region.shape, rng.uniform(2, 6), rng.uniform(4, 12))
    streak = _texture(rng, region.shape, rng.uniform(0.6, 1.5), rng.uniform(6, 20))
    alpha = _soft(region, rng.uniform(2.0, 6.0)) * (0.4 + 0.6 * blotch)
    return contrast * alpha * (0.6 + 0.8 * streak)


@register_painter(3)
def paint_scratch_or_patch(rng, clean, region, part, offset):
    """Class 3: long scratches (band components) or large scuffed patches (blob components)."""
    return (_long_scratches if part.kind == BAND else _patch)(rng, clean, region, part, offset)


@register_painter(4)
def paint_rolled_in(rng, clean, region, part, offset):
    """Class 4: a large dark rolled-in region with a bumpy, embossed surface."""
    relief = cv2.GaussianBlur(rng.random(region.shape, dtype=np.float32), (0, 0), rng.uniform(1.5, 4))
    relief = cv2.Sobel(relief, cv2.CV_32F, 1, 0, ksize=3) + cv2.Sobel(relief, cv2.CV_32F, 0, 1, ksize=3)
    relief /= float(np.abs(relief).max()) + 1e-6
    blotch = _texture(rng, region.shape, rng.uniform(4, 10), rng.uniform(3, 8))
    alpha = _soft(region, rng.uniform(3, 8)) * (0.3 + 0.7 * blotch)
    darken = rng.uniform(0.2, 0.65) * np.maximum(clean, 20.0)
    return alpha * (-darken + rng.uniform(10, 40) * relief)


def paint_component(rng: np.random.Generator, image: np.ndarray, cls: int, part: Component,
                    contrast: float = 1.0) -> None:
    """Paint one component of class ``cls`` into the float32 ``image`` (H, W) in place.

    ``contrast`` scales the grey-level change (1: the calibrated look, see docs/SYNTHETIC.md).
    """
    x0, y0, x1, y1 = polygon_box(part.polygon, 0, image.shape)
    region = fill_polygon(np.zeros((y1 - y0, x1 - x0), np.uint8), part.polygon, (x0, y0)).astype(np.float32)
    roi = image[y0:y1, x0:x1]
    delta = get_painter(cls)(rng, roi, region, part, (x0, y0))
    roi += (contrast * delta * region).astype(np.float32)
