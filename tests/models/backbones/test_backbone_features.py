"""The backbone registry, input-shape checks and the Caffe preprocessing.

That every registered backbone returns 5 features at strides 2..32 inside a finite, float32 model
(and under mixed precision, and after save/load) is checked by the shared model tester:
tests/models/segmenter/test_segmenter_models.py runs every backbone through it (testkit.model_tester).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from steeldefect.models.backbones import (
    available_backbones,
    check_input_shape,
    get_backbone,
)
from steeldefect.models.backbones.preprocessing import CaffePreprocess
from steeldefect.errors import SteelDefectError

TINY_SHAPE = (32, 64, 3)  # smallest input with a whole pixel at stride 32
EXPECTED_BACKBONES = ["efficientnet_lite0"] + [f"efficientnetb{i}" for i in range(8)] + ["resnet34", "resnet50"]


def test_registry_lists_every_backbone():
    # In a fresh process: other tests of this worker may have registered a test backbone.
    code = "from steeldefect.models.backbones import available_backbones; print(' '.join(available_backbones()))"
    names = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert names == sorted(EXPECTED_BACKBONES)
    assert set(EXPECTED_BACKBONES) <= set(available_backbones())


def test_unknown_backbone_lists_valid_names():
    with pytest.raises(SteelDefectError) as info:
        get_backbone("efficientnetb9", TINY_SHAPE)
    message = str(info.value)
    assert "efficientnetb9" in message
    assert all(name in message for name in EXPECTED_BACKBONES)


@pytest.mark.parametrize(
    ("shape", "fragment"),
    [
        ((32, 64), "(height, width, 3)"),
        ((32, 64, 1), "(height, width, 3)"),
        ((0, 64, 3), "positive integer"),
        ((32.5, 64, 3), "positive integer"),
        (("32", 64, 3), "positive integer"),
    ],
)
def test_bad_input_shape(shape, fragment):
    with pytest.raises(SteelDefectError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        check_input_shape(shape)


def test_check_input_shape_suggests_next_multiple():
    with pytest.raises(SteelDefectError, match="input width 1000 is not divisible by 32; use 1024 or pad"):
        check_input_shape((256, 1000, 3), multiple=32)
    assert check_input_shape([None, None, 3], multiple=32) == (None, None, 3)
    assert check_input_shape((64.0, 1600, 3), multiple=32) == (64, 1600, 3)


def test_caffe_preprocess_matches_keras():
    import keras

    images = np.random.default_rng(1).uniform(0, 255, (2, 4, 5, 3)).astype("float32")
    expected = keras.applications.resnet50.preprocess_input(images.copy())
    np.testing.assert_allclose(np.asarray(CaffePreprocess()(images)), expected, rtol=1e-6, atol=1e-4)
    assert CaffePreprocess.from_config(CaffePreprocess(mean_bgr=(1, 2, 3)).get_config()).mean_bgr == (1.0, 2.0, 3.0)
