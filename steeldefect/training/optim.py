"""Optimizer and learning-rate schedule from a TrainConfig."""

from __future__ import annotations

from steeldefect.config.schema import TrainConfig

SGD_MOMENTUM = 0.9  # momentum of the sgd choice


def learning_rate(train: TrainConfig, steps_per_epoch: int):
    """A float (constant, plateau: changed by the callback) or a cosine schedule with warm-up."""
    import keras

    if train.schedule != "cosine":
        return train.lr
    warmup = train.warmup_epochs * steps_per_epoch
    decay = max(1, (train.epochs - train.warmup_epochs) * steps_per_epoch)
    if warmup:
        return keras.optimizers.schedules.CosineDecay(train.min_lr, decay, alpha=train.min_lr / train.lr,
                                                      warmup_target=train.lr, warmup_steps=warmup)
    return keras.optimizers.schedules.CosineDecay(train.lr, decay, alpha=train.min_lr / train.lr)


def build_optimizer(train: TrainConfig, steps_per_epoch: int):
    """The configured Keras optimizer."""
    import keras

    lr = learning_rate(train, steps_per_epoch)
    if train.optimizer == "adamw":
        return keras.optimizers.AdamW(lr, weight_decay=train.weight_decay)
    if train.optimizer == "sgd":
        return keras.optimizers.SGD(lr, momentum=SGD_MOMENTUM, nesterov=True)
    return keras.optimizers.Adam(lr)


def current_lr(optimizer) -> float:
    """The learning rate the optimizer uses now (evaluates a schedule at the current step)."""
    lr = optimizer.learning_rate
    return float(lr.numpy() if hasattr(lr, "numpy") else lr)
