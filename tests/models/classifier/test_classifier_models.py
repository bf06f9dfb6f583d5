"""The gate / per-class classifier: every backbone through the shared model tester, then options and errors."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.models.backbones import BACKBONE_LAYER_NAME
from steeldefect.models.classifier import OUTPUT_NAME, build_classifier
from steeldefect.errors import SteelDefectError
from testkit.model_tester import TINY_SHAPE, ModelTester, images


class TestEveryClassifier(ModelTester):
    """Outputs, save/load, mixed precision: every backbone x (1 output, 4 outputs); see testkit.model_tester."""

    kind = "classifier"


@pytest.mark.parametrize(("n_outputs", "pooling"), [(1, "avg"), (4, "avgmax")])
def test_pooling_reads_the_deepest_feature(n_outputs, pooling):
    model = build_classifier("resnet34", TINY_SHAPE, n_outputs=n_outputs, pooling=pooling, name="gate")
    assert model.name == "gate" and model.output_names == [OUTPUT_NAME]
    deepest = model.get_layer(BACKBONE_LAYER_NAME).output[-1]
    assert deepest.shape[1:3] == (1, 2)
    width = model.get_layer("logits").input.shape[-1]
    assert width == deepest.shape[-1] * (2 if pooling == "avgmax" else 1)


def test_dropout_is_active_only_in_training():
    model = build_classifier("resnet34", TINY_SHAPE, n_outputs=4, dropout=0.5)
    assert model.get_layer("dropout").rate == 0.5
    x = images()
    inference = [np.asarray(model(x)) for _ in range(2)] + [np.asarray(model(x, training=False))]
    np.testing.assert_array_equal(inference[0], inference[1])
    np.testing.assert_array_equal(inference[0], inference[2])
    training = [np.asarray(model(x, training=True)) for _ in range(2)]
    assert not np.array_equal(training[0], training[1])  # a fresh dropout mask each call
    assert not np.array_equal(training[0], inference[0])


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
    with pytest.raises(SteelDefectError, match="available backbones: efficientnet_lite0, efficientnetb0, .*resnet34, resnet50"):
        build_classifier("vgg16", TINY_SHAPE)
