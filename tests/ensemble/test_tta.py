"""TTA views flip a batch and put mask predictions back in place."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect.ensemble.tta import TTA_MODES, tta_apply, tta_views
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
