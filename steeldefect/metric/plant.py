"""Plant metrics: what a line operator asks of a defect model, per class, beside the competition Dice.

Per class, over the N images of a truth table and its prediction:

- pixel ``dice`` = 2 Σ|A∩B| / (Σ|A| + Σ|B|) and ``iou`` = Σ|A∩B| / Σ|A∪B|, summed over all images
  (1 when the class is absent from both truth and prediction);
- ``mean_image_dice``: the mean of the per-image Dice, empty vs empty scoring 1 (Kaggle's, per class);
- image level, an image "has" the class when its mask is non-empty: ``tp``, ``fp``, ``fn``, ``tn``,
  ``precision`` = tp / (tp + fp) and ``recall`` = tp / (tp + fn) (None when the denominator is 0).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from steeldefect.errors import SteelDefectError
from steeldefect.metric.pairs import Shapes, TablePairs, table_pairs


@dataclass(frozen=True)
class ClassMetrics:
    """The plant metrics of one class."""

    dice: float
    iou: float
    mean_image_dice: float
    precision: float | None
    recall: float | None
    tp: int
    fp: int
    fn: int
    tn: int
    truth_pixels: int
    pred_pixels: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PlantMetrics:
    """The plant metrics of every class, in class-id order, with the classes' names."""

    class_names: tuple[str, ...]
    classes: tuple[ClassMetrics, ...]
    n_images: int

    def to_dict(self) -> dict[str, dict]:
        """{class name: {dice, iou, mean_image_dice, precision, recall, tp, fp, fn, tn, ...}}."""
        return {name: m.to_dict() for name, m in zip(self.class_names, self.classes)}

    @classmethod
    def from_dict(cls, data: dict, n_images: int = 0) -> "PlantMetrics":
        """The inverse of ``to_dict`` (class order as the mapping's)."""
        return cls(tuple(data), tuple(ClassMetrics(**v) for v in data.values()), n_images)


def _ratio(num: int, den: int) -> float | None:
    return float(num) / den if den else None


def pixel_scores(inter: int, truth: int, pred: int) -> tuple[float, float]:
    """(Dice, IoU) of pooled pixel counts: overlap, truth and predicted pixels; (1, 1) when both are 0."""
    if truth + pred == 0:
        return 1.0, 1.0
    return 2.0 * inter / (truth + pred), inter / (truth + pred - inter)


def image_metrics(truth_pos: np.ndarray, pred_pos: np.ndarray, pair_dice: np.ndarray, inter: int, truth: int,
                  pred: int) -> ClassMetrics:
    """The metrics of one class from whether each image's truth and prediction are non-empty (bool (N,)),
    each image's Dice ((N,)) and the pooled pixel counts."""
    t_pos, p_pos = np.asarray(truth_pos, bool), np.asarray(pred_pos, bool)
    tp, fp = int((t_pos & p_pos).sum()), int((~t_pos & p_pos).sum())
    fn, tn = int((t_pos & ~p_pos).sum()), int((~t_pos & ~p_pos).sum())
    dice, iou = pixel_scores(inter, truth, pred)
    return ClassMetrics(dice=dice, iou=iou,
                        mean_image_dice=float(np.mean(pair_dice)) if len(pair_dice) else float("nan"),
                        precision=_ratio(tp, tp + fp), recall=_ratio(tp, tp + fn),
                        tp=tp, fp=fp, fn=fn, tn=tn, truth_pixels=truth, pred_pixels=pred)


def class_metrics(inter: np.ndarray, truth_area: np.ndarray, pred_area: np.ndarray,
                  pair_dice: np.ndarray) -> ClassMetrics:
    """The metrics of one class from its per-image overlap and areas (int, (N,)) and Dice ((N,))."""
    return image_metrics(np.asarray(truth_area) > 0, np.asarray(pred_area) > 0, pair_dice,
                         *(int(np.sum(a)) for a in (inter, truth_area, pred_area)))


def default_class_names(n_classes: int) -> tuple[str, ...]:
    """``class 1`` .. ``class K``, the names Severstal's classes go by."""
    return tuple(f"class {k}" for k in range(1, n_classes + 1))


def plant_from_pairs(pairs: TablePairs, class_names=None) -> PlantMetrics:
    """The plant metrics of paired tables; ``class_names`` (K of them) default to ``class 1`` ..."""
    names = tuple(class_names) if class_names is not None else default_class_names(pairs.n_classes)
    if len(names) != pairs.n_classes:
        raise SteelDefectError(f"{len(names)} class names for a table of {pairs.n_classes} classes; "
                               "give the dataset the tables belong to")
    dice = pairs.dice
    return PlantMetrics(names, tuple(class_metrics(pairs.inter[:, k], pairs.truth_area[:, k],
                                                   pairs.pred_area[:, k], dice[:, k])
                                     for k in range(pairs.n_classes)), len(pairs.image_ids))


def plant_metrics(truth: pd.DataFrame, pred: pd.DataFrame, class_names=None, shapes: Shapes = None) -> PlantMetrics:
    """The plant metrics of a prediction label table against a truth one (same K; shapes as
    ``score_tables``)."""
    return plant_from_pairs(table_pairs(truth, pred, shapes), class_names)


def format_plant(plant: PlantMetrics) -> str:
    """A table for the terminal: per class Dice, IoU, image precision and recall, and the counts."""
    width = max([5, *map(len, plant.class_names)])
    lines = [f"{'class':<{width}} {'dice':>8} {'iou':>8} {'img dice':>8} {'prec':>7} {'recall':>7} "
             f"{'tp':>6} {'fp':>6} {'fn':>6} {'tn':>6}"]
    for name, m in zip(plant.class_names, plant.classes):
        pr, rc = (f"{v:7.4f}" if v is not None else f"{'n/a':>7}" for v in (m.precision, m.recall))
        lines.append(f"{name:<{width}} {m.dice:8.5f} {m.iou:8.5f} {m.mean_image_dice:8.5f} {pr} {rc} "
                     f"{m.tp:6d} {m.fp:6d} {m.fn:6d} {m.tn:6d}")
    return "\n".join(lines)
