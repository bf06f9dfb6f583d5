"""Losses (the names in ``config.choices.LOSSES``: BCE, Dice, BCE+Dice, focal, Lovasz, BCE+Lovasz) and the
CompetitionDice metric, in keras.ops.

``get_loss(name, class_weights=None, **options)`` builds a loss; importing this package registers
the loss and metric classes for ``keras.models.load_model``.
"""

from steeldefect.models.losses.competition_dice import CompetitionDice
from steeldefect.models.losses.functions import (
    bce_per_class,
    focal_per_class,
    hard_dice_per_class,
    soft_dice_per_class,
)
from steeldefect.models.losses.losses import BCEDiceLoss, BCELoss, DiceLoss, FocalLoss, PerClassLoss
from steeldefect.models.losses.loss_registry import available_losses, get_loss, register_loss

__all__ = [
    "BCEDiceLoss",
    "BCELoss",
    "CompetitionDice",
    "DiceLoss",
    "FocalLoss",
    "PerClassLoss",
    "available_losses",
    "bce_per_class",
    "focal_per_class",
    "get_loss",
    "hard_dice_per_class",
    "register_loss",
    "soft_dice_per_class",
]
