"""The gate / per-class classifier: outputs, options, errors, save/load."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from steeldefect.backbones import BACKBONE_LAYER_NAME
from steeldefect.classifier import OUTPUT_NAME, build_classifier
from steeldefect.errors import SteelDefectError
from steeldefect.models_io import load_model

TINY_SHAPE = (32, 64, 3)


def _images(n=2, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, *TINY_SHAPE)).astype("float32")


@pytest.mark.parametrize(("n_outputs", "pooling"), [(1, "avg"), (4, "avgmax")])
def test_classifier_output(n_outputs, pooling):
    model = build_classifier("resnet34", TINY_SHAPE, n_outputs=n_outputs, pooling=pooling, name="gate")
    assert model.name == "gate" and model.output_names == [OUTPUT_NAME]
    assert model.get_layer(BACKBONE_LAYER_NAME).output[-1].shape[1:3] == (1, 2)
    probs = np.asarray(model(_images()))
    assert probs.shape == (2, n_outputs) and probs.dtype == np.float32
    assert ((probs > 0) & (probs < 1)).all()


def test_dropout_is_active_only_in_training():
    model = build_classifier("resnet34", TINY_SHAPE, dropout=0.5)
    assert model.get_layer("dropout").rate == 0.5
    images = _images()
    np.testing.assert_array_equal(np.asarray(model(images)), np.asarray(model(images)))


def test_mixed_precision_output_is_float32():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = build_classifier("resnet34", TINY_SHAPE)
        assert keras.backend.standardize_dtype(model.output.dtype) == "float32"
    finally:
        keras.config.set_dtype_policy(previous)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_outputs": 0}, "n_outputs must be a positive integer"),
        ({"dropout": 1.0}, r"dropout must be in \[0, 1\)"),
        ({"pooling": "max"}, "available poolings: avg, avgmax"),
        ({"input_shape": (32, 64)}, r"\(height, width, 3\)"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(SteelDefectError, match=message):
        build_classifier("resnet34", **{"input_shape": TINY_SHAPE, **kwargs})


def test_unknown_backbone_lists_names():
    with pytest.raises(SteelDefectError, match="available backbones: efficientnetb0, .*resnet34, resnet50"):
        build_classifier("vgg16", TINY_SHAPE)


def test_save_load_gives_identical_outputs(tmp_path):
    # resnet50 carries the custom CaffePreprocess layer, so this also checks its registration.
    model = build_classifier("resnet50", TINY_SHAPE, n_outputs=4, pooling="avgmax")
    path = tmp_path / "classifier.keras"
    model.save(path)
    loaded = load_model(path)
    images = _images()
    np.testing.assert_array_equal(np.asarray(model(images)), np.asarray(loaded(images)))
