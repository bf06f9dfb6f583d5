"""Grain direction by class: on real strips, clean steel is streaked along the strip's height and steel
with defects much less so.

The anisotropy of a strip's steel is the mean squared horizontal gradient over the mean squared
vertical one, after a BLUR-pixel blur (the grain at the scale a model sees, not single-pixel noise);
1 is no preferred direction, above 1 vertical streaks. On both halves of the tune/measure split the
clean training strips measure 2.06 and 1.70, the test strips 1.11 and 1.08 and the strips of each class
0.89-1.32. A generator whose clean steel was as undirected as its defective steel (1.34 both), with
painted scratches adding vertical lines on top, taught a model that streaks mean a defect: on real
strips that is the wrong way round.

The drawn grain is given each class's anisotropy by a directional blur of its Gaussian field, column means apart
(``field.stretch_field``): along the height for a positive stretch, along the width for a negative one;
the stretch that gives a measured ratio is found by drawing (``fit_stretches``). Pure.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from steeldefect.artifacts.look_file import Look
from steeldefect.synth.look.by_class import class_groups, image_rules
from steeldefect.synth.look.field import render_texture
from steeldefect.synth.look.roughness import roughness_factor

BLUR = 1.0  # pixels: the grain's scale at which its direction is measured
STRETCHES = np.linspace(-3.0, 4.0, 15)  # directional blurs tried when fitting (pixels; > 0: along the height)
DRAWS = 4  # strips drawn per stretch tried
DRAW_SHAPE = (256, 1024)


def grain_anisotropy(steel: np.ndarray) -> float:
    """Mean squared horizontal over mean squared vertical gradient of ``steel`` blurred by BLUR pixels
    (NaN for flat steel)."""
    smooth = cv2.GaussianBlur(np.asarray(steel, np.float32), (0, 0), BLUR)
    across = float(np.mean(cv2.Sobel(smooth, cv2.CV_32F, 1, 0) ** 2))
    down = float(np.mean(cv2.Sobel(smooth, cv2.CV_32F, 0, 1) ** 2))
    return across / down if down > 0 else float("nan")


def class_anisotropy(ratios: np.ndarray, flags: np.ndarray) -> tuple[tuple[int, float], ...]:
    """((class, median anisotropy), ...) of the clean strips (class 0) and of the strips flagged with each
    class; strips without steel (NaN) and classes without a strip are left out."""
    ratios = np.asarray(ratios, np.float64)
    if len(ratios) != len(flags):
        raise ValueError(f"{len(ratios)} ratios for {len(flags)} rows of flags")
    known = np.isfinite(ratios)
    return tuple((cls, round(float(np.median(ratios[member & known])), 6))
                 for cls, member in class_groups(flags) if (member & known).any())


def _curve(look: Look, roughness: float) -> np.ndarray:
    """The median anisotropy of strips drawn from ``look`` at each of STRETCHES, made non-decreasing."""
    ratios = []
    for stretch in STRETCHES:
        rng = np.random.default_rng(0)
        ratios.append(np.median([grain_anisotropy(render_texture(rng, look, DRAW_SHAPE, roughness, float(stretch)))
                                 for _ in range(DRAWS)]))
    return np.maximum.accumulate(np.asarray(ratios))


def fit_stretches(look: Look, targets: tuple[tuple[int, float], ...]) -> tuple[tuple[int, float, float], ...]:
    """((class, target ratio, stretch), ...): for each class, the stretch whose drawn strips (at the class's
    roughness in ``look``) measure the target, interpolated between STRETCHES and held at their ends."""
    flat = replace(look, class_stretch=())
    curves: dict[float, np.ndarray] = {}
    out = []
    for cls, target in targets:
        roughness = roughness_factor(look.class_roughness, (cls,) if cls else ())
        curve = curves.setdefault(roughness, _curve(flat, roughness))
        stretch = float(np.interp(target, curve, STRETCHES)) if np.ptp(curve) > 0 else 0.0
        out.append((cls, target, round(stretch, 4)))
    return tuple(out)


def image_stretch(rules: tuple[tuple[int, float, float], ...], classes: tuple[int, ...]) -> float:
    """The stretch of an image holding ``classes``: the mean of its classes' (the clean one for no class);
    0 (the fitted spectrum as it is) where ``rules`` has none of them."""
    known = image_rules({cls: stretch for cls, _, stretch in rules}, classes)
    return float(np.mean(known)) if known else 0.0
