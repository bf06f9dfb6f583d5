"""Bright splashes: a cluster of near-white specks on clean and defective steel alike (marker paint,
scale, reflections), which real strips carry whatever their labels and a model must learn to ignore.
How often, how many, how large, how bright and how spread come from the look (``look.marks``). Pure:
a generator and a grey strip in, the strip with splashes out.
"""

from __future__ import annotations

import cv2
import numpy as np

from steeldefect.artifacts.look_file import Splashes
from steeldefect.synth.polygons import blob_polygon

ASPECT = 1.5  # specks are this many times wider than tall (the real specks' median box: 18 x 12 pixels)
FILL = 0.72  # polygon area / box area of a blob
CORE_SCALE, RIM, CORE = 0.5, 0.8, 1.4  # a speck's core (half its size) is brighter than its rim; mean about 1


def _draw(rng: np.random.Generator, splashes: Splashes, quantiles: tuple[float, ...], size: int | None = None):
    """Values drawn from the piecewise-linear quantile function through ``quantiles``, between the first and
    the last fitted quantile (the shipped look: the 10% and 90% ones; nothing beyond them is drawn)."""
    probabilities = splashes.probabilities
    return np.interp(rng.uniform(probabilities[0], probabilities[-1], size), probabilities, quantiles)


def paint_splashes(rng: np.random.Generator, image: np.ndarray, splashes: Splashes | None) -> np.ndarray:
    """``image`` (float32 (H, W) grey) with, on ``splashes.probability`` of the strips, one cluster of bright
    specks; unchanged without splashes."""
    if splashes is None or rng.random() >= splashes.probability:
        return image
    height, width = image.shape
    count = max(1, int(round(float(_draw(rng, splashes, splashes.counts)))))
    spread = float(_draw(rng, splashes, splashes.spreads))
    left = rng.uniform(0, max(width - spread, 1))
    level = float(np.median(image[::8, ::8]))
    hard, target = np.zeros_like(image), np.zeros_like(image)
    for area, above in zip(_draw(rng, splashes, splashes.areas, count), _draw(rng, splashes, splashes.above, count)):
        h = np.sqrt(area / (FILL * ASPECT))
        cx, cy = left + rng.uniform(0, spread), rng.uniform(0, height)
        outline = blob_polygon(rng, cx, cy, ASPECT * h, h)
        core = np.rint(CORE_SCALE * (outline - (cx, cy)) + (cx, cy)).astype(np.int32)
        cv2.fillPoly(hard, [outline.reshape(-1, 1, 2)], 1.0)
        cv2.fillPoly(target, [outline.reshape(-1, 1, 2)], min(level + RIM * float(above), 255.0))
        cv2.fillPoly(target, [core.reshape(-1, 1, 2)], min(level + CORE * float(above), 255.0))
    alpha = cv2.GaussianBlur(hard, (3, 3), 0)
    target = cv2.GaussianBlur(target, (3, 3), 0) / np.maximum(alpha, 1e-6)  # the specks' levels, edges included
    return (image * (1 - alpha) + target * alpha).astype(np.float32)
