"""Proven to learn: a tiny model must overfit a handful of small synthetic strips.

Shapes, saving and mixed precision (``model_tester``) say nothing about learning: a decoder that
drops a skip connection, or a head that ignores its input, builds, saves and predicts. Here the
smallest model of a head case trains on ``N_IMAGES`` strips of ``SHAPE`` whose defects sit at
random places (so no constant output fits them) until its training loss has fallen and, in
inference mode, it scores high on those same images: mean Dice over (image, class) pairs
(empty-empty = 1) for segmenters, accuracy over (image, output) for classifiers.

:func:`cut_off` makes the deliberately broken copy each overfit test also trains: the head (decoder
or pooling + dense) sees zeros instead of the backbone's features, so its output ignores the image.
The same recipe must then fail, which shows the check can fail.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import numpy as np

SHAPE = (32, 64, 3)  # small strips: 1 x 2 pixels at stride 32
N_IMAGES = 8  # one batch
N_CLASSES = 4
STEPS = 100  # Adam steps on the one batch (about 0.14 s each for the resnet34 UNet++ on 2 CPU cores)
LR = 3e-3
OUTPUT_PRIOR = 0.01  # segmenters start every pixel here (segmenter_model.prior_bias): no bias walk first
BN_MOMENTUM = 0.9  # the inference statistics catch up within tens of steps (training.model_setup)
MIN_SEGMENTER_DICE = 0.8  # learned: 0.876-0.93 over runs (CPU training is not bit-deterministic); cut off: 0.625
MIN_CLASSIFIER_ACCURACY = 0.95
MAX_LOSS_RATIO = 0.5  # the final training loss must be at most this share of the first


@dataclass(frozen=True)
class Strips:
    images: np.ndarray  # float32 (N, h, w, 3), 0..255
    masks: np.ndarray  # float32 (N, h, w, K) 0/1

    def labels(self, n_outputs: int) -> np.ndarray:
        """(N, 1): any defect; (N, K): each class present."""
        present = self.masks.max(axis=(1, 2))
        return present.max(axis=1, keepdims=True) if n_outputs == 1 else present


def strips(n: int = N_IMAGES, shape=SHAPE, seed: int = 0) -> Strips:
    """Grey noisy strips with rectangular defects: class 1 bright squares, class 2 dark horizontal
    scratches, class 3 mid-grey bands, class 4 dark blocks; each class in about half the images, at
    a random place, and two images clean."""
    rng = np.random.default_rng(seed)
    h, w = shape[:2]
    images = rng.normal(128, 6, (n, h, w, 1)).repeat(3, axis=-1)
    masks = np.zeros((n, h, w, N_CLASSES), np.float32)
    sizes = {0: (10, 10), 1: (6, 24), 2: (h // 2, 16), 3: (14, 14)}  # (height, width) per class
    values = {0: 230, 1: 40, 2: 175, 3: 70}
    for i in range(n):
        present = rng.random(N_CLASSES) < 0.5 if i >= 2 else np.zeros(N_CLASSES, bool)
        if i >= 2 and not present.any():
            present[rng.integers(N_CLASSES)] = True
        for c in np.flatnonzero(present):
            bh, bw = sizes[c]
            y, x = rng.integers(0, h - bh + 1), rng.integers(0, w - bw + 1)
            masks[i, y:y + bh, x:x + bw, c] = 1
            images[i, y:y + bh, x:x + bw] = values[c] + rng.normal(0, 6, (bh, bw, 1))
    return Strips(np.clip(images, 0, 255).astype(np.float32), masks)


def mean_dice(truth: np.ndarray, pred: np.ndarray) -> float:
    """Mean Dice over (image, class) pairs of 0/1 (N, h, w, K) masks; empty-empty scores 1."""
    inter = (truth * pred).sum(axis=(1, 2))
    total = truth.sum(axis=(1, 2)) + pred.sum(axis=(1, 2))
    return float(np.where(total == 0, 1.0, 2 * inter / np.maximum(total, 1)).mean())


@dataclass(frozen=True)
class Overfit:
    first_loss: float
    last_loss: float
    score: float  # segmenters: mean Dice; classifiers: accuracy

    def learned(self, min_score: float) -> bool:
        return self.last_loss <= MAX_LOSS_RATIO * self.first_loss and self.score >= min_score


def overfit(model, data: Strips, steps: int = STEPS, seed: int = 0) -> Overfit:
    """Train ``model`` (a segmenter or a classifier) on ``data`` for ``steps`` full-batch Adam steps of
    binary cross-entropy; score it on the same images in inference mode."""
    import keras

    from steeldefect.models.losses import get_loss
    from steeldefect.training.model_setup import set_bn_momentum

    keras.utils.set_random_seed(seed)
    set_bn_momentum(model, BN_MOMENTUM)
    segmenter = len(model.output.shape) == 4
    target = data.masks if segmenter else data.labels(model.output.shape[-1])
    model.compile(optimizer=keras.optimizers.Adam(LR), loss=get_loss("bce"))
    losses = [float(model.train_on_batch(data.images, target)) for _ in range(steps)]
    pred = (np.asarray(model(data.images, training=False)) >= 0.5).astype(np.float32)
    score = mean_dice(target, pred) if segmenter else float((pred == target).mean())
    return Overfit(float(losses[0]), float(np.mean(losses[-5:])), score)


@contextlib.contextmanager
def cut_off(monkeypatch):
    """Inside: every backbone built returns zeros of its feature shapes (a head that ignores its input)."""
    import keras

    from steeldefect.models.backbones import BACKBONE_LAYER_NAME
    from steeldefect.models.classifier import classifier_model
    from steeldefect.models.segmenter import segmenter_model

    real = segmenter_model.get_backbone

    def zeroed(name, shape, weights):
        encoder = real(name, shape, weights)
        inputs = keras.Input(shape=shape)
        outputs = [keras.layers.Lambda(lambda t: t * 0.0)(o) for o in encoder(inputs)]
        return keras.Model(inputs, outputs, name=BACKBONE_LAYER_NAME)

    with monkeypatch.context() as m:
        m.setattr(segmenter_model, "get_backbone", zeroed)
        m.setattr(classifier_model, "get_backbone", zeroed)
        yield


BACKBONE = "resnet34"  # the cheapest backbone to build (model_tester.CHEAPEST_BACKBONE)


def tiny_model(case, backbone: str = BACKBONE, seed: int = 0):
    """The model of a ``model_tester.HeadCase`` at ``SHAPE``, random weights drawn from ``seed``;
    segmenters start at ``OUTPUT_PRIOR``."""
    import keras

    from steeldefect.models.classifier import build_classifier
    from steeldefect.models.segmenter import build_segmenter

    keras.utils.set_random_seed(seed)
    kwargs = dict(case.options)
    if case.kind == "classifier":
        return build_classifier(backbone, SHAPE, weights="none", **kwargs)
    return build_segmenter(backbone, SHAPE, weights="none", output_prior=OUTPUT_PRIOR, **kwargs)


def check_learns(case, min_score: float, monkeypatch) -> Overfit:
    """The overfit test of a head case: its tiny model learns ``strips()`` to ``min_score`` (and its loss
    halves), and the same recipe fails on a copy cut off from the image. Returns the learned result."""
    data = strips()
    learned = overfit(tiny_model(case), data)
    assert learned.learned(min_score), learned
    with cut_off(monkeypatch):
        broken = overfit(tiny_model(case), data)
    assert not broken.learned(min_score), broken
    return learned
