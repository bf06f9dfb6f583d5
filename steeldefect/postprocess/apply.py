"""Thresholds applied to one image: the call ``ensemble.decide.decide`` makes for every image, so
that ``predict``, the exported model's server and the ``Predictor`` decide a mask the same way. Tuning
scores the same rules from ``masks``' parts."""

from __future__ import annotations

import numpy as np

from steeldefect.constants import IMAGE_SHAPE
from steeldefect.postprocess.masks import postprocess_image
from steeldefect.postprocess.rules import Thresholds


def masks_for_image(q: np.ndarray, factors: np.ndarray, thresholds: Thresholds,
                    out_shape: tuple[int, int] = IMAGE_SHAPE) -> tuple[np.ndarray, np.ndarray]:
    """uint8 probability levels (h, w, C) at the model resolution and the image's gate area factors
    (C,) (``gating.area_factors``) -> masks uint8 (C, H, W) at ``out_shape`` and their areas in pixels
    of that shape. Decisions (thresholds, components, minimum areas in pixels of the thresholds'
    ``area_reference``, gates) are taken at the model resolution, so they do not depend on ``out_shape``."""
    classes = thresholds.classes
    return postprocess_image(q, thresholds.levels, [c.min_area for c in classes], [c.min_component for c in classes],
                             factors, out_shape=out_shape, survival_levels=[c.survival_level for c in classes],
                             area_reference=thresholds.area_reference)
