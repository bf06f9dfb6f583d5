"""Stage 2 of tuning: removing small connected components, at each class's chosen pixel threshold.

Component removal cannot be read off histograms, so this stage thresholds every OOF mask once at the
chosen level, labels its components (cv2.connectedComponentsWithStats) and, from the component areas
and their overlap with the truth, gets the area and intersection left for every minimum component
size of the grid at once. Those curves go through the same sweep as stage 1, with the component size
in place of the pixel threshold, re-choosing the minimum area and the gate jointly with it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from steeldefect.tuning.truth import Truth, as_truth
from steeldefect.tuning.oof_stream import DEFAULT_CHUNK, OOFPlan, iter_oof
from steeldefect.postprocess.masks import area_passes, area_scale, component_table
from steeldefect.tuning.histograms import truth_masks


def chunk_component_curves(q: np.ndarray, truth: np.ndarray, levels, min_components,
                           scale: float) -> tuple[np.ndarray, np.ndarray]:
    """Area and intersection left after removing components below each size.

    q uint8 (n, h, w, C), truth bool (n, h, w, C), one level per class -> int64 (n, C, |sizes|) each.
    """
    n, _, _, n_classes = q.shape
    sizes = np.asarray(min_components, np.float64)
    area = np.zeros((n, n_classes, len(sizes)), np.int64)
    inter = np.zeros_like(area)
    for i in range(n):
        for c in range(n_classes):
            mask = q[i, :, :, c] >= levels[c]
            if not mask.any():
                continue
            _, comp_area, comp_inside = component_table(mask, truth[i, :, :, c])
            keep = area_passes(comp_area[None, :], sizes[:, None], scale)  # (|sizes|, n components)
            area[i, c] = keep @ comp_area
            inter[i, c] = keep @ comp_inside
    return area, inter


def component_curves(plan: OOFPlan, labels: pd.DataFrame | Truth, levels, min_components,
                     chunk_size: int = DEFAULT_CHUNK, progress=None) -> tuple[np.ndarray, np.ndarray]:
    """Stream the OOF predictions again: int64 (N, C, |sizes|) area and intersection curves."""
    n = len(plan.image_ids)
    scale = area_scale(plan.shape, as_truth(labels).reference)
    area = np.zeros((n, len(levels), len(min_components)), np.int64)
    inter = np.zeros_like(area)
    for start, ids, q in iter_oof(plan, chunk_size):
        truth = truth_masks(labels, ids, plan.shape)
        area[start:start + len(ids)], inter[start:start + len(ids)] = chunk_component_curves(
            q, truth, levels, min_components, scale)
        if progress is not None:
            progress(len(ids))
    return area, inter
