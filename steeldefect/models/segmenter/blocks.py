"""Decoder building blocks, as functions on Keras tensors (functional API, keras.layers only)."""

from __future__ import annotations

from keras import layers

UPSAMPLE_FACTOR = 2  # every decoder step doubles the resolution
BN_EPSILON = 1e-5  # BatchNorm epsilon in the decoder (segmentation_models.pytorch's value)


def conv_bn_relu(x, filters: int, name: str):
    """3x3 conv (no bias) -> BN -> ReLU; shapes (B, h, w, c) -> (B, h, w, filters)."""
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


def conv_block(x, filters: int, name: str):
    """Two conv_bn_relu: the node of UNet and UNet++ decoders."""
    x = conv_bn_relu(x, filters, f"{name}_1")
    return conv_bn_relu(x, filters, f"{name}_2")


def upsample(x, name: str):
    """Nearest-neighbour x2 upsampling: (B, h, w, c) -> (B, 2h, 2w, c)."""
    return layers.UpSampling2D(UPSAMPLE_FACTOR, interpolation="nearest", name=name)(x)


def concat(tensors: list, name: str):
    """Channel concatenation; a single tensor passes through unchanged."""
    return tensors[0] if len(tensors) == 1 else layers.Concatenate(axis=-1, name=name)(tensors)


def conv1x1(x, filters: int, name: str):
    """1x1 conv with bias: a channel projection (FPN's lateral connections)."""
    return layers.Conv2D(filters, 1, name=name)(x)


def add(tensors: list, name: str):
    """Elementwise sum; a single tensor passes through unchanged."""
    return tensors[0] if len(tensors) == 1 else layers.Add(name=name)(tensors)
