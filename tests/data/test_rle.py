"""RLE: exact round trip on the real masks, properties, and malformed input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from steeldefect import rle_decode, rle_encode
from steeldefect.data.rle import rle_area, rle_runs
from steeldefect.errors import RLEError


def test_real_masks_round_trip_exactly(real_dir):
    """Every one of the 1,430 real masks of the 2,515 images re-encodes to its original string."""
    df = pd.read_csv(real_dir / "train_masks_2515.csv", dtype=str, keep_default_na=False)
    assert len(df) == 2515
    n = 0
    for col in "1234":
        for rle in df[col]:
            if rle:
                mask = rle_decode(rle)
                assert mask.dtype == np.uint8 and mask.shape == (256, 1600)
                assert rle_encode(mask) == rle
                n += 1
    assert n == 1430


def test_pixel_numbering_is_column_major_from_one():
    mask = np.zeros((4, 3), np.uint8)
    mask[0, 0] = 1  # pixel 1
    mask[1:3, 0] = 0
    mask[3, 0] = 1  # pixel 4
    mask[0, 1] = 1  # pixel 5: next column continues the run 4..5
    mask[2, 2] = 1  # pixel 11
    assert rle_encode(mask) == "1 1 4 2 11 1"
    np.testing.assert_array_equal(rle_decode("1 1 4 2 11 1", shape=(4, 3)), mask)


def test_full_and_empty_masks():
    assert rle_encode(np.zeros((256, 1600))) == ""
    assert rle_encode(np.ones((256, 1600))) == "1 409600"
    assert rle_decode("1 409600").all()
    assert not rle_decode("").any() and not rle_decode(float("nan")).any()
    assert rle_area("3 2 10 5", shape=(4, 4)) == 7


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 12), st.integers(1, 12)), elements=st.integers(0, 1)))
def test_encode_decode_round_trip(mask):
    rle = rle_encode(mask)
    np.testing.assert_array_equal(rle_decode(rle, shape=mask.shape), mask)


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 10), st.integers(1, 10)), elements=st.integers(0, 1)))
def test_encoding_is_sorted_nonoverlapping_and_canonical(mask):
    starts, lengths = rle_runs(rle_encode(mask), shape=mask.shape)
    assert (lengths > 0).all()
    # runs are separated by at least one background pixel: the canonical (maximal-run) form
    assert (starts[1:] > starts[:-1] + lengths[:-1]).all()
    assert lengths.sum() == mask.sum()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(1, 6)), max_size=8))
def test_decode_accepts_touching_runs_and_encode_merges_them(gaps_lengths):
    """Runs that touch (start == previous end + 1) are legal; re-encoding merges them."""
    pos, parts = 1, []
    for gap, length in gaps_lengths:
        pos += gap
        parts += [pos, length]
        pos += length
    shape = (8, 8)
    if pos - 1 > 64:
        return
    rle = " ".join(map(str, parts))
    mask = rle_decode(rle, shape=shape)
    assert mask.sum() == sum(p for p in parts[1::2])
    np.testing.assert_array_equal(rle_decode(rle_encode(mask), shape=shape), mask)


@pytest.mark.parametrize("rle, message", [
    ("1 2 3", "odd number"),
    ("1 2 x 4", "'x' is not a positive integer"),
    ("1 2 3.5 4", "'3.5' is not a positive integer"),
    ("1 0", "length 0"),
    ("1 -3", "'-3' is not a positive integer"),
    ("0 3", "below 1"),
    ("10 2 5 2", "not sorted"),
    ("1 5 3 2", "overlaps"),
    ("409600 2", "past the image end"),
    ("9223372036854775807 2", "too large"),
    ("1 2 922337203685477500 2000", "past the image end"),
    ("1 99999999999999999999999", "too large"),
    ("1 \u00b2", "not a positive integer"),
    ("+1 2", "not a positive integer"),
])
def test_malformed_rle_is_rejected_with_context(rle, message):
    with pytest.raises(RLEError, match=message) as info:
        rle_decode(rle, context="image abc.jpg class 3")
    assert "image abc.jpg class 3" in str(info.value)


def test_encode_rejects_non_2d():
    with pytest.raises(RLEError, match="2-D"):
        rle_encode(np.zeros((2, 3, 4)))
