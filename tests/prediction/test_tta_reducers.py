"""TTA views put masks back in place; reducers combine predictions one at a time."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.prediction.reducers import available_reducers, get_reducer, reduce_arrays
from steeldefect.prediction.tta import TTA_MODES, tta_apply, tta_views
from steeldefect.errors import SteelDefectError


def _position_model(batch):
    """A 'segmenter' whose output depends on where things are (the input's first channel), so a
    wrong inverse would move it."""
    out = batch[..., :1].astype(np.float32) / 255.0
    out = np.repeat(out, 4, axis=-1)
    return out


@pytest.mark.parametrize("mode", list(TTA_MODES))
def test_inverse_puts_masks_back_in_place(mode):
    rng = np.random.default_rng(0)
    batch = rng.integers(0, 256, (2, 8, 12, 3), dtype=np.uint8)
    outs = []
    tta_apply(_position_model, batch, mode, outs.append)
    assert len(outs) == len(tta_views(mode))
    for out in outs:
        np.testing.assert_array_equal(out, _position_model(batch))


def test_views_really_flip():
    batch = np.arange(2 * 3 * 4 * 1).reshape(2, 3, 4, 1)
    h, v = TTA_MODES["both"][1], TTA_MODES["both"][2]
    np.testing.assert_array_equal(h.apply(batch)[:, :, 0], batch[:, :, -1])
    np.testing.assert_array_equal(v.apply(batch)[:, 0], batch[:, -1])
    seen = []
    tta_apply(lambda b: (seen.append(b[0, 0, 0, 0]), np.zeros((2, 1)))[1], batch, "both", lambda x: None, invert=False)
    assert seen == [batch[0, 0, 0, 0], batch[0, 0, -1, 0], batch[0, -1, 0, 0]]


def test_unknown_mode_lists_valid_ones():
    with pytest.raises(SteelDefectError, match="none, hflip, vflip, both"):
        tta_views("rot90")


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
