"""The segmenter: every decoder on the two reference backbones, shapes, dtypes, errors, save/load."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from steeldefect.backbones import BACKBONE_LAYER_NAME
from steeldefect.errors import SteelDefectError
from steeldefect.models_io import load_model
from steeldefect.segmenter import FINAL_OUTPUT_NAME, available_decoders, build_segmenter

TINY_SHAPE = (32, 64, 3)  # H, W multiples of 32
REFERENCE_BACKBONES = ("efficientnetb0", "resnet34")  # decoders are tested in full on these two
N_CLASSES = 4


def _images(n=2, shape=TINY_SHAPE, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, *shape)).astype("float32")


def test_registry_lists_decoders():
    assert available_decoders() == ["unet", "unetpp"]


@pytest.mark.parametrize("decoder", ["unetpp", "unet"])
@pytest.mark.parametrize("backbone", REFERENCE_BACKBONES)
def test_segmenter_output(backbone, decoder):
    model = build_segmenter(backbone, TINY_SHAPE, decoder=decoder)
    assert model.name == f"{decoder}_{backbone}"
    assert model.get_layer(BACKBONE_LAYER_NAME) is not None
    masks = np.asarray(model(_images()))
    assert masks.shape == (2, *TINY_SHAPE[:2], N_CLASSES)
    assert masks.dtype == np.float32
    assert ((masks >= 0) & (masks <= 1)).all()


def test_unetpp_has_nested_nodes_with_encoder_widths():
    model = build_segmenter("resnet34", TINY_SHAPE, decoder="unetpp", decoder_filters=(40, 30, 20, 10, 8))
    widths = {layer.name: layer.output.shape[-1] for layer in model.layers if layer.name.endswith("_2_relu")}
    # main path X[i, 4-i] gets decoder_filters, nested nodes the encoder width of their level
    assert widths["decoder_x3_1_2_relu"] == 40 and widths["decoder_x0_4_2_relu"] == 10
    assert widths["decoder_x0_1_2_relu"] == 64 and widths["decoder_x1_2_2_relu"] == 64
    assert widths["decoder_x2_1_2_relu"] == 128 and widths["decoder_final_2_relu"] == 8
    assert len([name for name in widths if name.startswith("decoder_x")]) == 10  # 4 + 3 + 2 + 1 nodes


def test_deep_supervision_outputs_final_last():
    model = build_segmenter("resnet34", TINY_SHAPE, deep_supervision=True, n_classes=3)
    assert model.output_names == ["mask_x0_1", "mask_x0_2", "mask_x0_3", FINAL_OUTPUT_NAME]
    outputs = model(_images())
    assert [tuple(o.shape) for o in outputs] == [(2, 32, 64, 3)] * 4


@pytest.mark.parametrize("deep_supervision", [False, True])
def test_output_prior_sets_the_starting_probability(deep_supervision):
    model = build_segmenter("resnet34", TINY_SHAPE, deep_supervision=deep_supervision, output_prior=1e-3)
    heads = [layer for layer in model.layers if layer.name.endswith("_logits")]
    assert len(heads) == (4 if deep_supervision else 1)
    for head in heads:  # logit(1e-3): sigmoid of the bias alone is the prior
        np.testing.assert_allclose(1 / (1 + np.exp(-np.asarray(head.bias))), 1e-3, rtol=1e-4)
    plain = build_segmenter("resnet34", TINY_SHAPE)
    np.testing.assert_array_equal(np.asarray(plain.get_layer("mask_logits").bias), 0.0)
    for bad in (1.0, 1e-9):
        with pytest.raises(SteelDefectError, match=r"must lie in \[1e-06, 1\)"):
            build_segmenter("resnet34", TINY_SHAPE, output_prior=bad)


def test_deep_supervision_needs_unetpp():
    with pytest.raises(SteelDefectError, match="use 'unetpp'"):
        build_segmenter("resnet34", TINY_SHAPE, decoder="unet", deep_supervision=True)


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((256, 1000, 3), "input width 1000 is not divisible by 32; use 1024 or pad"),
        ((250, 1600, 3), "input height 250 is not divisible by 32; use 256 or pad"),
    ],
)
def test_input_not_divisible_by_32(shape, message):
    with pytest.raises(SteelDefectError, match=message):
        build_segmenter("efficientnetb0", shape)


def test_bad_arguments():
    with pytest.raises(SteelDefectError, match="available decoders: unet, unetpp"):
        build_segmenter("resnet34", TINY_SHAPE, decoder="fpn")
    with pytest.raises(SteelDefectError, match="decoder_filters must be 5"):
        build_segmenter("resnet34", TINY_SHAPE, decoder_filters=(64, 32))
    with pytest.raises(SteelDefectError, match="available backbones"):
        build_segmenter("resnet18", TINY_SHAPE)


def test_any_size_multiple_of_32_when_shape_is_open():
    model = build_segmenter("resnet34", (None, None, 3), decoder="unet")
    assert model(_images(1, (32, 96, 3))).shape == (1, 32, 96, N_CLASSES)
    assert model(_images(1, (64, 32, 3))).shape == (1, 64, 32, N_CLASSES)


def test_mixed_precision_output_is_float32():
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = build_segmenter("resnet34", TINY_SHAPE, decoder="unet")
        assert model.get_layer("decoder_final_2_conv").compute_dtype == "float16"
        assert keras.backend.standardize_dtype(model.output.dtype) == "float32"
    finally:
        keras.config.set_dtype_policy(previous)


def test_save_load_gives_identical_outputs(tmp_path):
    model = build_segmenter("efficientnetb0", TINY_SHAPE, deep_supervision=True)
    images = _images()
    path = tmp_path / "segmenter.keras"
    model.save(path)
    loaded = load_model(path)
    assert loaded.output_names == model.output_names
    for before, after in zip(model(images, training=False), loaded(images, training=False)):
        np.testing.assert_array_equal(np.asarray(before), np.asarray(after))


def test_load_model_errors(tmp_path):
    with pytest.raises(SteelDefectError, match="does not exist"):
        load_model(tmp_path / "missing.keras")
    (tmp_path / "model.h5").write_bytes(b"")
    with pytest.raises(SteelDefectError, match=r"\.keras archive"):
        load_model(tmp_path / "model.h5")
