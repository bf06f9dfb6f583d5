"""The competition Dice, exactly: per (image, class) pair 2|A∩B| / (|A|+|B|), and 1 when both are empty.

Two implementations of the same definition: ``dice_score`` on mask arrays (batched, vectorised), and
``dice_from_runs`` on RLE runs without decoding (what ``score_tables`` uses on whole CSVs).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from steeldefect.metric.pairs import Shapes, TablePairs, runs_overlap, table_pairs


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
    """Dice of two masks given as (starts, lengths) runs (sorted, non-overlapping), no decoding."""
    total = int(a[1].sum() + b[1].sum())
    if total == 0:
        return 1.0
    return 2.0 * runs_overlap(a, b) / total


def score_tables(truth: pd.DataFrame, pred: pd.DataFrame, shapes: Shapes = None) -> dict:
    """Score a prediction label table against a truth label table, as the competition does.

    Both tables must have the same class count K (their ``rle_1`` .. ``rle_K`` columns). Every truth
    image must be predicted; predicted images absent from the truth are counted and ignored. Each RLE
    is checked at its image's size (``shapes``: per image, one for all, or None for 256x1600).
    Returns mean Dice, per-class Dice, and image-class decision counts (tp, fp, fn, tn, where positive
    means a non-empty mask), overall and per class.
    """
    return summarise_pairs(table_pairs(truth, pred, shapes))


def summarise_pairs(pairs: TablePairs) -> dict:
    """The score report (as ``score_tables``) of paired tables."""
    return summarise(pairs.dice, pairs.truth_pos, pairs.pred_pos, n_extra=pairs.n_extra)


def decision_counts(t_pos: np.ndarray, p_pos: np.ndarray) -> dict[str, int]:
    """Image-class level counts of empty/non-empty decisions."""
    return {"tp": int((t_pos & p_pos).sum()), "fp": int((~t_pos & p_pos).sum()),
            "fn": int((t_pos & ~p_pos).sum()), "tn": int((~t_pos & ~p_pos).sum())}


def summarise(dice: np.ndarray, t_pos: np.ndarray, p_pos: np.ndarray, n_extra: int = 0) -> dict:
    """The score report from per-pair Dice (N, K) and truth/prediction non-emptiness (N, K); classes are
    keyed by id, "1" .. "K"."""
    return {
        "mean": float(dice.mean()) if dice.size else float("nan"),
        "n_images": int(dice.shape[0]),
        "n_pairs": int(dice.size),
        "n_extra_pred_images": n_extra,
        "per_class": {str(k + 1): {"dice": float(dice[:, k].mean()) if len(dice) else float("nan"),
                                   **decision_counts(t_pos[:, k], p_pos[:, k])}
                      for k in range(dice.shape[1])},
        "counts": decision_counts(t_pos, p_pos),
    }
