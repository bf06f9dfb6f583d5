"""A truth and a prediction label table paired up: per (image, class) mask areas and overlaps.

Both the competition Dice (``metric.dice``) and the plant metrics (``metric.plant``) are sums and
means of these counts, so the RLEs are parsed once, as runs, without decoding a mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from steeldefect.data.labels import table_n_classes, table_rle_columns
from steeldefect.data.rle import rle_runs
from steeldefect.errors import SteelDefectError

# (height, width) per image id, one (height, width) for all, or None for Severstal's 256x1600
Shapes = dict[str, tuple[int, int]] | tuple[int, int] | None


def runs_overlap(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> int:
    """Pixels two masks given as (starts, lengths) runs (sorted, non-overlapping) share, no decoding.

    The overlap is where the coverage count of the merged run boundaries reaches 2.
    """
    (sa, la), (sb, lb) = a, b
    if len(sa) == 0 or len(sb) == 0:
        return 0
    pos = np.concatenate([sa, sa + la, sb, sb + lb])
    step = np.concatenate([np.ones_like(sa), -np.ones_like(sa), np.ones_like(sb), -np.ones_like(sb)])
    order = np.argsort(pos, kind="stable")
    pos, cover = pos[order], np.cumsum(step[order])
    return int(np.diff(pos)[cover[:-1] == 2].sum())


def pair_dice(inter: np.ndarray, truth_area: np.ndarray, pred_area: np.ndarray) -> np.ndarray:
    """Dice 2|A∩B| / (|A|+|B|) elementwise from counts, 1 where both masks are empty (float64)."""
    total = np.asarray(truth_area, np.int64) + np.asarray(pred_area, np.int64)
    return np.where(total == 0, 1.0, 2.0 * np.asarray(inter) / np.maximum(total, 1))


@dataclass(frozen=True, eq=False)
class TablePairs:
    """Every (image, class) pair of a truth table and the prediction of its images.

    ``truth_area``, ``pred_area`` and ``inter`` are int64 (N, K) pixel counts, rows in the truth's
    image order; ``n_extra`` counts predicted images absent from the truth (ignored).
    """

    image_ids: tuple[str, ...]
    truth_area: np.ndarray
    pred_area: np.ndarray
    inter: np.ndarray
    n_extra: int = 0

    @property
    def n_classes(self) -> int:
        return int(self.truth_area.shape[1])

    @property
    def dice(self) -> np.ndarray:
        """float64 (N, K): Dice per pair, 1 for empty vs empty."""
        return pair_dice(self.inter, self.truth_area, self.pred_area)

    @property
    def truth_pos(self) -> np.ndarray:
        """bool (N, K): the truth mask is non-empty."""
        return self.truth_area > 0

    @property
    def pred_pos(self) -> np.ndarray:
        """bool (N, K): the predicted mask is non-empty."""
        return self.pred_area > 0


def shape_of(shapes: Shapes, image_id: str) -> tuple[int, int] | None:
    """The (height, width) ``shapes`` gives ``image_id``; None means Severstal's (rle_runs' default)."""
    if shapes is None or isinstance(shapes, tuple):
        return shapes
    if image_id not in shapes:
        raise SteelDefectError(f"the size of image {image_id} is not known; give its image folder")
    return shapes[image_id]


def _aligned(truth: pd.DataFrame, pred: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The prediction's rows in the truth's image order, and how many predicted images are extra."""
    if len(truth) == 0:
        raise SteelDefectError("the truth holds no images: nothing to score")
    k_truth, k_pred = table_n_classes(truth), table_n_classes(pred)
    if k_truth != k_pred:
        raise SteelDefectError(f"the truth has {k_truth} classes and the prediction {k_pred}; "
                               "score a prediction made for the truth's dataset")
    pred_by_id = pred.set_index("ImageId")
    missing = truth.loc[~truth["ImageId"].isin(pred_by_id.index), "ImageId"]
    if len(missing):
        raise SteelDefectError(f"the prediction lacks {len(missing)} of the {len(truth)} truth images, "
                               f"e.g. {missing.iloc[0]}")
    return pred_by_id.loc[truth["ImageId"]], int((~pred_by_id.index.isin(truth["ImageId"])).sum())


def _runs(rle, shape, context: str):
    return rle_runs(rle, context=context) if shape is None else rle_runs(rle, shape, context=context)


def table_pairs(truth: pd.DataFrame, pred: pd.DataFrame, shapes: Shapes = None) -> TablePairs:
    """Pair a prediction label table with a truth label table (same class count K).

    Every truth image must be predicted. Each RLE is checked at its image's size from ``shapes``.
    """
    aligned, n_extra = _aligned(truth, pred)
    columns = table_rle_columns(truth)
    counts = np.zeros((3, len(truth), len(columns)), np.int64)
    for k, col in enumerate(columns):
        cls = k + 1
        for i, (image_id, t_rle, p_rle) in enumerate(zip(truth["ImageId"], truth[col], aligned[col])):
            shape = shape_of(shapes, image_id)
            ta = _runs(t_rle, shape, f"truth, image {image_id} class {cls}")
            pa = _runs(p_rle, shape, f"prediction, image {image_id} class {cls}")
            counts[:, i, k] = int(ta[1].sum()), int(pa[1].sum()), runs_overlap(ta, pa)
    return TablePairs(tuple(truth["ImageId"]), counts[0], counts[1], counts[2], n_extra)
