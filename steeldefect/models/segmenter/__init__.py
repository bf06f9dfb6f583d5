"""Segmenters: a backbone and a registered decoder ("unetpp", "unet", "fpn") giving per-class masks."""

from steeldefect.models.segmenter.decoders import available_decoders, get_decoder, register_decoder, supports_deep_supervision
from steeldefect.models.segmenter.segmenter_model import (
    DEFAULT_DECODER_FILTERS,
    FINAL_OUTPUT_NAME,
    SIDE_OUTPUT_PREFIX,
    build_segmenter,
)

__all__ = [
    "DEFAULT_DECODER_FILTERS",
    "FINAL_OUTPUT_NAME",
    "SIDE_OUTPUT_PREFIX",
    "available_decoders",
    "build_segmenter",
    "get_decoder",
    "register_decoder",
    "supports_deep_supervision",
]
