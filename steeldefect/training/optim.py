"""Optimizer and the per-epoch learning rate from a TrainConfig.

The rate is a plain optimizer variable that the training callback sets at the start of each
epoch (cosine with warm-up, or constant; reduce-on-plateau lowers it after an epoch). Nothing in
the optimizer depends on the number of steps, so a restarted run and a model reused for the next
fold need no new optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import keras

from steeldefect.config.choices import OPTIMIZERS
from steeldefect.config.schema import TrainConfig
from steeldefect.registry import Registry

SGD_MOMENTUM = 0.9  # momentum of the sgd choice

# name -> builder(train) of a Keras optimizer; the names are config/choices.py's OPTIMIZERS
_OPTIMIZERS: Registry[Callable] = Registry("optimizer", declared=OPTIMIZERS)


@_OPTIMIZERS.register("adam")
def _adam(train: TrainConfig):
    return keras.optimizers.Adam(train.lr)


@_OPTIMIZERS.register("adamw")
def _adamw(train: TrainConfig):
    return keras.optimizers.AdamW(train.lr, weight_decay=train.weight_decay)


@_OPTIMIZERS.register("sgd")
def _sgd(train: TrainConfig):
    return keras.optimizers.SGD(train.lr, momentum=SGD_MOMENTUM, nesterov=True)


def epoch_learning_rate(train: TrainConfig, epoch: int) -> float:
    """The scheduled rate of 0-based ``epoch``: linear warm-up, then cosine from lr towards min_lr."""
    if train.schedule != "cosine":
        return train.lr
    if epoch < train.warmup_epochs:
        return train.lr * (epoch + 1) / (train.warmup_epochs + 1)
    progress = (epoch - train.warmup_epochs) / max(1, train.epochs - train.warmup_epochs)
    return train.min_lr + 0.5 * (train.lr - train.min_lr) * (1 + math.cos(math.pi * progress))


def build_optimizer(train: TrainConfig):
    """The configured Keras optimizer, its rate a variable the callback sets each epoch."""
    return _OPTIMIZERS.get(train.optimizer)(train)


def current_lr(optimizer) -> float:
    """The learning rate the optimizer uses now."""
    lr = optimizer.learning_rate
    return float(lr.numpy() if hasattr(lr, "numpy") else lr)
