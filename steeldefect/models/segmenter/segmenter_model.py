"""``build_segmenter``: backbone -> decoder -> per-class sigmoid masks at the input resolution."""

from __future__ import annotations

import math

import keras

from steeldefect.models.backbones import MAX_STRIDE, WEIGHTS_NONE, check_input_shape, get_backbone
from steeldefect.constants import IMAGE_HEIGHT, IMAGE_WIDTH, MIN_OUTPUT_PRIOR, NUM_CLASSES
from steeldefect.errors import SteelDefectError
from steeldefect.models.segmenter.blocks import UPSAMPLE_FACTOR
from steeldefect.models.segmenter.decoders import (FULL_RESOLUTION, N_DECODER_FILTERS, available_decoders, get_decoder,
                                            output_strides, supports_deep_supervision)

DEFAULT_INPUT_SHAPE = (IMAGE_HEIGHT, IMAGE_WIDTH, 3)  # a full Severstal strip, RGB
DEFAULT_DECODER_FILTERS = (256, 128, 64, 32, 16)  # segmentation_models.pytorch's decoder channels
FINAL_OUTPUT_NAME = "mask"  # the segmenter's (final) output layer
SIDE_OUTPUT_PREFIX = "mask_x0_"  # deep-supervision outputs: mask_x0_1, mask_x0_2, mask_x0_3
HEAD_KERNEL = 3  # kernel of the final mask convolution


def prior_bias(prior: float | None) -> float:
    """The logit a head's bias starts at so that every pixel starts at probability ``prior``.

    A per-(image, class) soft Dice scores an empty truth about 1 / (sum of probabilities + 1), so a
    head starting at 0.5 everywhere scores every clean pair near 0 and spends its first hundreds of
    steps walking the bias down (Adam moves it ~lr per step). Starting at a small prior (the focal-loss
    paper's initialisation, Lin et al. 2017) skips that plateau. ``None``: keras' zero bias.
    """
    if prior is None:
        return 0.0
    if not MIN_OUTPUT_PRIOR <= prior < 1.0:
        raise SteelDefectError(f"output_prior must lie in [{MIN_OUTPUT_PRIOR:g}, 1) (below, the losses' probability "
                               f"clip leaves no gradient); got {prior!r}")
    return math.log(prior / (1.0 - prior))


def _mask_head(x, n_classes: int, name: str, bias: float = 0.0, stride: int = FULL_RESOLUTION):
    """3x3 conv to n_classes, bilinear x``stride`` upsampling of the logits when the decoder stopped
    short of full resolution, sigmoid; float32 whatever the dtype policy (mixed precision safe)."""
    logits = keras.layers.Conv2D(n_classes, HEAD_KERNEL, padding="same", dtype="float32", name=f"{name}_logits",
                                 bias_initializer=keras.initializers.Constant(bias))(x)
    if stride != FULL_RESOLUTION:
        logits = keras.layers.UpSampling2D(stride, interpolation="bilinear", dtype="float32", name=f"{name}_up")(logits)
    return keras.layers.Activation("sigmoid", dtype="float32", name=name)(logits)


def _side_head(x, n_classes: int, name: str, bias: float = 0.0):
    """Deep-supervision head on a stride-2 node (Zhou et al.: 1x1 conv + sigmoid), upsampled to full size."""
    logits = keras.layers.Conv2D(n_classes, 1, dtype="float32", name=f"{name}_logits",
                                 bias_initializer=keras.initializers.Constant(bias))(x)
    logits = keras.layers.UpSampling2D(UPSAMPLE_FACTOR, interpolation="bilinear", dtype="float32", name=f"{name}_up")(logits)
    return keras.layers.Activation("sigmoid", dtype="float32", name=name)(logits)


def build_segmenter(
    backbone: str,
    input_shape=DEFAULT_INPUT_SHAPE,
    weights: str | None = WEIGHTS_NONE,
    decoder: str = "unetpp",
    decoder_filters=DEFAULT_DECODER_FILTERS,
    deep_supervision: bool = False,
    n_classes: int = NUM_CLASSES,
    name: str | None = None,
    output_prior: float | None = None,
    output_stride: int = FULL_RESOLUTION,
) -> keras.Model:
    """Build a segmenter: RGB 0..255 (B, H, W, 3) -> per-class probabilities (B, H, W, n_classes).

    H and W must be multiples of 32 (None accepts any multiple at call time, e.g. to predict full
    strips with a model trained on crops). The output is float32 sigmoid even under mixed precision.
    deep_supervision=True (UNet++ only) returns a LIST of outputs, all (B, H, W, n_classes):
    the heads on the nested nodes X0,1, X0,2, X0,3 (named mask_x0_1..3) followed by the final output
    (named FINAL_OUTPUT_NAME, always LAST); train on all, take metrics and predictions from the last.
    The backbone is the nested layer named BACKBONE_LAYER_NAME. ``output_prior``: the probability
    every pixel starts at (see :func:`prior_bias`); None keeps keras' zero bias (0.5).
    ``output_stride`` 2 or 4 (unet, fpn): the decoder stops at that stride and the head upsamples its
    logits bilinearly, which spares the costliest blocks (few channels over many pixels; on a CPU they
    take most of a training step).
    """
    shape = check_input_shape(input_shape, multiple=MAX_STRIDE)
    decode = get_decoder(decoder)
    filters = tuple(decoder_filters)
    if len(filters) != N_DECODER_FILTERS or not all(isinstance(f, int) and f > 0 for f in filters):
        raise SteelDefectError(
            f"decoder_filters must be {N_DECODER_FILTERS} positive integers (stride 16, 8, 4, 2, 1); got {decoder_filters!r}"
        )
    if isinstance(n_classes, bool) or not isinstance(n_classes, int) or n_classes < 1:
        raise SteelDefectError(f"n_classes must be a positive integer; got {n_classes!r}")
    if deep_supervision and not supports_deep_supervision(decoder):
        with_side = [d for d in available_decoders() if supports_deep_supervision(d)]
        raise SteelDefectError(
            f"deep_supervision needs a decoder with nested nodes; decoder {decoder!r} has none, use {' or '.join(map(repr, with_side))}"
        )

    if output_stride not in output_strides(decoder):
        raise SteelDefectError(f"output_stride {output_stride!r} is not one decoder {decoder!r} supports: "
                               f"{', '.join(map(str, output_strides(decoder)))}")
    if output_stride != FULL_RESOLUTION and deep_supervision:
        raise SteelDefectError("deep_supervision needs output_stride 1: its side heads sit on stride-2 nodes")
    bias = prior_bias(output_prior)
    encoder = get_backbone(backbone, shape, weights)
    inputs = keras.Input(shape=shape, name="image")
    final, side = decode(encoder(inputs), filters, output_stride)
    mask = _mask_head(final, n_classes, FINAL_OUTPUT_NAME, bias, output_stride)
    model_name = name or f"{decoder}_{backbone}"
    if not deep_supervision:
        return keras.Model(inputs, mask, name=model_name)
    outputs = [_side_head(x, n_classes, f"{SIDE_OUTPUT_PREFIX}{j}", bias) for j, x in enumerate(side, start=1)]
    return keras.Model(inputs, outputs + [mask], name=model_name)
