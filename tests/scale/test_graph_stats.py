"""Graph FLOPs and forward tensor sizes against a hand count, and the GPU-memory arithmetic."""

from __future__ import annotations

import pytest

from steeldefect.scale.gpu_memory import GIB, PARAM_BYTES, RESERVE_GIB, largest_batch, training_memory


def test_flops_and_tensors_of_one_convolution_match_the_hand_count():
    keras = pytest.importorskip("keras")
    from steeldefect.scale.graph_stats import graph_stats

    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(8, 3, padding="same")(inputs))
    stats = graph_stats(model, (8, 8))
    macs = 8 * 8 * 8 * 3 * 3 * 3  # outputs x kernel x input channels
    assert stats.flops == 2 * macs + 8 * 8 * 8  # a multiply-add is 2 FLOPs, plus the bias adds
    assert stats.tensor_elements >= 8 * 8 * 8  # at least the convolution's output
    assert stats.tensor_elements <= 8 * 8 * 3 + 3 * 8 * 8 * 8  # input, convolution, bias add (and no more)


def test_training_memory_adds_weights_activations_and_the_reserve():
    est = training_memory(params=GIB // PARAM_BYTES, tensor_elements=GIB // 4, batch_size=8, activation_factor=2.0)
    assert est.weights_gib == pytest.approx(1.0, rel=1e-6)
    assert est.activations_gib == pytest.approx(8 * 0.25 * 2 * 2, rel=1e-6)  # 2 bytes an element, factor 2
    assert est.total_gib == pytest.approx(est.weights_gib + est.activations_gib + RESERVE_GIB)
    fit = largest_batch(GIB // PARAM_BYTES, GIB // 4, usable_gib=10.0, activation_factor=2.0)
    assert training_memory(GIB // PARAM_BYTES, GIB // 4, fit, 2.0).total_gib <= 10.0
    assert training_memory(GIB // PARAM_BYTES, GIB // 4, fit + 1, 2.0).total_gib > 10.0
