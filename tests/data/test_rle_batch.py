"""rle_decode_many: the stacked (N, height, width) masks of one shape, exactly rle_decode's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from steeldefect.data.rle import rle_decode, rle_decode_many, rle_encode
from steeldefect.errors import RLEError


def test_real_masks_decode_into_one_stack_exactly(real_dir):
    """Every (image, class) of the real masks, empty ones included, in batches as scoring uses them."""
    df = pd.read_csv(real_dir / "train_masks_2515.csv", dtype=str, keep_default_na=False)
    rles = [rle for row in df[list("1234")].to_numpy() for rle in row]
    assert len(rles) == 4 * 2515
    for start in range(0, len(rles), 256):
        batch = rles[start:start + 256]
        masks = rle_decode_many(batch)
        assert masks.shape == (len(batch), 256, 1600) and masks.dtype == np.uint8 and masks.flags.c_contiguous
        for rle, mask in zip(batch, masks):
            assert (mask == rle_decode(rle)).all() and rle_encode(mask) == rle


def test_any_iterable_of_any_empty_spelling_and_any_shape():
    shape = (3, 5)
    rles = pd.Series(["1 2 14 2", "", None, float("nan"), "  ", "1 15", "15 1"])
    masks = rle_decode_many(rles, shape)
    np.testing.assert_array_equal(masks, np.stack([rle_decode(r, shape) for r in rles]))
    assert masks[1:5].sum() == 0 and masks[5].all() and masks[6].sum() == 1 and masks[6, 2, 4] == 1
    assert rle_decode_many(iter([]), shape).shape == (0, 3, 5)


def test_errors_name_the_item():
    with pytest.raises(RLEError, match=r"overlaps the previous run \(rles\[1\]\)"):
        rle_decode_many(["1 2", "5 3 6 1"], (4, 4))
    with pytest.raises(RLEError, match=r"past the image end .*\(image b class 2\)"):
        rle_decode_many(["1 2", "16 2"], (4, 4), contexts=["image a class 1", "image b class 2"])
    with pytest.raises(ValueError, match="2 RLE strings but 1 contexts"):
        rle_decode_many(["1 2", "3 1"], (4, 4), contexts=["only one"])
