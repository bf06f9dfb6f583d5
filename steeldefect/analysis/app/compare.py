"""Comparing two label sets (two submissions, or one and the truth) on the images they share.

Per (image, class) pair the competition Dice, from RLE runs without decoding; a pair empty in both is 1
without parsing anything. The per-class report is the metric's own ``summarise`` (Dice and the counts
tp = both non-empty, fp = only B, fn = only A, tn = both empty, taking A as the reference).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from steeldefect.data.labels import table_rle_columns
from steeldefect.data.rle import rle_runs
from steeldefect.analysis.eda.rle_runs import parse_runs
from steeldefect.metric.dice import dice_from_runs, summarise

CACHE_PAIRS = 16  # comparisons remembered (each holds (N, K) arrays)


@dataclass(frozen=True, eq=False)
class Comparison:
    """Per-pair Dice (M, C) (NaN when a set has no masks), presence in A and in B, on ``image_ids``."""

    a_key: str
    b_key: str
    image_ids: np.ndarray
    dice: np.ndarray
    a_pos: np.ndarray
    b_pos: np.ndarray

    @property
    def has_dice(self) -> bool:
        return not np.isnan(self.dice).any()

    def report(self) -> dict:
        """The metric's summary: mean and per-class Dice and decision counts (Dice NaN without masks)."""
        return summarise(self.dice, self.a_pos, self.b_pos)

    def image_scores(self) -> np.ndarray:
        """Per image: mean Dice over the classes, or, without masks, the share of agreeing classes."""
        if self.has_dice:
            return self.dice.mean(axis=1)
        return (self.a_pos == self.b_pos).mean(axis=1)

    def differ_most(self, n: int = 10) -> list[tuple[str, float, int]]:
        """(image id, score, disagreeing classes) of the ``n`` images that differ most, worst first."""
        scores = self.image_scores()
        disagree = (self.a_pos != self.b_pos).sum(axis=1)
        order = np.lexsort((self.image_ids.astype(str), -disagree, scores))
        return [(str(self.image_ids[i]), float(scores[i]), int(disagree[i]))
                for i in order[:n] if scores[i] < 1.0]


def _pair_dice(a_rle: str, b_rle: str, context: str, shape=None) -> float:
    if shape is None:
        return dice_from_runs(rle_runs(a_rle, context=f"A, {context}"), rle_runs(b_rle, context=f"B, {context}"))
    return dice_from_runs(rle_runs(a_rle, shape, context=f"A, {context}"),
                          rle_runs(b_rle, shape, context=f"B, {context}"))


def _checked_pair_dice(a_rle: str, b_rle: str) -> float:
    """Dice of two RLE already validated when their label sets were read (fast parser)."""
    return dice_from_runs(parse_runs(a_rle), parse_runs(b_rle))


@lru_cache(maxsize=CACHE_PAIRS)
def compare_sets(a, b) -> Comparison:
    """Compare LabelSets ``a`` and ``b`` on their common images (in ``a``'s order)."""
    ids = a.image_ids[np.fromiter((i in b.row_of for i in a.image_ids), dtype=bool, count=len(a.image_ids))]
    rows_a = np.array([a.row_of[i] for i in ids], dtype=np.int64)
    rows_b = np.array([b.row_of[i] for i in ids], dtype=np.int64)
    a_pos, b_pos = a.presence[rows_a], b.presence[rows_b]
    dice = np.where(a_pos | b_pos, 0.0, 1.0)
    if not (a.has_masks and b.has_masks):
        dice[:] = np.nan
        return Comparison(a.key, b.key, ids, dice, a_pos, b_pos)
    for k, col in enumerate(table_rle_columns(a.source.table)):
        a_rles = a.source.table[col].to_numpy(dtype=object)[rows_a]
        b_rles = b.source.table[col].to_numpy(dtype=object)[rows_b]
        for i in np.flatnonzero(a_pos[:, k] & b_pos[:, k]):
            dice[i, k] = _checked_pair_dice(a_rles[i], b_rles[i])
    return Comparison(a.key, b.key, ids, dice, a_pos, b_pos)


def image_dice(a_rles: list[str] | None, b_rles: list[str] | None,
               shape: tuple[int, int] | None = None) -> list[float] | None:
    """Dice per class of one image's two mask sets (RLE checked at ``shape``, default 256x1600); None
    when either is unknown."""
    if a_rles is None or b_rles is None:
        return None
    return [_pair_dice(x, y, f"class {cls}", shape) for cls, (x, y) in enumerate(zip(a_rles, b_rles), start=1)]
