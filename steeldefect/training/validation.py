"""Validation each epoch and out-of-fold prediction, with one traced prediction function.

Keras's evaluate() traces a test function (twice when the last batch is smaller) and predict()
another; tracing an EfficientNet graph costs about a minute of CPU. Here every batch is padded to
the same shape and goes through ``predict_on_batch``, so one trace serves every epoch's
validation and the final out-of-fold predictions. Scores are exact (sklearn's AUC, the
competition Dice of steeldefect.metric), not Keras's threshold-binned approximations.
"""

from __future__ import annotations

import numpy as np

from steeldefect.metric import dice_score
from steeldefect.artifacts.oof import to_oof_probs

DICE_THRESHOLD = 0.5  # probability above which a pixel counts as defect for validation Dice
CHANCE_AUC = 0.5  # AUC reported when the validation images hold only one label


def _pad(x: np.ndarray, size: int) -> np.ndarray:
    if len(x) == size:
        return x
    return np.concatenate([x, np.repeat(x[-1:], size - len(x), axis=0)])


def binary_auc(truth: np.ndarray, probs: np.ndarray) -> float:
    """ROC AUC of (N,) or (N, C) presence labels; the mean over columns that hold both labels."""
    from sklearn.metrics import roc_auc_score  # heavy: scikit-learn (1.2 s to import), for the AUC only

    truth, probs = truth.reshape(len(truth), -1), probs.reshape(len(probs), -1)
    scores = [roc_auc_score(truth[:, c], probs[:, c]) for c in range(truth.shape[1])
              if 0 < truth[:, c].sum() < len(truth)]
    return float(np.mean(scores)) if scores else CHANCE_AUC


class Validator:
    """Scores a model on the fold's validation batches; the names match the training metrics."""

    def __init__(self, kind: str, dataset, batch_size: int, loss):
        self.kind, self.dataset, self.batch_size, self.loss = kind, dataset, batch_size, loss
        self.metric = "val_auc" if kind == "classifier" else "val_competition_dice"

    def batches(self, model):
        """(probs float32, targets) per batch, in the dataset's order, padding trimmed off."""
        for x, y in self.dataset.as_numpy_iterator():
            out = model.predict_on_batch(_pad(x, self.batch_size))
            if isinstance(out, (list, tuple)):  # deep supervision: the final output is the last
                out = out[-1]
            yield np.asarray(out, np.float32)[:len(x)], y

    def evaluate(self, model) -> dict[str, float]:
        """{"val_loss": ..., self.metric: ...} over every validation image."""
        loss_sum, n, dice_sum, pairs, probs, truth = 0.0, 0, 0.0, 0, [], []
        for p, y in self.batches(model):
            loss_sum += float(self.loss(y, p)) * len(y)
            n += len(y)
            if self.kind == "classifier":
                probs.append(p)
                truth.append(y)
            else:  # (B, h, w, C) -> Dice per (image, class)
                dice = dice_score(np.moveaxis(y > 0, -1, 1), np.moveaxis(p > DICE_THRESHOLD, -1, 1))
                dice_sum, pairs = dice_sum + float(dice.sum()), pairs + dice.size
        score = binary_auc(np.concatenate(truth), np.concatenate(probs)) if self.kind == "classifier" \
            else dice_sum / max(pairs, 1)
        return {"val_loss": loss_sum / max(n, 1), self.metric: score}

    def predict(self, model) -> np.ndarray:
        """Out-of-fold probabilities in storage form (see artifacts.oof.to_oof_probs), batch by batch."""
        parts = [to_oof_probs(self.kind, p) for p, _ in self.batches(model)]
        return np.concatenate(parts)
