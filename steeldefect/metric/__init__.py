"""The competition metric: mean Dice over (image, class) pairs, empty vs empty scoring 1."""

from steeldefect.metric.dice import dice_from_runs, dice_score, score_tables

__all__ = ["dice_score", "dice_from_runs", "score_tables"]
