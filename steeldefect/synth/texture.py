"""Clean steel: streaky grey texture, uneven light, stains and lines that are not defects, black margin.

``render_background`` returns float32 (H, W) grey levels; low-frequency parts are drawn on a
small grid and resized, so a whole strip costs a few milliseconds.
"""

from __future__ import annotations

import cv2
import numpy as np

from steeldefect.constants import IMAGE_HEIGHT, IMAGE_WIDTH

LOW_RES = (IMAGE_HEIGHT // 8, IMAGE_WIDTH // 8)  # grid of the illumination and stain fields
BASE_GREY = (60.0, 125.0)  # mean grey level of bare steel
GRAIN_SIGMA = (2.0, 6.0)  # per-pixel grain noise, grey levels
STREAK_AMPLITUDE = (3.0, 10.0)  # vertical streaks along the rolling direction, grey levels
ILLUMINATION_SIGMA = 0.1  # log-sigma of the slow multiplicative light field
STAINS_PER_IMAGE = 1.5  # mean number of soft stains (distractors)
STAIN_AMPLITUDE = (4.0, 16.0)
SPECKS_PER_IMAGE = 10.0  # mean isolated specks (distractors for pits)
LINES_PER_IMAGE = 1.0  # mean faint straight lines (distractors for scratches)
LINE_CONTRAST = (4.0, 14.0)
DIAMOND_PROBABILITY = 0.04  # share of strips with a rolled diamond pattern (a clean texture)
MARGIN_GREY = (1.0, 7.0)  # grey level of the black margin beside the strip


def _noise(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Zero-mean unit-variance uniform noise, float32; from random bytes, 10x faster than normals."""
    raw = np.frombuffer(rng.bytes(shape[0] * shape[1]), dtype=np.uint8).reshape(shape)
    return (raw.astype(np.float32) - 127.5) * (1 / 73.9)


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma_x: float,
                  sigma_y: float) -> np.ndarray:
    """Gaussian-blurred standard noise rescaled to unit standard deviation."""
    noise = cv2.GaussianBlur(rng.standard_normal(shape, dtype=np.float32), (0, 0), sigma_x, sigmaY=sigma_y)
    return noise / (noise.std() + 1e-6)


def _streaks(rng: np.random.Generator) -> np.ndarray:
    """Vertical streaks whose strength drifts down the strip, plus faint horizontal banding."""
    amp = rng.uniform(*STREAK_AMPLITUDE)
    fine = cv2.GaussianBlur(_noise(rng, (IMAGE_HEIGHT // 16, IMAGE_WIDTH)),
                            (0, 0), sigmaX=rng.uniform(0.5, 1.5), sigmaY=0.8)
    fine = cv2.resize(fine, (IMAGE_WIDTH, IMAGE_HEIGHT), interpolation=cv2.INTER_LINEAR)
    dashes = cv2.resize(_noise(rng, (IMAGE_HEIGHT // 4, IMAGE_WIDTH)),
                        (IMAGE_WIDTH, IMAGE_HEIGHT), interpolation=cv2.INTER_LINEAR)
    coarse = _smooth_noise(rng, (IMAGE_HEIGHT // 64, IMAGE_WIDTH), rng.uniform(3, 25), 0.5)
    coarse = cv2.resize(coarse, (IMAGE_WIDTH, IMAGE_HEIGHT), interpolation=cv2.INTER_LINEAR)
    rows = cv2.GaussianBlur(rng.standard_normal((IMAGE_HEIGHT, 1), dtype=np.float32), (0, 0),
                            sigmaX=0.1, sigmaY=rng.uniform(1, 3))
    return amp * (0.8 * fine + 0.55 * coarse + rng.uniform(0.2, 0.5) * dashes) + rng.uniform(0.5, 2.5) * rows


def _low_frequency(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(multiplicative light field, additive stain field), both full size."""
    light = ILLUMINATION_SIGMA * _smooth_noise(rng, LOW_RES, rng.uniform(10, 30), rng.uniform(4, 10))
    yy = np.linspace(-1, 1, LOW_RES[0], dtype=np.float32)[:, None]
    light += rng.uniform(-0.15, 0.25) * np.exp(-((yy - rng.uniform(-0.5, 0.5)) / 0.6) ** 2)
    light += np.linspace(0, rng.normal(0, 0.15), LOW_RES[1], dtype=np.float32)[None, :]
    stains = np.zeros(LOW_RES, np.float32)
    gy, gx = np.mgrid[0:LOW_RES[0], 0:LOW_RES[1]].astype(np.float32)
    for _ in range(rng.poisson(STAINS_PER_IMAGE)):
        cx, cy = rng.uniform(0, LOW_RES[1]), rng.uniform(0, LOW_RES[0])
        sx, sy = rng.uniform(1.5, 12), rng.uniform(3, 16)
        blob = np.exp(-(((gx - cx) / sx) ** 2 + ((gy - cy) / sy) ** 2))
        stains += rng.choice([-1, 1]) * rng.uniform(*STAIN_AMPLITUDE) * blob
    size = (IMAGE_WIDTH, IMAGE_HEIGHT)
    return (np.exp(cv2.resize(light, size, interpolation=cv2.INTER_CUBIC)),
            cv2.resize(stains, size, interpolation=cv2.INTER_CUBIC))


def _marks(rng: np.random.Generator) -> np.ndarray:
    """Faint straight lines, isolated specks and, rarely, a diamond pattern: texture, not defects."""
    marks = np.zeros((IMAGE_HEIGHT, IMAGE_WIDTH), np.float32)
    for _ in range(rng.poisson(LINES_PER_IMAGE)):
        x0 = rng.uniform(0, IMAGE_WIDTH)
        x1 = x0 + rng.normal(0, 6)
        value = rng.choice([-1, 1]) * rng.uniform(*LINE_CONTRAST)
        cv2.line(marks, (int(x0), 0), (int(x1), IMAGE_HEIGHT - 1), float(value), int(rng.integers(1, 3)))
    for _ in range(rng.poisson(SPECKS_PER_IMAGE)):
        centre = (int(rng.integers(0, IMAGE_WIDTH)), int(rng.integers(0, IMAGE_HEIGHT)))
        cv2.circle(marks, centre, int(rng.integers(1, 3)), float(rng.choice([-1, 1]) * rng.uniform(10, 60)), -1)
    if rng.random() < DIAMOND_PROBABILITY:
        pitch, depth = int(rng.integers(70, 130)), rng.uniform(15, 35)
        rise = int(rng.integers(2, 4)) * IMAGE_HEIGHT // 2
        for x in range(-IMAGE_WIDTH, 2 * IMAGE_WIDTH, pitch):
            cv2.line(marks, (x, 0), (x + rise // 2, IMAGE_HEIGHT), -depth, 3)
            cv2.line(marks, (x, 0), (x - rise // 2, IMAGE_HEIGHT), -depth, 3)
    return cv2.GaussianBlur(marks, (3, 3), 0)


def _apply_margin(rng: np.random.Generator, image: np.ndarray, side: str, width: int) -> np.ndarray:
    """Black out ``width`` columns at ``side``; the steel edge gets a thin bright rim."""
    cols = np.arange(IMAGE_WIDTH, dtype=np.float32)[None, :]
    rows = np.arange(IMAGE_HEIGHT, dtype=np.float32)[:, None]
    edge = (width if side == "left" else IMAGE_WIDTH - width) + rng.normal(0, 0.01) * (rows - 128)
    dist = (cols - edge) if side == "left" else (edge - cols)  # > 0 on steel
    steel = np.clip(dist / rng.uniform(1.0, 3.0), 0, 1)
    rim = rng.uniform(0, 30) * np.exp(-np.clip(dist, 0, None) / rng.uniform(2, 6)) * steel
    dark = rng.uniform(*MARGIN_GREY) + _noise(rng, image.shape)
    return steel * (image + rim) + (1 - steel) * dark


def render_background(rng: np.random.Generator, margin_side: str | None = None,
                      margin_width: int = 0) -> np.ndarray:
    """A clean strip as float32 (H, W) grey levels in about [0, 255]."""
    light, stains = _low_frequency(rng)
    grain = rng.uniform(*GRAIN_SIGMA) * _noise(rng, (IMAGE_HEIGHT, IMAGE_WIDTH))
    streaks = _streaks(rng)
    image = (rng.uniform(*BASE_GREY) + streaks + _marks(rng)) * light + stains * (1 + 0.08 * streaks) + grain
    if margin_side is not None:
        image = _apply_margin(rng, image, margin_side, margin_width)
    return np.clip(image, 0, 255).astype(np.float32)
