"""One synthetic sample, pure: a random generator in, (image, masks) out.

The generator is split into three independent streams (geometry, clean texture, paint), so the
masks alone can be drawn without rendering (``sample_masks``) and come out identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from steeldefect.artifacts.look_file import Look
from steeldefect.synth.defects import paint_component
from steeldefect.synth.geometry import ImageSpec, sample_image_spec, spec_masks
from steeldefect.synth.texture import render_background

STREAMS = 3  # geometry, texture, paint


@dataclass(frozen=True)
class Layers:
    """Everything one sample is made of: the geometry, the clean strip, the painted strip (both
    float32 (H, W) grey levels before rounding) and the masks uint8 (NUM_CLASSES, H, W)."""

    spec: ImageSpec
    clean: np.ndarray
    painted: np.ndarray
    masks: np.ndarray


def _streams(rng: np.random.Generator) -> list[np.random.Generator]:
    return rng.spawn(STREAMS)


def render_layers(rng: np.random.Generator, contrast: float = 1.0, look: Look | None = None) -> Layers:
    """Draw the geometry, render the clean strip with ``look`` (default: the shipped one), paint the
    defects (their grey-level change scaled by ``contrast``); keep every stage."""
    geometry, texture, paint = _streams(rng)
    spec = sample_image_spec(geometry, look)
    clean = render_background(texture, spec.margin_side, spec.margin_width, look, spec.classes)
    painted = clean.copy()
    for cls in spec.classes:
        for part in spec.components[cls]:
            paint_component(paint, painted, cls, part, contrast)
    return Layers(spec, clean, painted, spec_masks(spec))


def to_uint8_rgb(grey: np.ndarray) -> np.ndarray:
    """float grey (H, W) -> uint8 (H, W, 3), the three channels equal, like the real JPEGs."""
    grey8 = np.clip(np.rint(grey), 0, 255).astype(np.uint8)
    return np.repeat(grey8[:, :, None], 3, axis=2)


def render_sample(rng: np.random.Generator, contrast: float = 1.0,
                  look: Look | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One synthetic strip: (image uint8 (H, W, 3) grey in three channels, masks uint8 (4, H, W))."""
    layers = render_layers(rng, contrast, look)
    return to_uint8_rgb(layers.painted), layers.masks


def sample_masks(rng: np.random.Generator, look: Look | None = None) -> np.ndarray:
    """The masks ``render_sample(rng, look=look)`` would give for an equal generator, without rendering."""
    geometry, _, _ = _streams(rng)
    return spec_masks(sample_image_spec(geometry, look))
