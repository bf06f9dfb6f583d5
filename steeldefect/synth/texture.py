"""Clean steel: the fitted look (steeldefect.synth.look), distractors that are not defects, black margin.

``render_background`` returns float32 (H, W) grey levels. The texture comes from the look fitted on
real strips (its spectrum, light profile, grain modulation, roughness and direction by class, flecks,
levels and grey shape); faint
straight lines, isolated specks, rarely a rolled diamond pattern, and the look's bright splashes are
added as distractors a model must learn to ignore.
"""

from __future__ import annotations

import cv2
import numpy as np

from steeldefect.artifacts.look_file import Look, MarginEdge
from steeldefect.constants import IMAGE_HEIGHT, IMAGE_WIDTH
from steeldefect.synth.look import default_look
from steeldefect.synth.look.anisotropy import image_stretch
from steeldefect.synth.look.edges import edge_fraction
from steeldefect.synth.look.field import render_texture
from steeldefect.synth.look.roughness import roughness_factor
from steeldefect.synth.splashes import paint_splashes

SPECKS_PER_IMAGE = 10.0  # mean isolated specks (distractors for pits)
LINES_PER_IMAGE = 1.0  # mean faint straight lines (distractors for scratches)
LINE_CONTRAST = (4.0, 14.0)
DIAMOND_PROBABILITY = 0.04  # share of strips with a rolled diamond pattern (a clean texture)
MARGIN_GREY = (1.0, 7.0)  # grey level of the black margin beside the strip


def _noise(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Zero-mean unit-variance uniform noise, float32; from random bytes, 10x faster than normals."""
    raw = np.frombuffer(rng.bytes(shape[0] * shape[1]), dtype=np.uint8).reshape(shape)
    return (raw.astype(np.float32) - 127.5) * (1 / 73.9)


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


def _apply_margin(rng: np.random.Generator, image: np.ndarray, side: str, width: int,
                  edge: MarginEdge | None = None) -> np.ndarray:
    """Black out ``width`` columns at ``side``. The steel darkens into the margin along the look's edge
    profile (``look.edges``); without one, it ends in a sharp step with a thin bright rim."""
    cols = np.arange(IMAGE_WIDTH, dtype=np.float32)[None, :]
    rows = np.arange(IMAGE_HEIGHT, dtype=np.float32)[:, None]
    end = (width if side == "left" else IMAGE_WIDTH - 1 - width) + rng.normal(0, 0.01) * (rows - 128)
    dist = (cols - end) if side == "left" else (end - cols)  # >= 0 on steel
    if edge is None:
        steel = np.clip(dist / rng.uniform(1.0, 3.0), 0, 1)
        image = image + rng.uniform(0, 30) * np.exp(-np.clip(dist, 0, None) / rng.uniform(2, 6)) * steel
    else:
        steel = np.clip(edge_fraction(rng, edge, dist), 0, None)
    dark = rng.uniform(*MARGIN_GREY) + _noise(rng, image.shape)
    return steel * image + (1 - steel) * dark


def render_background(rng: np.random.Generator, margin_side: str | None = None,
                      margin_width: int = 0, look: Look | None = None, classes: tuple[int, ...] = ()) -> np.ndarray:
    """A strip without its defects as float32 (H, W) grey levels in [0, 255], drawn from ``look`` (default:
    the shipped look fitted on real strips), its grain as rough and as streaked as the look says steel
    holding ``classes`` is."""
    look = look or default_look()
    texture = render_texture(rng, look, (IMAGE_HEIGHT, IMAGE_WIDTH), roughness_factor(look.class_roughness, classes),
                             image_stretch(look.class_stretch, classes))
    image = paint_splashes(rng, texture + _marks(rng), look.splashes)
    if margin_side is not None:
        image = _apply_margin(rng, image, margin_side, margin_width, look.margin_edge)
    return np.clip(image, 0, 255).astype(np.float32)
