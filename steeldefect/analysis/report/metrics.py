"""The report's numbers from gathered arrays: pure functions, no files.

Image-level scores reuse ``metric.dice.summarise`` (the same dict as ``score_tables``); the classifier
is scored with scikit-learn's ROC functions against "the image (class) has a defect".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from steeldefect.analysis.classes import names_or_default
from steeldefect.postprocess.rules import Thresholds
from steeldefect.metric.dice import summarise
from steeldefect.metric.plant import PlantMetrics, image_metrics

DEFAULT_GATE = 0.5  # gate shown for the classifier's confusion matrix when no gate was tuned


@dataclass(frozen=True)
class ClassifierScore:
    """ROC curve, AUC and the confusion matrix at the gate of one classifier output.

    confusion: int64 (2, 2) [[tn, fp], [fn, tp]], rows truth (clean, defect), columns gate decision
    (below, at or above the gate). auc is None (and the curve empty) when the truth has one class only.
    """

    name: str
    class_id: int | None  # the class of a per-class output; None for "any defect"
    fpr: np.ndarray
    tpr: np.ndarray
    auc: float | None
    gate: float
    gate_tuned: bool
    confusion: np.ndarray

    @property
    def n_positive(self) -> int:
        return int(self.confusion[1].sum())

    @property
    def n_negative(self) -> int:
        return int(self.confusion[0].sum())


def confusion_2x2(truth: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """int64 (2, 2) [[tn, fp], [fn, tp]] of two boolean arrays of the same shape."""
    truth, pred = np.asarray(truth, bool), np.asarray(pred, bool)
    return np.array([[np.sum(~truth & ~pred), np.sum(~truth & pred)],
                     [np.sum(truth & ~pred), np.sum(truth & pred)]], np.int64)


def score_output(name: str, probs: np.ndarray, truth: np.ndarray, gate: float,
                 class_id: int | None = None) -> ClassifierScore:
    """Score one classifier output ``probs`` (N,) against boolean ``truth`` (N,) at ``gate`` (0: untuned)."""
    from sklearn.metrics import roc_auc_score, roc_curve  # heavy: scikit-learn (1.2 s to import)

    probs, truth = np.asarray(probs, np.float64), np.asarray(truth, bool)
    tuned = gate > 0
    gate = gate if tuned else DEFAULT_GATE
    if truth.all() or not truth.any():
        fpr = tpr = np.zeros(0)
        auc = None
    else:
        fpr, tpr, _ = roc_curve(truth, probs)
        auc = float(roc_auc_score(truth, probs))
    return ClassifierScore(name, class_id, fpr, tpr, auc, float(gate), tuned, confusion_2x2(truth, probs >= gate))


def classifier_scores(cls_probs: np.ndarray, presence: np.ndarray, thresholds: Thresholds,
                      class_names=None) -> list[ClassifierScore]:
    """One score for a one-output classifier (vs any defect), one per class for a C-output one.

    ``cls_probs`` (N,) or (N, C); ``presence`` bool (N, C), the truth per image and class; outputs are
    named by ``class_names`` (default ``class 1`` ..).
    """
    if cls_probs.ndim == 1:
        gate = thresholds.global_gate if thresholds.gate_kind == "image" else 0.0
        return [score_output("any defect", cls_probs, presence.any(axis=1), gate or 0.0)]
    names = names_or_default(class_names, presence.shape[1])
    return [score_output(names[c], cls_probs[:, c], presence[:, c], thresholds.classes[c].gate, c + 1)
            for c in range(presence.shape[1])]


def image_scores(dice: np.ndarray, truth_pos: np.ndarray, pred_pos: np.ndarray) -> dict:
    """The score dict of ``score_tables`` (mean, per_class Dice and tp/fp/fn/tn) from per-image arrays."""
    return summarise(dice, truth_pos, pred_pos)


def dice_quantiles(dice: np.ndarray, truth_pos: np.ndarray, quantiles=(0.1, 0.5, 0.9)) -> dict[int, list[float] | None]:
    """Per class, quantiles of the Dice over images whose truth is non-empty (None without any)."""
    out = {}
    for c in range(dice.shape[1]):
        values = dice[truth_pos[:, c], c]
        out[c + 1] = [float(v) for v in np.quantile(values, quantiles)] if values.size else None
    return out


def oof_plant(dice: np.ndarray, truth_pos: np.ndarray, pred_pos: np.ndarray, post_counts: np.ndarray,
              class_names) -> PlantMetrics:
    """The plant metrics of the OOF images (``metric.plant``) from the gathered arrays: per-image Dice,
    truth and prediction non-emptiness (N, C) and the post-processed pixel tp, fp, fn (C, 3), all at
    the training resolution."""
    classes = tuple(image_metrics(truth_pos[:, c], pred_pos[:, c], dice[:, c], int(post_counts[c, 0]),
                                  int(post_counts[c, 0] + post_counts[c, 2]), int(post_counts[c, 0] + post_counts[c, 1]))
                    for c in range(dice.shape[1]))
    return PlantMetrics(names_or_default(class_names, dice.shape[1]), classes, int(dice.shape[0]))
