"""The backbone registry: a name -> builder table and ``get_backbone``, its one entry point.

A backbone is a ``keras.Model`` that maps a batch of RGB images with values 0..255 (float), shape
(B, H, W, 3), to the list of its five feature maps at strides 2, 4, 8, 16 and 32, highest resolution
first (keras-hub's P1..P5). Each backbone normalises its input itself (EfficientNet: rescaling and
ImageNet mean/std; ResNet50: Caffe BGR mean subtraction; ResNet34: ImageNet mean/std), so callers always
feed raw 0..255 pixels and never preprocess.

Weights, for every backbone: ``"none"`` (random init), ``"imagenet"`` (keras-applications' ImageNet file,
from the Keras cache ``~/.keras/models`` or downloaded; fails within seconds when offline), or a path to
either a Keras 3 ``.weights.h5`` file saved from a backbone of the same name (``backbone.save_weights``)
or the keras-applications ``*_notop.h5`` ImageNet file downloaded elsewhere.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from urllib.parse import urlparse

from steeldefect.models.backbones.weights import fetch_imagenet_file, host_reachable, keras_cache_path, load_keras3_weights
from steeldefect.config.choices import WEIGHT_FILE_SUFFIXES, WEIGHTS_IMAGENET, WEIGHTS_NONE  # noqa: F401 (re-exported)
from steeldefect.errors import SteelDefectError
from steeldefect.registry import Registry

FEATURE_STRIDES = (2, 4, 8, 16, 32)  # strides of the five feature maps every backbone returns
BACKBONE_LAYER_NAME = "backbone"  # name of the backbone model, nested as one layer in classifiers and segmenters
MAX_STRIDE = FEATURE_STRIDES[-1]  # input height and width of a segmenter must be multiples of this
KERAS3_WEIGHTS_SUFFIX = ".weights.h5"  # Keras 3 weights file, as written by model.save_weights
LEGACY_WEIGHTS_SUFFIXES = WEIGHT_FILE_SUFFIXES  # keras-applications' .h5 files, a packaged PyTorch state dict


@dataclasses.dataclass(frozen=True)
class ImagenetFile:
    """Where keras-applications keeps a backbone's ImageNet weights (without the classifier top)."""

    file_name: str  # e.g. "efficientnetb0_notop.h5"; also its name in the Keras cache ~/.keras/models
    origin: str  # download URL
    file_hash: str | None  # md5 or sha256 that keras.utils.get_file checks, None to skip the check
    locate: Callable[[], str] | None = None  # finds the file installed by a package instead of downloading it


@dataclasses.dataclass(frozen=True)
class BackboneEntry:
    """A registered backbone: its builder and, if it has them, its ImageNet weights."""

    name: str
    # build(input_shape, imagenet_h5) -> backbone model; imagenet_h5 is None (random init) or the path
    # of a keras-applications ImageNet .h5 file to load into it.
    build: Callable[[tuple, str | None], object]
    imagenet: ImagenetFile | None


_BACKBONES: Registry[BackboneEntry] = Registry("backbone")


def register_backbone(name: str, imagenet: ImagenetFile | None = None):
    """Decorator: register ``build(input_shape, imagenet_h5) -> keras.Model`` under ``name``."""

    def decorate(build):
        _BACKBONES.add(name, BackboneEntry(name=name, build=build, imagenet=imagenet))
        return build

    return decorate


def available_backbones() -> list[str]:
    """The registered backbone names, sorted."""
    return _BACKBONES.names()


def backbone_entry(name: str) -> BackboneEntry:
    """The registry entry of ``name``; SteelDefectError listing the valid names if there is none."""
    return _BACKBONES.get(name)


