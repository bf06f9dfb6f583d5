"""CompetitionDice: the Kaggle score as a streaming keras metric."""

from __future__ import annotations

import keras
from keras import ops

from steeldefect.models.losses.functions import BINARY_THRESHOLD, hard_dice_per_class


@keras.saving.register_keras_serializable(package="steeldefect")
class CompetitionDice(keras.metrics.Metric):
    """Mean Dice over every (image, class) pair seen since the last reset, as Kaggle scores.

    Predictions are binarised at ``threshold``; a pair with empty truth and empty prediction scores
    1. Sums and counts accumulate over the epoch, so the result does not depend on batch size.
    ``sample_weight`` (B,) weights images.
    """

    def __init__(self, threshold=BINARY_THRESHOLD, name="competition_dice", **kwargs):
        super().__init__(name=name, **kwargs)
        self.threshold = float(threshold)
        self.dice_sum = self.add_variable(shape=(), initializer="zeros", dtype="float32", name="dice_sum")
        self.pair_count = self.add_variable(shape=(), initializer="zeros", dtype="float32", name="pair_count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        dice = hard_dice_per_class(y_true, y_pred, self.threshold)  # (B, C)
        weights = ops.ones_like(dice)
        if sample_weight is not None:
            weights = weights * ops.reshape(ops.cast(sample_weight, dice.dtype), (-1, 1))
        self.dice_sum.assign_add(ops.sum(dice * weights))
        self.pair_count.assign_add(ops.sum(weights))

    def result(self):
        return ops.divide_no_nan(self.dice_sum, self.pair_count)

    def reset_state(self):
        self.dice_sum.assign(0.0)
        self.pair_count.assign(0.0)

    def get_config(self):
        config = super().get_config()
        config.update({"threshold": self.threshold})
        return config
