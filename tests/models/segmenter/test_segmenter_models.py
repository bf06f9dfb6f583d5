"""The segmenter: every backbone x decoder through the shared model tester, then options and errors."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.errors import SteelDefectError
from steeldefect.models.model_io import load_model
from steeldefect.models.segmenter import FINAL_OUTPUT_NAME, available_decoders, build_segmenter
from testkit.model_tester import TINY_SHAPE, ModelTester, check_save_load, images

N_CLASSES = 4


class TestEverySegmenter(ModelTester):
    """Outputs, save/load, mixed precision: every backbone x registered decoder; see testkit.model_tester."""

    kind = "segmenter"


def test_registry_lists_decoders():
    assert {"unet", "unetpp", "fpn"} <= set(available_decoders())
    assert available_decoders() == sorted(available_decoders())


def test_unetpp_has_nested_nodes_with_encoder_widths():
    model = build_segmenter("resnet34", TINY_SHAPE, decoder="unetpp", decoder_filters=(40, 30, 20, 10, 8))
    widths = {layer.name: layer.output.shape[-1] for layer in model.layers if layer.name.endswith("_2_relu")}
    # main path X[i, 4-i] gets decoder_filters, nested nodes the encoder width of their level
    assert widths["decoder_x3_1_2_relu"] == 40 and widths["decoder_x0_4_2_relu"] == 10
    assert widths["decoder_x0_1_2_relu"] == 64 and widths["decoder_x1_2_2_relu"] == 64
    assert widths["decoder_x2_1_2_relu"] == 128 and widths["decoder_final_2_relu"] == 8
    assert len([name for name in widths if name.startswith("decoder_x")]) == 10  # 4 + 3 + 2 + 1 nodes


def test_fpn_has_a_pyramid_and_merges_at_stride_4():
    model = build_segmenter("resnet34", TINY_SHAPE, decoder="fpn", decoder_filters=(24, 12, 10, 6, 4))
    shapes = {layer.name: tuple(layer.output.shape[1:]) for layer in model.layers if layer.name.startswith("decoder")}
    h, w = TINY_SHAPE[:2]
    for level, stride in ((5, 32), (4, 16), (3, 8), (2, 4)):  # P5..P2 with the pyramid width
        assert shapes[f"decoder_p{level}"] == (h // stride, w // stride, 24)
    assert shapes["decoder_merge"] == (h // 4, w // 4, 12)  # every level's head brought to stride 4
    # P5 takes three conv + x2 steps to reach stride 4, P2 one conv and none
    assert [n for n in shapes if n.startswith("decoder_seg5_") and n.endswith("_up")] == \
        ["decoder_seg5_0_up", "decoder_seg5_1_up", "decoder_seg5_2_up"]
    assert not [n for n in shapes if n.startswith("decoder_seg2_") and n.endswith("_up")]
    assert shapes["decoder_stride2_2_relu"] == (h // 2, w // 2, 6)
    assert shapes["decoder_final_2_relu"] == (h, w, 4)


@pytest.mark.parametrize("decoder", ["unetpp", "unet", "fpn"])
@pytest.mark.parametrize("stride", [2, 4])
def test_output_stride_stops_the_decoder_and_upsamples_the_logits(decoder, stride):
    full = build_segmenter("resnet34", TINY_SHAPE, decoder=decoder, decoder_filters=(24, 12, 10, 6, 4))
    short = build_segmenter("resnet34", TINY_SHAPE, decoder=decoder, decoder_filters=(24, 12, 10, 6, 4),
                            output_stride=stride)
    h, w = TINY_SHAPE[:2]
    logits = short.get_layer(f"{FINAL_OUTPUT_NAME}_logits").output.shape
    assert tuple(logits[1:3]) == (h // stride, w // stride)  # the head sits at the decoder's last stride
    assert tuple(short.output.shape[1:]) == (h, w, N_CLASSES)  # and its logits are brought to full size
    full_res = {layer.name for layer in full.layers} - {layer.name for layer in short.layers}
    assert "decoder_final_1_conv" in full_res  # the full-resolution block is left out
    assert short.count_params() < full.count_params()
    probs = np.asarray(short(images()))
    assert probs.shape == (2, h, w, N_CLASSES) and np.all((probs >= 0) & (probs <= 1))
    # bilinear x stride upsampling: no blocky nearest-neighbour steps, neighbours differ smoothly
    assert np.unique(probs[0, :, :, 0]).size > (h // stride) * (w // stride)


def test_unetpp_at_stride_4_leaves_out_the_stride_2_row_of_nested_nodes():
    """UNet++'s costliest nodes on a CPU are the nested ones at stride 2 (most pixels): stride 4 builds
    none of them and ends at the main-path node X[1, 3]; stride 2 keeps them and ends at X[0, 4]."""
    filters = (24, 12, 10, 6, 4)
    names = {s: {layer.name for layer in build_segmenter("resnet34", TINY_SHAPE, decoder="unetpp",
                                                          decoder_filters=filters, output_stride=s).layers}
             for s in (2, 4)}
    level0 = {f"decoder_x0_{column}_1_conv" for column in range(1, 5)}
    assert level0 <= names[2] and not level0 & names[4]
    assert "decoder_x1_3_1_conv" in names[4] and "decoder_x1_4_1_conv" not in names[4]
    model = build_segmenter("resnet34", TINY_SHAPE, decoder="unetpp", decoder_filters=filters, output_stride=4)
    h, w = TINY_SHAPE[:2]
    assert tuple(model.get_layer("decoder_x1_3_2_relu").output.shape[1:]) == (h // 4, w // 4, filters[2])
    with pytest.raises(SteelDefectError, match="deep_supervision needs output_stride 1"):
        build_segmenter("resnet34", TINY_SHAPE, decoder="unetpp", deep_supervision=True, output_stride=2)


def test_output_stride_errors():
    with pytest.raises(SteelDefectError, match="output_stride 8 is not one decoder 'unetpp' supports: 1, 2, 4$"):
        build_segmenter("resnet34", TINY_SHAPE, decoder="unetpp", output_stride=8)
    with pytest.raises(SteelDefectError, match="output_stride 8 is not one decoder 'unet' supports: 1, 2, 4$"):
        build_segmenter("resnet34", TINY_SHAPE, decoder="unet", output_stride=8)


def test_deep_supervision_outputs_final_last(tmp_path):
    model = build_segmenter("resnet34", TINY_SHAPE, deep_supervision=True, n_classes=3)
    assert model.output_names == ["mask_x0_1", "mask_x0_2", "mask_x0_3", FINAL_OUTPUT_NAME]
    outputs = model(images())
    assert [tuple(o.shape) for o in outputs] == [(2, 32, 64, 3)] * 4
    check_save_load(model, tmp_path / "deep.keras")  # all four outputs survive, in order


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
    with pytest.raises(SteelDefectError, match=f"available decoders: {', '.join(available_decoders())}"):
        build_segmenter("resnet34", TINY_SHAPE, decoder="no_such_decoder")
    with pytest.raises(SteelDefectError, match="decoder_filters must be 5"):
        build_segmenter("resnet34", TINY_SHAPE, decoder_filters=(64, 32))
    with pytest.raises(SteelDefectError, match="available backbones"):
        build_segmenter("resnet18", TINY_SHAPE)


def test_any_size_multiple_of_32_when_shape_is_open():
    model = build_segmenter("resnet34", (None, None, 3), decoder="unet")
    assert model(images(1, (32, 96, 3))).shape == (1, 32, 96, N_CLASSES)
    assert model(images(1, (64, 32, 3))).shape == (1, 64, 32, N_CLASSES)


def test_load_model_errors(tmp_path):
    with pytest.raises(SteelDefectError, match="does not exist"):
        load_model(tmp_path / "missing.keras")
    (tmp_path / "model.h5").write_bytes(b"")
    with pytest.raises(SteelDefectError, match=r"\.keras archive"):
        load_model(tmp_path / "model.h5")
