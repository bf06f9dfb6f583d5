"""Backbone weights: Keras 3 .weights.h5 files, keras-applications .h5 files, offline "imagenet"."""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest

from steeldefect.models.backbones import get_backbone, weights as weights_module
from steeldefect.errors import SteelDefectError

TINY_SHAPE = (32, 64, 3)


def _images(seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (2, *TINY_SHAPE)).astype("float32")


def _randomise(model, seed=0):
    """Give every variable (BN statistics included) non-default values, so loading is visible."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        if np.issubdtype(np.dtype(variable.dtype), np.floating):
            variable.assign(rng.uniform(0.5, 1.0, variable.shape).astype(variable.dtype) * 0.1)


def test_keras3_weights_file_round_trip(tmp_path):
    source = get_backbone("resnet34", (None, None, 3))  # any input size: no weight depends on it
    _randomise(source)
    path = tmp_path / "resnet34.weights.h5"
    source.save_weights(path)
    loaded = get_backbone("resnet34", TINY_SHAPE, weights=str(path))
    for a, b in zip(source(_images()), loaded(_images())):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)


def test_weights_file_of_another_backbone_is_an_error(tmp_path):
    path = tmp_path / "resnet34.weights.h5"
    get_backbone("resnet34", TINY_SHAPE).save_weights(path)
    with pytest.raises(SteelDefectError, match="does not fit backbone"):
        get_backbone("resnet50", TINY_SHAPE, weights=str(path))


def test_missing_weights_file(tmp_path):
    with pytest.raises(SteelDefectError, match="does not exist"):
        get_backbone("resnet34", TINY_SHAPE, weights=str(tmp_path / "nope.weights.h5"))


def test_resnet34_has_no_imagenet_weights():
    with pytest.raises(SteelDefectError, match="no ImageNet weights"):
        get_backbone("resnet34", TINY_SHAPE, weights="imagenet")


def test_imagenet_offline_fails_fast_with_instructions(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))  # an empty cache
    monkeypatch.setattr(weights_module, "host_reachable", lambda host, *a, **k: False)

    def no_download(*args, **kwargs):
        raise AssertionError("must not try to download when the host is unreachable")

    monkeypatch.setattr(keras.utils, "get_file", no_download)
    start = time.monotonic()
    with pytest.raises(SteelDefectError) as info:
        get_backbone("efficientnetb0", TINY_SHAPE, weights="imagenet")
    assert time.monotonic() - start < 5
    message = str(info.value)
    assert "efficientnetb0_notop.h5" in message and "path" in message and "\n" not in message


def test_imagenet_offline_uses_cached_file(tmp_path, monkeypatch):
    from steeldefect.models.backbones.backbone_registry import backbone_entry

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(weights_module, "host_reachable", lambda host, *a, **k: False)
    imagenet = backbone_entry("efficientnetb3").imagenet
    cached = tmp_path / "models" / imagenet.file_name
    cached.parent.mkdir()
    cached.write_bytes(b"h5")
    assert weights_module.fetch_imagenet_file(imagenet, "efficientnetb3") == str(cached)


def test_imagenet_download_error_becomes_steeldefect_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setattr(weights_module, "host_reachable", lambda host, *a, **k: True)

    def failing_download(*args, **kwargs):
        raise Exception("URL fetch failure on https://example: None -- [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.utils, "get_file", failing_download)
    with pytest.raises(SteelDefectError, match="resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5"):
        get_backbone("resnet50", TINY_SHAPE, weights="imagenet")


def test_host_reachable_gives_up_within_timeout():
    start = time.monotonic()
    assert weights_module.host_reachable("host.invalid", timeout=0.5) is False
    assert time.monotonic() - start < 2


def _write_legacy_h5(model, path):
    """Write weights the way keras-applications' downloadable .h5 files are laid out."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


@pytest.mark.slow
def test_applications_h5_matches_keras_imagenet_build(tmp_path, monkeypatch):
    """A keras-applications .h5 path gives the same network as keras' weights="imagenet" build,
    including the extra input scaling keras adds for ImageNet EfficientNets."""
    from keras.src.applications import efficientnet as keras_efficientnet

    from steeldefect.models.backbones.preprocessing import IMAGENET_MEAN_RGB, IMAGENET_STD_RGB

    source = keras.applications.EfficientNetB0(include_top=False, weights=None, input_shape=TINY_SHAPE)
    _randomise(source, seed=3)
    norm = next(layer for layer in source.layers if isinstance(layer, keras.layers.Normalization))
    norm.adapt_mean.assign(np.array(IMAGENET_MEAN_RGB, "float32"))
    norm.adapt_variance.assign(np.square(np.array(IMAGENET_STD_RGB, "float32")))
    path = str(tmp_path / "efficientnetb0_notop.h5")
    _write_legacy_h5(source, path)

    monkeypatch.setattr(keras_efficientnet.file_utils, "get_file", lambda *a, **k: path)
    reference = keras.applications.EfficientNetB0(include_top=False, weights="imagenet", input_shape=TINY_SHAPE)
    ours = get_backbone("efficientnetb0", TINY_SHAPE, weights=path)
    np.testing.assert_allclose(
        np.asarray(ours(_images(1))[-1]), np.asarray(reference(_images(1))), rtol=1e-4, atol=1e-4
    )
