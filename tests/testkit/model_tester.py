"""One model tester for every registered backbone x head (after segmentation_models.pytorch's
BaseModelTester).

The head cases come from the registries when the tests are collected: the classifier with 1 output
(avg pooling) and with 4 (avgmax pooling), a segmenter per registered decoder, and one more per
decoder that can stop short of full resolution, at its coarsest output stride. Every
(backbone, head case) pair is checked the same way:

- outputs: model name, the nested backbone layer's 5 feature maps at strides 2..32 of the input,
  then one float32 probability output of the expected shape, finite and in [0, 1];
- save -> load_model -> the same output names and bit-identical outputs;
- mixed precision: built under ``mixed_float16``, the backbone and the head compute in float16,
  the outputs stay float32, and a forward pass gives finite probabilities.

A test module subclasses :class:`ModelTester` and sets ``kind``; its tests are parametrised over
:func:`model_params`. The JAX backend runs the same checks in one subprocess
(tests/models/segmenter/test_jax_backend.py), on a tiny backbone.

Cost (measured on CPU at 32x64): building a model costs 1 s (resnet34) to 7 s (efficientnetb7) and
loading it as much again, so the full cross product (about 40 pairs) takes ~10 minutes. The default
run checks the cheapest backbone through every head case and every backbone through one head (the
UNet segmenter, which uses all five features); the heavy backbones among those are marked slow. The
rest of the cross product is marked slow and skipped unless the environment sets
``STEELDEFECT_TEST_ALL_MODELS=1``. A newly registered decoder or backbone lands in the default run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

TINY_SHAPE = (32, 64, 3)  # smallest input with a whole pixel at stride 32
BATCH = 2
DECODER_FILTERS = (16, 8, 8, 4, 4)  # a small decoder: the backbone dominates the cost anyway
N_CLASSES = 4  # the segmenters' default number of classes
STRIDES = (2, 4, 8, 16, 32)  # the backbone contract, stated here independently of the package
CHEAPEST_BACKBONE = "resnet34"  # goes through every head case in the default run
SPANNING_DECODER = "unet"  # every backbone goes through this head in the default run
HEAVY_BACKBONES = frozenset(f"efficientnetb{i}" for i in range(4, 8))  # 20-35 s each for all checks
ALL_MODELS_ENV = "STEELDEFECT_TEST_ALL_MODELS"


@dataclass(frozen=True)
class HeadCase:
    """A head to put on a backbone: a classifier or a segmenter with its builder options."""

    kind: str  # "classifier" or "segmenter"
    id: str
    options: tuple = ()  # builder keyword arguments as (name, value) pairs

    def build(self, backbone: str, input_shape=TINY_SHAPE):
        kwargs = dict(self.options)
        if self.kind == "classifier":
            from steeldefect.models.classifier import build_classifier

            return build_classifier(backbone, input_shape, weights="none", **kwargs)
        from steeldefect.models.segmenter import build_segmenter

        return build_segmenter(backbone, input_shape, weights="none", **kwargs)

    def model_name(self, backbone: str) -> str:
        options = dict(self.options)
        return f"classifier_{backbone}" if self.kind == "classifier" else f"{options['decoder']}_{backbone}"

    def output_shape(self, batch: int, input_shape=TINY_SHAPE) -> tuple:
        if self.kind == "classifier":
            return (batch, dict(self.options)["n_outputs"])
        return (batch, *input_shape[:2], N_CLASSES)

    def __str__(self) -> str:  # the pytest id
        return self.id


def head_cases(kind: str | None = None) -> list[HeadCase]:
    """The head cases from the registries: classifier 1 and 4 outputs, then every decoder."""
    from steeldefect.models.segmenter.decoders import available_decoders, output_strides

    cases = [HeadCase("classifier", "classifier1", (("n_outputs", 1), ("pooling", "avg"))),
             HeadCase("classifier", "classifier4", (("n_outputs", 4), ("pooling", "avgmax")))]
    cases += [HeadCase("segmenter", decoder, (("decoder", decoder), ("decoder_filters", DECODER_FILTERS)))
              for decoder in available_decoders()]
    cases += [HeadCase("segmenter", f"{decoder}_stride{max(output_strides(decoder))}",
                       (("decoder", decoder), ("decoder_filters", DECODER_FILTERS),
                        ("output_stride", max(output_strides(decoder)))))
              for decoder in available_decoders() if max(output_strides(decoder)) > 1]
    return [case for case in cases if kind in (None, case.kind)]


def model_params(kind: str | None = None) -> list:
    """pytest params (backbone, case) for every registered backbone x every head case of ``kind``.

    In the default run: the cheapest backbone through every case, and every backbone through the
    spanning segmenter (heavy backbones marked slow). The rest: slow, and skipped unless
    ALL_MODELS_ENV is set (the full product takes ~10 minutes).
    """
    from steeldefect.models.backbones import available_backbones

    backbones = available_backbones()
    cheapest = CHEAPEST_BACKBONE if CHEAPEST_BACKBONE in backbones else backbones[0]
    segmenters = [case.id for case in head_cases("segmenter")]
    spanning = SPANNING_DECODER if SPANNING_DECODER in segmenters else segmenters[0]
    run_all = os.environ.get(ALL_MODELS_ENV, "") not in ("", "0")
    params = []
    for backbone in backbones:
        for case in head_cases(kind):
            marks = [pytest.mark.slow] if backbone in HEAVY_BACKBONES else []
            if backbone != cheapest and case.id != spanning:
                marks = [pytest.mark.slow, pytest.mark.designed_skip,
                         pytest.mark.skipif(not run_all, reason=f"rest of the backbone x head "
                                                               f"product; set {ALL_MODELS_ENV}=1 to run it")]
            params.append(pytest.param(backbone, case, id=f"{backbone}-{case.id}", marks=marks))
    return params


def images(n: int = BATCH, shape=TINY_SHAPE, seed: int = 0) -> np.ndarray:
    """RGB 0..255 float32 images, as every model takes."""
    return np.random.default_rng(seed).uniform(0, 255, (n, *shape)).astype("float32")


def outputs_of(model, x) -> list[np.ndarray]:
    """The model's outputs in inference mode, as a list of numpy arrays."""
    out = model(x, training=False)
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def _check_probabilities(outs: list[np.ndarray], shape: tuple) -> None:
    for out in outs:
        assert out.shape == shape and out.dtype == np.float32, (out.shape, out.dtype, shape)
        assert np.isfinite(out).all() and ((out >= 0) & (out <= 1)).all()


