"""The competition metric (mean Dice over (image, class) pairs, empty vs empty scoring 1) and the
plant metrics (per class pixel Dice and IoU, image-level precision and recall)."""

from steeldefect.metric.dice import dice_from_runs, dice_score, score_tables
from steeldefect.metric.plant import PlantMetrics, plant_metrics

__all__ = ["dice_score", "dice_from_runs", "score_tables", "PlantMetrics", "plant_metrics"]
