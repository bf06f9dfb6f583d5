"""EfficientNetB0..B7 backbones from keras.applications (include_top=False).

keras.applications' EfficientNet rescales and normalises its input itself, so it takes RGB 0..255:
Rescaling(1/255) then a Normalization layer that is the identity with weights "none" and holds the
ImageNet mean and variance once ImageNet weights are loaded.
"""

from __future__ import annotations

import functools

import keras

from steeldefect.models.backbones.preprocessing import IMAGENET_STD_RGB
from steeldefect.models.backbones.backbone_registry import BACKBONE_LAYER_NAME, ImagenetFile, register_backbone
from steeldefect.models.backbones.weights import load_legacy_h5

EFFICIENTNET_VARIANTS = tuple(range(8))  # B0..B7
# Layers whose outputs are the features at strides 2, 4, 8, 16, 32. The "expand" activations sit
# before the strided depthwise convolution of the first block of each stage, so each is the last
# (and widest) tensor at its resolution.
EFFICIENTNET_FEATURE_LAYERS = (
    "block2a_expand_activation",
    "block3a_expand_activation",
    "block4a_expand_activation",
    "block6a_expand_activation",
    "top_activation",
)
IMAGENET_URL = "https://storage.googleapis.com/keras-applications/"  # keras-applications' download folder


def _notop_hash(variant: int) -> str | None:
    """keras' own checksum of efficientnetb<variant>_notop.h5, None if this Keras keeps it elsewhere."""
    try:
        from keras.src.applications.efficientnet import WEIGHTS_HASHES  # private Keras path: may be missing

        return WEIGHTS_HASHES[f"b{variant}"][1]
    except (ImportError, KeyError, IndexError):
        return None


def match_imagenet_scaling(app: keras.Model) -> None:
    """Make a model built with weights=None normalise like keras' weights="imagenet" build.

    With "imagenet", keras appends Rescaling(1/sqrt(std)) after the Normalization layer (see
    tensorflow issue 49930). Dividing by sqrt(variance) and then by sqrt(std) equals dividing by
    sqrt(variance * std), so the factor is folded into the loaded variance instead of adding a layer.
    """
    norm = next(layer for layer in app.layers if isinstance(layer, keras.layers.Normalization))
    std = keras.ops.convert_to_tensor(IMAGENET_STD_RGB, dtype=norm.adapt_variance.dtype)
    norm.adapt_variance.assign(norm.adapt_variance * std)
    norm.finalize_state()


def build_efficientnet(input_shape, imagenet_h5, variant: int) -> keras.Model:
    """EfficientNetB<variant> feature extractor: (B, H, W, 3) 0..255 -> 5 features, strides 2..32."""
    name = f"efficientnetb{variant}"
    constructor = getattr(keras.applications, f"EfficientNetB{variant}")
    app = constructor(include_top=False, weights=None, input_shape=tuple(input_shape))
    if imagenet_h5 is not None:
        load_legacy_h5(app, imagenet_h5, backbone=name)
        match_imagenet_scaling(app)
    outputs = [app.get_layer(layer).output for layer in EFFICIENTNET_FEATURE_LAYERS]
    return keras.Model(app.input, outputs, name=BACKBONE_LAYER_NAME)


for _variant in EFFICIENTNET_VARIANTS:
    _file = f"efficientnetb{_variant}_notop.h5"
    register_backbone(
        f"efficientnetb{_variant}",
        imagenet=ImagenetFile(_file, IMAGENET_URL + _file, _notop_hash(_variant)),
    )(functools.partial(build_efficientnet, variant=_variant))
