"""Every reducer gives the same combination on each backend: numpy (predict's Keras ensemble), uint8
levels (tuning's streamed OOF) and TensorFlow (the exported graph), on the same random inputs, and
each agrees with the textbook formula, the geometric mean's clipping at GMEAN_EPS included."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.ensemble.reducers import GMEAN_EPS, available_reducers, graph_reducer, reduce_arrays, reduce_levels
from steeldefect.artifacts.oof import dequantise, quantise

tf = pytest.importorskip("tensorflow")

SHAPE = (2, 5, 7, 4)  # (B, h, w, C), as the segmenters' probabilities
COUNTS = (1, 2, 3, 6)  # members x views combined
RTOL, ATOL = 2e-6, 1e-7  # float32: log and exp of numpy and TensorFlow differ by an ulp or two


def _probabilities(k: int, seed: int) -> list[np.ndarray]:
    """k float32 arrays in [0, 1] with the edge values planted: 0 and values below GMEAN_EPS (which
    the geometric mean clips), GMEAN_EPS itself, and 1."""
    rng = np.random.default_rng(seed)
    xs = [rng.random(SHAPE, dtype=np.float32) for _ in range(k)]
    edges = np.array([0.0, 1e-9, GMEAN_EPS / 2, GMEAN_EPS, 1.0], np.float32)
    for j, x in enumerate(xs):
        flat = x.reshape(-1)
        spots = rng.choice(flat.size, 40, replace=False)
        flat[spots] = edges[(np.arange(40) + j) % len(edges)]
    return xs


def _reference(name: str, xs: list[np.ndarray]) -> np.ndarray:
    """The textbook formula, in float64, written independently of the registry."""
    s = np.stack(xs).astype(np.float64)
    if name == "mean":
        return s.mean(axis=0)
    if name == "gmean":
        return np.exp(np.log(np.clip(s, GMEAN_EPS, 1.0)).mean(axis=0))
    if name == "max":
        return s.max(axis=0)
    raise AssertionError(f"reducer {name!r} has no reference formula in this test: add one")


def _graph(name: str, xs: list[np.ndarray], traced: bool) -> np.ndarray:
    reduce = graph_reducer(name)
    tensors = [tf.constant(x) for x in xs]
    if traced:  # as in the exported SavedModel
        return tf.function(lambda *ts: reduce(list(ts)))(*tensors).numpy()
    return reduce(tensors).numpy()


@pytest.mark.parametrize("k", COUNTS)
@pytest.mark.parametrize("name", available_reducers())
def test_numpy_and_graph_agree_with_the_formula(name, k):
    xs = _probabilities(k, seed=k)
    want = _reference(name, xs)
    got_numpy = reduce_arrays(name, xs)
    assert got_numpy.dtype == np.float32
    np.testing.assert_allclose(got_numpy, want, rtol=RTOL, atol=ATOL)
    for traced in (False, True):
        got_graph = _graph(name, xs, traced)
        assert got_graph.dtype == np.float32
        np.testing.assert_allclose(got_graph, got_numpy, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("k", COUNTS)
@pytest.mark.parametrize("name", available_reducers())
def test_levels_agree_with_numpy_and_graph(name, k):
    qs = [quantise(x) for x in _probabilities(k, seed=10 + k)]
    floats = [dequantise(q) for q in qs]
    got = reduce_levels(name, qs)
    assert got.dtype == np.uint8 and got.shape == SHAPE
    from_numpy = quantise(reduce_arrays(name, floats))
    from_graph = quantise(_graph(name, floats, traced=False))
    from_reference = quantise(_reference(name, floats))
    # the mean rounds the levels' mean half up; a float mean may round the other way: one level at most
    slack = 1 if name == "mean" else 0
    for other in (from_numpy, from_reference):
        assert np.abs(got.astype(int) - other.astype(int)).max() <= slack
    assert np.abs(from_graph.astype(int) - from_numpy.astype(int)).max() <= 1  # an ulp can cross a .5 level
    if name == "mean":  # the levels' mean is exactly round-half-up of the integer mean
        total = np.sum([q.astype(np.int64) for q in qs], axis=0)
        np.testing.assert_array_equal(got, (total + k // 2) // k)


def test_the_geometric_mean_clips_at_gmean_eps_on_every_backend():
    xs = [np.array([0.0, 1e-9, 0.25], np.float32), np.array([1.0, 1.0, 1.0], np.float32)]
    want = np.array([np.sqrt(GMEAN_EPS), np.sqrt(GMEAN_EPS), 0.5])
    np.testing.assert_allclose(reduce_arrays("gmean", xs), want, rtol=RTOL)
    np.testing.assert_allclose(_graph("gmean", xs, traced=True), want, rtol=RTOL)
    levels = reduce_levels("gmean", [quantise(x) for x in xs])
    np.testing.assert_array_equal(levels, quantise(want))  # level 0 is probability 0: clipped the same


@pytest.mark.parametrize("name", available_reducers())
def test_float64_numpy_matches_the_formula_closely(name):
    """The classifier OOF is combined in float64: the same formula, to float64 precision."""
    xs = [x.astype(np.float64) for x in _probabilities(5, seed=99)]
    np.testing.assert_allclose(reduce_arrays(name, xs, np.float64), _reference(name, xs), rtol=1e-12, atol=1e-15)
