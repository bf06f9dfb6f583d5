"""Reducers combine predictions one at a time, in the dtype asked for, leaving their inputs alone."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.ensemble.reducers import available_reducers, get_reducer, reduce_arrays
from steeldefect.errors import SteelDefectError


def test_reducers():
    a, b = np.array([0.2, 0.8, 0.5]), np.array([0.8, 0.2, 0.5])
    np.testing.assert_allclose(reduce_arrays("mean", [a, b]), [0.5, 0.5, 0.5], rtol=1e-6)
    np.testing.assert_allclose(reduce_arrays("gmean", [a, b]), [0.4, 0.4, 0.5], rtol=1e-5)
    np.testing.assert_allclose(reduce_arrays("max", [a, b]), [0.8, 0.8, 0.5])
    assert reduce_arrays("mean", [a]).dtype == np.float32
    assert {"mean", "gmean", "max"} <= set(available_reducers())
    with pytest.raises(SteelDefectError, match="available reducers: gmean, max, mean"):
        get_reducer("median")
    with pytest.raises(ValueError):
        get_reducer("mean").result()


@pytest.mark.parametrize("name", available_reducers())
def test_float64_reduction_stays_float64(name):
    a, b = np.array([0.1, 0.7]), np.array([0.3, 1 / 3])
    got = reduce_arrays(name, [a, b], np.float64)
    assert got.dtype == np.float64
    want = {"mean": (a + b) / 2, "gmean": np.exp((np.log(a) + np.log(b)) / 2), "max": np.maximum(a, b)}[name]
    np.testing.assert_allclose(got, want, rtol=1e-15)


@pytest.mark.parametrize("name", available_reducers())
def test_reducers_leave_their_inputs_alone(name):
    # float32 is the dtype reducers accumulate in, so an input could be taken as the accumulator itself
    a, b = np.array([0.2, 0.8, 0.5], np.float32), np.array([0.8, 0.2, 0.5], np.float32)
    kept = a.copy(), b.copy()
    r = get_reducer(name)
    r.add(a)
    r.add(b)
    result = r.result()
    np.testing.assert_array_equal(a, kept[0])
    np.testing.assert_array_equal(b, kept[1])
    assert not np.shares_memory(result, a) and not np.shares_memory(result, b)
