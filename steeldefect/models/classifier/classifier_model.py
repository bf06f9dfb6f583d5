"""The gate classifier: a backbone's deepest feature -> global pooling -> dropout -> sigmoid scores."""

from __future__ import annotations

import keras

from steeldefect.models.backbones import WEIGHTS_NONE, check_input_shape, get_backbone
from steeldefect.config.choices import POOLINGS
from steeldefect.constants import IMAGE_HEIGHT, IMAGE_WIDTH
from steeldefect.errors import SteelDefectError

DEFAULT_INPUT_SHAPE = (IMAGE_HEIGHT, IMAGE_WIDTH, 3)  # a full Severstal strip, RGB
OUTPUT_NAME = "probs"  # name of the output layer


def build_classifier(
    backbone: str,
    input_shape=DEFAULT_INPUT_SHAPE,
    weights: str | None = WEIGHTS_NONE,
    n_outputs: int = 1,
    dropout: float = 0.3,
    name: str | None = None,
    pooling: str = "avg",
) -> keras.Model:
    """Build an image classifier on ``backbone`` for RGB 0..255 images of ``input_shape``.

    n_outputs=1 is the defect / no-defect gate; n_outputs=4 scores each class's presence. Output:
    (B, n_outputs) float32 probabilities, even under mixed precision. Any H, W >= 32 works; None
    for H or W accepts any size. The backbone is the nested layer named BACKBONE_LAYER_NAME.
    """
    shape = check_input_shape(input_shape)
    if isinstance(n_outputs, bool) or not isinstance(n_outputs, int) or n_outputs < 1:
        raise SteelDefectError(f"n_outputs must be a positive integer (1 = defect gate, 4 = per class); got {n_outputs!r}")
    if not 0.0 <= float(dropout) < 1.0:
        raise SteelDefectError(f"dropout must be in [0, 1); got {dropout!r}")
    if pooling not in POOLINGS:
        raise SteelDefectError(f"unknown pooling {pooling!r}; available poolings: {', '.join(POOLINGS)}")

    encoder = get_backbone(backbone, shape, weights)
    inputs = keras.Input(shape=shape, name="image")
    deepest = encoder(inputs)[-1]
    x = keras.layers.GlobalAveragePooling2D(name="avg_pool")(deepest)
    if pooling == "avgmax":
        peak = keras.layers.GlobalMaxPooling2D(name="max_pool")(deepest)
        x = keras.layers.Concatenate(name="avgmax_pool")([x, peak])
    x = keras.layers.Dropout(float(dropout), name="dropout")(x)
    logits = keras.layers.Dense(n_outputs, dtype="float32", name="logits")(x)
    probs = keras.layers.Activation("sigmoid", dtype="float32", name=OUTPUT_NAME)(logits)
    return keras.Model(inputs, probs, name=name or f"classifier_{backbone}")
