"""Backbones: feature extractors returning 5 feature maps at strides 2, 4, 8, 16, 32.

``get_backbone(name, input_shape, weights="none")`` builds one; ``available_backbones()`` lists the
names. Every backbone takes RGB images as floats 0..255 and normalises them itself. Importing this
package registers the backbones and the custom layers they use (needed to load saved models).
"""

from steeldefect.models.backbones import efficientnet, efficientnet_lite, resnet34, resnet50  # noqa: F401  (registers backbones)
from steeldefect.models.backbones.preprocessing import CaffePreprocess
from steeldefect.models.backbones.backbone_registry import (
    BACKBONE_LAYER_NAME,
    FEATURE_STRIDES,
    MAX_STRIDE,
    WEIGHTS_IMAGENET,
    WEIGHTS_NONE,
    available_backbones,
    check_input_shape,
    get_backbone,
    register_backbone,
)

__all__ = [
    "BACKBONE_LAYER_NAME",
    "FEATURE_STRIDES",
    "MAX_STRIDE",
    "WEIGHTS_IMAGENET",
    "WEIGHTS_NONE",
    "CaffePreprocess",
    "available_backbones",
    "check_input_shape",
    "get_backbone",
    "register_backbone",
]