def check_input_shape(input_shape, multiple: int | None = None) -> tuple:
    """Validate (H, W, 3) and return it as a tuple; with ``multiple``, known H and W must divide by it.

    None for H or W (any size, e.g. to predict full strips with a model trained on crops) passes.
    """
    shape = tuple(input_shape)
    if len(shape) != 3 or shape[2] != 3:
        raise SteelDefectError(f"input shape must be (height, width, 3) for RGB images; got {shape}")
    sizes = []
    for axis, size in zip(("height", "width"), shape[:2]):
        if size is None:
            sizes.append(None)
            continue
        if isinstance(size, bool) or not isinstance(size, (int, float)) or size != int(size) or size <= 0:
            raise SteelDefectError(f"input {axis} must be a positive integer; got {size!r}")
        size = int(size)
        if multiple is not None and size % multiple:
            fixed = -(-size // multiple) * multiple
            raise SteelDefectError(f"input {axis} {size} is not divisible by {multiple}; use {fixed} or pad")
        sizes.append(size)
    return (*sizes, 3)


def weights_status(name: str, weights: str | None) -> tuple[bool, str]:
    """(found, where) for a backbone's weights setting, without building anything: random init, the
    ImageNet file a package ships or the Keras cache holds (or whether its download host answers), or
    a weights file on disk. ``steeldefect doctor`` reports it per config member."""
    entry = backbone_entry(name)
    weights = WEIGHTS_NONE if weights is None else str(weights)
    if weights.lower() == WEIGHTS_NONE:
        return True, "random init (weights: none)"
    if weights.lower() != WEIGHTS_IMAGENET:
        return (True, weights) if os.path.isfile(weights) else (False, f"weights file {weights} does not exist")
    if entry.imagenet is None:
        return False, f"{name} has no ImageNet weights; use weights: none or a {KERAS3_WEIGHTS_SUFFIX} file"
    if entry.imagenet.locate is not None:
        try:
            return True, entry.imagenet.locate()
        except SteelDefectError as err:
            return False, str(err)
    cached = keras_cache_path(entry.imagenet.file_name)
    if os.path.isfile(cached):
        return True, cached
    host = urlparse(entry.imagenet.origin).hostname
    if host_reachable(host):
        return True, f"not cached; train downloads it from {host}"
    return False, (f"{entry.imagenet.file_name} is not in {os.path.dirname(cached)} and {host} is unreachable; "
                   f"put the file there or give its path as weights:")


def get_backbone(name: str, input_shape, weights: str | None = WEIGHTS_NONE):
    """Build backbone ``name`` for images of ``input_shape`` (H, W, 3) with the given weights.

    Returns a keras.Model named ``name`` mapping (B, H, W, 3) float 0..255 RGB to the list of 5
    feature maps at strides ``FEATURE_STRIDES``, highest resolution first.
    """
    entry = backbone_entry(name)
    shape = check_input_shape(input_shape)
    weights = WEIGHTS_NONE if weights is None else str(weights)
    if weights.lower() == WEIGHTS_NONE:
        return entry.build(shape, None)
    if weights.lower() == WEIGHTS_IMAGENET:
        if entry.imagenet is None:
            raise SteelDefectError(
                f"backbone {name!r} has no ImageNet weights in keras-applications; use "
                f"weights='none' or the path of a {KERAS3_WEIGHTS_SUFFIX} file saved from a {name} backbone"
            )
        return entry.build(shape, fetch_imagenet_file(entry.imagenet, backbone=name))
    if not os.path.isfile(weights):
        raise SteelDefectError(
            f"weights file {weights!r} for backbone {name!r} does not exist; pass 'none', 'imagenet' "
            f"or the path of a {KERAS3_WEIGHTS_SUFFIX} or keras-applications .h5 file"
        )
    if weights.endswith(KERAS3_WEIGHTS_SUFFIX):
        model = entry.build(shape, None)
        load_keras3_weights(model, weights)
        return model
    if weights.endswith(LEGACY_WEIGHTS_SUFFIXES):
        if entry.imagenet is None:
            raise SteelDefectError(
                f"backbone {name!r} loads only Keras 3 {KERAS3_WEIGHTS_SUFFIX} files; got {weights!r}"
            )
        return entry.build(shape, weights)
    raise SteelDefectError(
        f"weights file {weights!r} must end in {KERAS3_WEIGHTS_SUFFIX} (Keras 3, from save_weights) or "
        f".h5 (keras-applications ImageNet file such as {entry.imagenet.file_name if entry.imagenet else 'x_notop.h5'})"
    )
