"""What the threshold search needs, precomputed once per (image, class): cumulative histograms.

For each image and class, over the 256 uint8 probability levels q: ``pred_area[L]`` is the number of
pixels with ``q >= L`` and ``inter[L]`` the number of those inside the truth mask. For any pixel
threshold the predicted area and the intersection are then lookups, and ``inter[0]`` is the truth
area. The truth is the mask decoded at its image's size (256x1600 for Severstal) resized (nearest) to the
segmenters' resolution (h, w), as training resized it: the tuned Dice is measured at that resolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from steeldefect.constants import IMAGE_SHAPE
from steeldefect.data.labels import table_rle_columns
from steeldefect.data.rle import rle_decode
from steeldefect.tuning.truth import Truth, as_truth
from steeldefect.tuning.oof_stream import DEFAULT_CHUNK, OOFPlan, iter_oof
from steeldefect.postprocess.masks import area_scale
from steeldefect.artifacts.oof import N_LEVELS
from steeldefect.pipeline.preprocess import resize_mask
from steeldefect.errors import SteelDefectError


@dataclass
class TuneStats:
    """Cumulative histograms of all OOF images: the whole input of the fast search.

    pred_area, inter: int32 (N, C, 256); cls_probs: float (N,), (N, C) or None; shape: (h, w);
    reference: the image size whose pixels minimum areas count.
    """

    image_ids: list[str]
    shape: tuple[int, int]
    pred_area: np.ndarray
    inter: np.ndarray
    cls_probs: np.ndarray | None
    reference: tuple[int, int] = IMAGE_SHAPE

    @property
    def n_classes(self) -> int:
        return int(self.pred_area.shape[1])

    @property
    def truth_area(self) -> np.ndarray:
        """int32 (N, C): truth pixels at the training resolution."""
        return self.inter[:, :, 0]

    @property
    def scale(self) -> float:
        return area_scale(self.shape, self.reference)

    @property
    def n_images(self) -> int:
        return len(self.image_ids)

    def gate_probs(self, c: int) -> np.ndarray | None:
        """The classifier probability gating class index ``c``, (N,), or None without a classifier."""
        if self.cls_probs is None:
            return None
        return self.cls_probs if self.cls_probs.ndim == 1 else self.cls_probs[:, c]


def truth_masks(labels: pd.DataFrame | Truth, image_ids: list[str], shape: tuple[int, int]) -> np.ndarray:
    """bool (n, h, w, C): the truth masks of ``image_ids`` (a label table, or a Truth with its images'
    sizes), decoded at each image's size and resized (nearest) to ``shape``."""
    truth = as_truth(labels)
    rows = truth.table.set_index("ImageId")
    missing = [i for i in image_ids if i not in rows.index]
    if missing:
        raise SteelDefectError(f"the labels lack {len(missing)} OOF images, e.g. {missing[0]}; "
                               "pass the train.csv the runs were trained on")
    columns = list(table_rle_columns(truth.table))
    out = np.zeros((len(image_ids), int(shape[0]), int(shape[1]), len(columns)), bool)
    rles = rows.loc[image_ids, columns].to_numpy()
    for i, image_id in enumerate(image_ids):
        for c in range(len(columns)):
            if rles[i, c]:
                full = rle_decode(rles[i, c], truth.shape_of(image_id), context=f"labels, image {image_id} class {c + 1}")
                out[i, :, :, c] = resize_mask(full, shape) != 0  # exactly as training resized it
    return out


def _reverse_cumsum(hist: np.ndarray) -> np.ndarray:
    return np.cumsum(hist[..., ::-1], axis=-1, dtype=np.int64)[..., ::-1].astype(np.int32)


def chunk_histograms(q: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 levels (n, h, w, C) and bool truth (n, h, w, C) -> pred_area, inter int32 (n, C, 256)."""
    n, _, _, n_classes = q.shape
    pred = np.empty((n, n_classes, N_LEVELS), np.int32)
    inter = np.empty_like(pred)
    offsets = (np.arange(n, dtype=np.int32) * N_LEVELS)[:, None, None]
    for c in range(n_classes):
        keys = offsets + q[:, :, :, c]
        pred[:, c] = _reverse_cumsum(np.bincount(keys.ravel(), minlength=n * N_LEVELS).reshape(n, N_LEVELS))
        inside = np.bincount(keys[truth[:, :, :, c]], minlength=n * N_LEVELS).reshape(n, N_LEVELS)
        inter[:, c] = _reverse_cumsum(inside)
    return pred, inter


def stats_from_arrays(image_ids: list[str], q: np.ndarray, truth: np.ndarray,
                      cls_probs: np.ndarray | None = None) -> TuneStats:
    """TuneStats of in-memory arrays (tests, benchmarks): q uint8 (N, h, w, C), truth bool (N, h, w, C)."""
    pred, inter = chunk_histograms(q, truth)
    return TuneStats(list(image_ids), q.shape[1:3], pred, inter,
                     None if cls_probs is None else np.asarray(cls_probs, np.float64))


def build_stats(plan: OOFPlan, labels: pd.DataFrame | Truth, chunk_size: int = DEFAULT_CHUNK,
                progress=None) -> TuneStats:
    """Stream the OOF predictions of ``plan`` once and keep only their cumulative histograms."""
    n, truth_set = len(plan.image_ids), as_truth(labels)
    if truth_set.n_classes != plan.n_classes:
        raise SteelDefectError(f"the labels have {truth_set.n_classes} classes and the segmenters predict "
                               f"{plan.n_classes}; pass the labels of the dataset the runs were trained on")
    pred = np.empty((n, plan.n_classes, N_LEVELS), np.int32)
    inter = np.empty_like(pred)
    for start, ids, q in iter_oof(plan, chunk_size):
        truth = truth_masks(truth_set, ids, plan.shape)
        pred[start:start + len(ids)], inter[start:start + len(ids)] = chunk_histograms(q, truth)
        if progress is not None:
            progress(len(ids))
    return TuneStats(list(plan.image_ids), plan.shape, pred, inter, plan.cls_probs, truth_set.reference)
