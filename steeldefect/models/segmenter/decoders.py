"""Decoder registry: "unetpp" (UNet++), "unet" and "fpn", each turning 5 backbone features into masks.

A decoder is ``decode(features, decoder_filters, output_stride) -> (final, side)``: ``features`` are
the backbone's maps at strides 2, 4, 8, 16, 32 (highest resolution first), ``decoder_filters`` five
channel counts (four for the stride 16..2 nodes of the main path, one for the last block at full
resolution). ``final`` is the feature map at ``output_stride`` (1: full resolution,
(B, H, W, decoder_filters[-1])); the blocks above that resolution are left out and the mask head
upsamples its logits instead. ``side`` lists the stride-2 maps that deep supervision puts extra
heads on (empty when the decoder has none).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from steeldefect.config.choices import DECODERS
from steeldefect.registry import Registry
from steeldefect.models.segmenter.blocks import add, concat, conv1x1, conv_bn_relu, conv_block, upsample

DEPTH = 4  # decoder steps from stride 32 up to stride 2; one more block reaches full resolution
N_DECODER_FILTERS = DEPTH + 1  # length of decoder_filters
FULL_RESOLUTION = 1  # output_stride of a decoder that runs every block


@dataclasses.dataclass(frozen=True)
class DecoderEntry:
    """A registered decoder: its decode function, whether its ``side`` list is non-empty, and the
    output strides it can stop at."""

    decode: Callable
    deep_supervision: bool
    output_strides: tuple[int, ...] = (FULL_RESOLUTION,)


_DECODERS: Registry[DecoderEntry] = Registry("decoder", declared=DECODERS)


def register_decoder(name: str, deep_supervision: bool = False, output_strides: tuple[int, ...] = (FULL_RESOLUTION,)):
    """Decorator: register ``decode(features, decoder_filters, output_stride) -> (final, side)`` under
    ``name``; ``deep_supervision`` says whether it returns side outputs to supervise, ``output_strides``
    which strides its final map may stop at.
    """

    def decorate(decode):
        _DECODERS.add(name, DecoderEntry(decode, deep_supervision, tuple(output_strides)))
        return decode

    return decorate


def supports_deep_supervision(name: str) -> bool:
    """Whether decoder ``name`` has nested nodes for deep supervision."""
    return _DECODERS.get(name).deep_supervision


def output_strides(name: str) -> tuple[int, ...]:
    """The output strides decoder ``name`` can stop at (1: full resolution)."""
    return _DECODERS.get(name).output_strides


def available_decoders() -> list[str]:
    """The registered decoder names, sorted."""
    return _DECODERS.names()


def get_decoder(name: str):
    """The decode function of ``name``; SteelDefectError listing the valid names if unknown."""
    return _DECODERS.get(name).decode


@register_decoder("unetpp", deep_supervision=True, output_strides=(1, 2, 4))
def unetpp(features, decoder_filters, output_stride=FULL_RESOLUTION):
    """UNet++ (Zhou et al. 2018) with nested dense skip pathways, laid out as
    segmentation_models.pytorch's UnetPlusPlusDecoder.

    Node X[i, j] (level i = stride 2**(i+1), column j) is
    conv_block(concat(upsample(X[i+1, j-1]), X[i, 0], ..., X[i, j-1])), X[i, 0] being the backbone
    features. Main-path nodes (i + j == DEPTH) get decoder_filters[DEPTH-1-i] channels, nested ones
    as many channels as the backbone feature of their level. X[0, DEPTH] is upsampled once more and
    refined by a block with decoder_filters[-1] channels; side = [X[0, 1], ..., X[0, DEPTH-1]].
    ``output_stride`` 2 returns X[0, DEPTH] (no full-resolution block); 4 builds only the levels
    from stride 4 down and returns X[1, DEPTH-1]: the stride-2 row of nested nodes, the costliest on
    a CPU (most pixels), is left out. Layer names do not depend on the stride.
    """
    top = {FULL_RESOLUTION: 0, 2: 0, 4: 1}[output_stride]  # the highest-resolution level built
    nodes = {(level, 0): feature for level, feature in enumerate(features)}
    for column in range(1, DEPTH + 1 - top):
        for level in range(top, DEPTH + 1 - column):
            name = f"decoder_x{level}_{column}"
            up = upsample(nodes[level + 1, column - 1], f"{name}_up")
            x = concat([up] + [nodes[level, k] for k in range(column)], f"{name}_concat")
            on_main_path = level + column == DEPTH
            filters = decoder_filters[DEPTH - 1 - level] if on_main_path else features[level].shape[-1]
            nodes[level, column] = conv_block(x, filters, name)
    if output_stride > FULL_RESOLUTION:
        return nodes[top, DEPTH - top], []
    final = conv_block(upsample(nodes[0, DEPTH], "decoder_final_up"), decoder_filters[-1], "decoder_final")
    return final, [nodes[0, column] for column in range(1, DEPTH)]


@register_decoder("unet", output_strides=(1, 2, 4))
def unet(features, decoder_filters, output_stride=FULL_RESOLUTION):
    """Plain UNet: from the deepest feature, DEPTH steps of upsample -> concat skip -> conv_block,
    then one block at full resolution without skip. No deep-supervision side outputs.
    ``output_stride`` 2 or 4 stops after the block of that stride.
    """
    x = features[DEPTH]
    for step, level in enumerate(reversed(range(DEPTH))):
        if 2 ** (level + 1) < output_stride:  # features[level] is at stride 2**(level+1)
            return x, []
        name = f"decoder_block{step + 1}"
        x = conv_block(concat([upsample(x, f"{name}_up"), features[level]], f"{name}_concat"), decoder_filters[step], name)
    if output_stride > FULL_RESOLUTION:
        return x, []
    final = conv_block(upsample(x, "decoder_final_up"), decoder_filters[-1], "decoder_final")
    return final, []


@register_decoder("fpn", output_strides=(1, 2, 4))
def fpn(features, decoder_filters, output_stride=FULL_RESOLUTION):
    """Feature Pyramid Network (Lin et al. 2017) as a segmentation decoder, laid out as
    segmentation_models.pytorch's FPN (the 1st place's second architecture).

    Pyramid P5..P2 (strides 32..4): P5 = 1x1(C5); P_k = upsample(P_{k+1}) + 1x1(C_k), all with
    decoder_filters[0] channels. Each P_k gets 3x3 conv-BN-ReLU blocks of decoder_filters[1] channels,
    upsampled x2 after each until stride 4; their sum (SMP's "add" merge) is refined at stride 2 by
    a block of decoder_filters[3] and at full resolution by a block of decoder_filters[-1].
    The stride-2 backbone feature is not used, as in FPN. No deep-supervision side outputs.
    ``output_stride`` 4 returns the merged stride-4 map, as SMP's FPN does (its head upsamples x4);
    2 stops after the stride-2 block.
    """
    pyramid_filters, segmentation_filters = decoder_filters[0], decoder_filters[1]
    top = DEPTH  # features[DEPTH] is stride 32; features[1] is stride 4
    pyramid = {top: conv1x1(features[top], pyramid_filters, f"decoder_p{top + 1}")}
    for level in range(top - 1, 0, -1):
        lateral = conv1x1(features[level], pyramid_filters, f"decoder_p{level + 1}_lateral")
        pyramid[level] = add([upsample(pyramid[level + 1], f"decoder_p{level + 1}_up"), lateral],
                             f"decoder_p{level + 1}")
    heads = []
    for level, x in pyramid.items():
        name, n_up = f"decoder_seg{level + 1}", level - 1  # x2 steps from this level's stride to 4
        for step in range(max(n_up, 1)):
            x = conv_bn_relu(x, segmentation_filters, f"{name}_{step}")
            if n_up:
                x = upsample(x, f"{name}_{step}_up")
        heads.append(x)
    x = add(heads, "decoder_merge")
    if output_stride == 4:
        return x, []
    x = conv_block(upsample(x, "decoder_stride2_up"), decoder_filters[3], "decoder_stride2")
    if output_stride == 2:
        return x, []
    final = conv_block(upsample(x, "decoder_final_up"), decoder_filters[-1], "decoder_final")
    return final, []
