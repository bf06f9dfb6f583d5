"""ResNet34 backbone written with keras.layers: a 7x7 stem and basic blocks [3, 4, 6, 3].

The layout follows torchvision's resnet34 (symmetric padding, BN after every convolution, 1x1
projection on the first block of stages 2-4), so its weights could be ported one to one. No ImageNet
weights ship with keras for it: use weights "none" or a .weights.h5 file saved from this backbone.
Input RGB 0..255 is normalised inside with the ImageNet mean and std, as torchvision does.
"""

from __future__ import annotations

import keras
from keras import layers

from steeldefect.models.backbones.preprocessing import imagenet_normalisation
from steeldefect.models.backbones.backbone_registry import BACKBONE_LAYER_NAME, register_backbone

RESNET34_BLOCKS = (3, 4, 6, 3)  # basic blocks per stage
RESNET34_FILTERS = (64, 128, 256, 512)  # channels per stage
STEM_FILTERS = 64  # channels of the 7x7 stem convolution
BN_EPSILON = 1e-5  # torchvision's BatchNorm epsilon
BN_MOMENTUM = 0.9  # keras' name for torchvision's momentum 0.1


def _conv_bn(x, filters, kernel, stride, name, relu=True):
    """Conv (torch-style symmetric padding, no bias) -> BN -> optional ReLU."""
    pad = kernel // 2
    if pad:
        x = layers.ZeroPadding2D(pad, name=f"{name}_pad")(x)
    x = layers.Conv2D(filters, kernel, strides=stride, use_bias=False, name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x) if relu else x


def _basic_block(x, filters, stride, name):
    """Two 3x3 conv-BN with an identity (or 1x1 projection) shortcut, then ReLU."""
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = _conv_bn(x, filters, 1, stride, f"{name}_down", relu=False)
    y = _conv_bn(x, filters, 3, stride, f"{name}_1")
    y = _conv_bn(y, filters, 3, 1, f"{name}_2", relu=False)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.ReLU(name=f"{name}_out")(y)


@register_backbone("resnet34")
def build_resnet34(input_shape, imagenet_h5) -> keras.Model:
    """ResNet34 feature extractor: (B, H, W, 3) RGB 0..255 -> 5 features at strides 2..32."""
    del imagenet_h5  # registered without ImageNet weights; the registry never passes one
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = imagenet_normalisation()(inputs)
    stem = _conv_bn(x, STEM_FILTERS, 7, 2, "stem")  # stride 2
    x = layers.ZeroPadding2D(1, name="pool_pad")(stem)  # zeros are safe after ReLU
    x = layers.MaxPooling2D(3, strides=2, name="pool")(x)
    features = [stem]
    for stage, (blocks, filters) in enumerate(zip(RESNET34_BLOCKS, RESNET34_FILTERS), start=1):
        for block in range(1, blocks + 1):
            stride = 2 if block == 1 and stage > 1 else 1
            x = _basic_block(x, filters, stride, f"stage{stage}_block{block}")
        features.append(x)  # strides 4, 8, 16, 32
    return keras.Model(inputs, features, name=BACKBONE_LAYER_NAME)
