"""Helpers of the training tests: a tiny registered backbone, a tiny synthetic set, a tiny config."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from steeldefect.config import ClassifierConfig, Config, DataConfig, FoldsConfig, SegmenterConfig, TrainConfig

TINY_BACKBONE = "tiny_test_backbone"  # five strided convolutions: traces in seconds, unlike EfficientNet
TINY_FILTERS = (4, 8, 8, 16, 16)  # channels of the tiny backbone's five feature maps
TINY_INPUT = (32, 128)  # (height, width) the tests train at
EPOCHS = 2


def register_tiny_backbone() -> str:
    """Register TINY_BACKBONE once per process (the registry refuses duplicates)."""
    import keras

    from steeldefect.models.backbones import BACKBONE_LAYER_NAME, available_backbones, register_backbone

    if TINY_BACKBONE in available_backbones():
        return TINY_BACKBONE

    @register_backbone(TINY_BACKBONE)
    def build(input_shape, imagenet_h5):
        inputs = keras.Input(shape=input_shape)
        x = keras.layers.Rescaling(1 / 255.0)(inputs)
        features = []
        for filters in TINY_FILTERS:
            x = keras.layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
            features.append(x)
        return keras.Model(inputs, features, name=BACKBONE_LAYER_NAME)

    return TINY_BACKBONE


def tiny_training_config(epochs: int = EPOCHS, **segmenter) -> Config:
    train = TrainConfig(epochs=epochs, lr=1e-3, early_stopping_patience=None)
    return Config(
        name="tiny-training", seed=3,
        data=DataConfig(height=TINY_INPUT[0], width=TINY_INPUT[1], batch_size=4, oversample={1: 2},
                        segmenter_clean_share=0.5),
        folds=FoldsConfig(k=2, seed=0),
        classifier=ClassifierConfig(backbones=(TINY_BACKBONE,), train=train),
        segmenter=replace(SegmenterConfig(backbones=(TINY_BACKBONE,), decoder_filters=(8, 8, 8, 8, 8),
                                          train=replace(train, loss="bce_dice")), **segmenter),
    )


def write_synthetic_set(out: Path, n: int = 12) -> Path:
    from steeldefect.cli.main import main

    assert main(["synth", "--out", str(out), "--train", str(n), "--test", "3", "--seed", "5", "--quiet"]) == 0
    return out
