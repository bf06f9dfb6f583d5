"""The competition Dice, exactly: per (image, class) pair 2|A∩B| / (|A|+|B|), and 1 when both are empty.

Two implementations of the same definition: ``dice_score`` on mask arrays (batched, vectorised), and
``dice_from_runs`` on RLE runs without decoding (what ``score_tables`` uses on whole CSVs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from steeldefect.constants import CLASS_IDS, RLE_COLUMNS
from steeldefect.data.rle import rle_runs
from steeldefect.errors import SteelDefectError


def dice_score(truth: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """Dice per leading index of two masks of shape (..., H, W); non-zero is foreground.

    Returns float64 of shape (...); a pair with both masks empty scores 1.
    """
    truth = np.asarray(truth) != 0
    pred = np.asarray(pred) != 0
    if truth.shape != pred.shape:
        raise ValueError(f"truth shape {truth.shape} differs from prediction shape {pred.shape}")
    inter = np.logical_and(truth, pred).sum(axis=(-2, -1), dtype=np.int64)
    total = truth.sum(axis=(-2, -1), dtype=np.int64) + pred.sum(axis=(-2, -1), dtype=np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total == 0, 1.0, 2.0 * inter / np.maximum(total, 1))


def dice_from_runs(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """Dice of two masks given as (starts, lengths) runs (sorted, non-overlapping), no decoding.

    The overlap is where the coverage count of the merged run boundaries reaches 2.
    """
    (sa, la), (sb, lb) = a, b
    total = int(la.sum() + lb.sum())
    if total == 0:
        return 1.0
    if len(sa) == 0 or len(sb) == 0:
        return 0.0
    pos = np.concatenate([sa, sa + la, sb, sb + lb])
    step = np.concatenate([np.ones_like(sa), -np.ones_like(sa), np.ones_like(sb), -np.ones_like(sb)])
    order = np.argsort(pos, kind="stable")
    pos, cover = pos[order], np.cumsum(step[order])
    inter = int(np.diff(pos)[cover[:-1] == 2].sum())
    return 2.0 * inter / total


def score_tables(truth: pd.DataFrame, pred: pd.DataFrame) -> dict:
    """Score a prediction label table against a truth label table, as the competition does.

    Every truth image must be predicted; predicted images absent from the truth are counted and
    ignored. Returns mean Dice, per-class Dice, and image-class decision counts (tp, fp, fn, tn,
    where positive means a non-empty mask), overall and per class.
    """
    if len(truth) == 0:
        raise SteelDefectError("the truth holds no images: nothing to score")
    pred_by_id = pred.set_index("ImageId")
    missing = truth.loc[~truth["ImageId"].isin(pred_by_id.index), "ImageId"]
    if len(missing):
        raise SteelDefectError(f"the prediction lacks {len(missing)} of the {len(truth)} truth images, "
                               f"e.g. {missing.iloc[0]}")
    aligned = pred_by_id.loc[truth["ImageId"]]
    dice = np.zeros((len(truth), len(CLASS_IDS)))
    t_pos = np.zeros_like(dice, dtype=bool)
    p_pos = np.zeros_like(dice, dtype=bool)
    for k, (col, cls) in enumerate(zip(RLE_COLUMNS, CLASS_IDS)):
        for i, (image_id, t_rle, p_rle) in enumerate(zip(truth["ImageId"], truth[col], aligned[col])):
            ta = rle_runs(t_rle, context=f"truth, image {image_id} class {cls}")
            pa = rle_runs(p_rle, context=f"prediction, image {image_id} class {cls}")
            dice[i, k] = dice_from_runs(ta, pa)
            t_pos[i, k], p_pos[i, k] = len(ta[0]) > 0, len(pa[0]) > 0
    return summarise(dice, t_pos, p_pos, n_extra=int((~pred_by_id.index.isin(truth["ImageId"])).sum()))


def decision_counts(t_pos: np.ndarray, p_pos: np.ndarray) -> dict[str, int]:
    """Image-class level counts of empty/non-empty decisions."""
    return {"tp": int((t_pos & p_pos).sum()), "fp": int((~t_pos & p_pos).sum()),
            "fn": int((t_pos & ~p_pos).sum()), "tn": int((~t_pos & ~p_pos).sum())}


def summarise(dice: np.ndarray, t_pos: np.ndarray, p_pos: np.ndarray, n_extra: int = 0) -> dict:
    """The score report from per-pair Dice (N, C) and truth/prediction non-emptiness (N, C)."""
    return {
        "mean": float(dice.mean()) if dice.size else float("nan"),
        "n_images": int(dice.shape[0]),
        "n_pairs": int(dice.size),
        "n_extra_pred_images": n_extra,
        "per_class": {str(cls): {"dice": float(dice[:, k].mean()) if len(dice) else float("nan"),
                                 **decision_counts(t_pos[:, k], p_pos[:, k])}
                      for k, cls in enumerate(CLASS_IDS)},
        "counts": decision_counts(t_pos, p_pos),
    }
