"""The registered losses: "bce", "dice", "bce_dice", "focal", "lovasz", "bce_lovasz".

Each computes one value per (image, class) (see functions.py), averages the classes — weighted by
``class_weights`` when given — into one value per image, and keras averages the images.
"""

from __future__ import annotations

import keras
from keras import ops

from steeldefect.errors import SteelDefectError
from steeldefect.models.losses.functions import (
    DICE_SMOOTH,
    FOCAL_ALPHA,
    FOCAL_GAMMA,
    bce_per_class,
    focal_per_class,
    lovasz_hinge_per_class,
    soft_dice_per_class,
)
from steeldefect.models.losses.loss_registry import register_loss


def _check_class_weights(class_weights):
    if class_weights is None:
        return None
    weights = [float(w) for w in class_weights]
    if not weights or min(weights) < 0 or sum(weights) <= 0:
        raise SteelDefectError(f"class_weights must be non-negative numbers with a positive sum; got {class_weights!r}")
    return weights


class PerClassLoss(keras.losses.Loss):
    """Base class: subclasses implement ``per_class(y_true, y_pred) -> (B, C)``.

    class_weights: None (classes count equally) or one non-negative weight per class; the per-image
    loss is sum_c w_c * loss_c / sum_c w_c, so the weights change balance, not scale.
    """

    def __init__(self, class_weights=None, **kwargs):
        super().__init__(**kwargs)
        self.class_weights = _check_class_weights(class_weights)

    def per_class(self, y_true, y_pred):
        raise NotImplementedError

    def call(self, y_true, y_pred):
        losses = self.per_class(y_true, y_pred)
        if self.class_weights is None:
            return ops.mean(losses, axis=-1)
        if len(self.class_weights) != losses.shape[-1]:
            raise SteelDefectError(
                f"{len(self.class_weights)} class_weights given for {losses.shape[-1]} classes; give one per class"
            )
        weights = ops.convert_to_tensor(self.class_weights, dtype=losses.dtype)
        return ops.sum(losses * weights, axis=-1) / ops.sum(weights)

    def get_config(self):
        config = super().get_config()
        config.update({"class_weights": self.class_weights})
        return config


@register_loss("bce")
@keras.saving.register_keras_serializable(package="steeldefect")
class BCELoss(PerClassLoss):
    """Binary cross-entropy, averaged over each (image, class)'s pixels."""

    def __init__(self, class_weights=None, name="bce", **kwargs):
        super().__init__(class_weights=class_weights, name=name, **kwargs)

    def per_class(self, y_true, y_pred):
        return bce_per_class(y_true, y_pred)


@register_loss("dice")
@keras.saving.register_keras_serializable(package="steeldefect")
class DiceLoss(PerClassLoss):
    """1 - soft Dice per (image, class), as the competition scores pairs (not one batch-wide Dice)."""

    def __init__(self, class_weights=None, smooth=DICE_SMOOTH, name="dice", **kwargs):
        super().__init__(class_weights=class_weights, name=name, **kwargs)
        self.smooth = float(smooth)

    def per_class(self, y_true, y_pred):
        return 1.0 - soft_dice_per_class(y_true, y_pred, self.smooth)

    def get_config(self):
        config = super().get_config()
        config.update({"smooth": self.smooth})
        return config


@register_loss("bce_dice")
@keras.saving.register_keras_serializable(package="steeldefect")
class BCEDiceLoss(PerClassLoss):
    """bce_weight * BCE + dice_weight * (1 - soft Dice), per (image, class)."""

    def __init__(self, class_weights=None, bce_weight=1.0, dice_weight=1.0, smooth=DICE_SMOOTH, name="bce_dice", **kwargs):
        super().__init__(class_weights=class_weights, name=name, **kwargs)
        self.bce_weight = float(bce_weight)
        self.dice_weight = float(dice_weight)
        self.smooth = float(smooth)

    def per_class(self, y_true, y_pred):
        dice = 1.0 - soft_dice_per_class(y_true, y_pred, self.smooth)
        return self.bce_weight * bce_per_class(y_true, y_pred) + self.dice_weight * dice

    def get_config(self):
        config = super().get_config()
        config.update({"bce_weight": self.bce_weight, "dice_weight": self.dice_weight, "smooth": self.smooth})
        return config


@register_loss("focal")
@keras.saving.register_keras_serializable(package="steeldefect")
class FocalLoss(PerClassLoss):
    """Binary focal loss (Lin et al. 2017) averaged over each (image, class)'s pixels; alpha=None: no alpha."""

    def __init__(self, class_weights=None, alpha=FOCAL_ALPHA, gamma=FOCAL_GAMMA, name="focal", **kwargs):
        super().__init__(class_weights=class_weights, name=name, **kwargs)
        self.alpha = None if alpha is None else float(alpha)
        self.gamma = float(gamma)

    def per_class(self, y_true, y_pred):
        return focal_per_class(y_true, y_pred, self.alpha, self.gamma)

    def get_config(self):
        config = super().get_config()
        config.update({"alpha": self.alpha, "gamma": self.gamma})
        return config


@register_loss("lovasz")
@keras.saving.register_keras_serializable(package="steeldefect")
class LovaszHingeLoss(PerClassLoss):
    """Lovasz hinge per (image, class) (the best single loss of several top Severstal teams)."""

    def __init__(self, class_weights=None, name="lovasz", **kwargs):
        super().__init__(class_weights=class_weights, name=name, **kwargs)

    def per_class(self, y_true, y_pred):
        return lovasz_hinge_per_class(y_true, y_pred)


@register_loss("bce_lovasz")
@keras.saving.register_keras_serializable(package="steeldefect")
class BCELovaszLoss(PerClassLoss):
    """bce_weight * BCE + lovasz_weight * Lovasz hinge, per (image, class): BCE keeps the probabilities
    calibrated for thresholding, Lovasz optimises the overlap."""

    def __init__(self, class_weights=None, bce_weight=1.0, lovasz_weight=1.0, name="bce_lovasz", **kwargs):
        super().__init__(class_weights=class_weights, name=name, **kwargs)
        self.bce_weight, self.lovasz_weight = float(bce_weight), float(lovasz_weight)

    def per_class(self, y_true, y_pred):
        return (self.bce_weight * bce_per_class(y_true, y_pred)
                + self.lovasz_weight * lovasz_hinge_per_class(y_true, y_pred))

    def get_config(self):
        config = super().get_config()
        config.update({"bce_weight": self.bce_weight, "lovasz_weight": self.lovasz_weight})
        return config