def check_backbone_features(model, input_shape=TINY_SHAPE) -> None:
    """The nested backbone layer takes the model's input and returns 5 feature maps at strides 2..32."""
    from steeldefect.models.backbones import BACKBONE_LAYER_NAME

    encoder = model.get_layer(BACKBONE_LAYER_NAME)
    height, width = input_shape[:2]
    assert tuple(encoder.input.shape[1:]) == tuple(input_shape), encoder.input.shape
    sizes = [tuple(o.shape[1:3]) for o in encoder.outputs]
    assert sizes == [(height // s, width // s) for s in STRIDES], f"backbone feature sizes {sizes} for input {input_shape}"


def check_outputs(model, backbone: str, case: HeadCase, x=None) -> list[np.ndarray]:
    """Name, backbone features, and one float32 probability output of the case's shape."""
    x = images() if x is None else x
    assert model.name == case.model_name(backbone)
    check_backbone_features(model, x.shape[1:])
    outs = outputs_of(model, x)
    assert len(outs) == 1
    _check_probabilities(outs, case.output_shape(len(x), x.shape[1:]))
    return outs


def check_save_load(model, path: Path, x=None, expected: list[np.ndarray] | None = None) -> None:
    """model.save -> steeldefect.models.model_io.load_model -> same output names, identical outputs
    (``expected``: the model's outputs on ``x`` when already computed)."""
    from steeldefect.models.model_io import load_model

    x = images() if x is None else x
    before = outputs_of(model, x) if expected is None else expected
    model.save(path)
    loaded = load_model(path)
    assert loaded.output_names == model.output_names
    after = outputs_of(loaded, x)
    assert len(before) == len(after)
    for b, a in zip(before, after):
        np.testing.assert_array_equal(a, b)


def check_mixed_precision(backbone: str, case: HeadCase, x=None) -> None:
    """Under mixed_float16: the backbone computes in float16, outputs are float32 probabilities."""
    import keras

    from steeldefect.models.backbones import BACKBONE_LAYER_NAME

    x = images() if x is None else x
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_float16")
    try:
        model = case.build(backbone, x.shape[1:])
    finally:
        keras.config.set_dtype_policy(previous)
    encoder = model.get_layer(BACKBONE_LAYER_NAME)
    assert {keras.backend.standardize_dtype(o.dtype) for o in encoder.outputs} == {"float16"}
    assert any(layer.compute_dtype == "float16" for layer in model.layers if layer is not encoder)  # the head too
    assert [keras.backend.standardize_dtype(o.dtype) for o in model.outputs] == ["float32"] * len(model.outputs)
    _check_probabilities(outputs_of(model, x), case.output_shape(len(x), x.shape[1:]))


class ModelTester:
    """Base of the per-package model tests: subclass as ``Test...`` and set ``kind``; the tests run
    over :func:`model_params` (kind) at collection time, so new registrations are picked up."""

    kind: str | None = None

    def pytest_generate_tests(self, metafunc):
        if {"backbone", "case"} <= set(metafunc.fixturenames):
            metafunc.parametrize(("backbone", "case"), model_params(self.kind))

    def test_outputs_and_save_load(self, backbone, case, tmp_path):
        model, x = case.build(backbone), images()
        check_save_load(model, tmp_path / "model.keras", x, check_outputs(model, backbone, case, x))

    def test_mixed_precision(self, backbone, case):
        check_mixed_precision(backbone, case)
