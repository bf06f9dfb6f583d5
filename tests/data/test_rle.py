"""RLE: exact round trip on the real masks, properties, and malformed input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from steeldefect import rle_decode, rle_encode
from steeldefect.data import rle as rle_module
from steeldefect.data.rle import rle_area, rle_runs
from steeldefect.errors import RLEError


def reference_decode(rle: str, shape: tuple[int, int]) -> np.ndarray:
    """The plain per-run loop, an independent oracle: one slice per run of the column-major pixels."""
    flat = np.zeros(shape[0] * shape[1], np.uint8)
    values = [int(v) for v in rle.split()]
    for start, length in zip(values[0::2], values[1::2]):
        flat[start - 1:start - 1 + length] = 1
    return flat.reshape(shape, order="F")


def real_rles(real_dir) -> list[str]:
    """Every non-empty real RLE: the 1,430 ground-truth masks of the 2,515 images and the 782 masks of
    a real model's stage-1 predictions."""
    masks = pd.read_csv(real_dir / "train_masks_2515.csv", dtype=str, keep_default_na=False)
    assert len(masks) == 2515
    truth = [rle for col in "1234" for rle in masks[col] if rle]
    predictions = pd.read_csv(real_dir / "predictions_stage1.csv", dtype=str, keep_default_na=False)
    predicted = [rle for rle in predictions["EncodedPixels"] if rle]
    assert (len(truth), len(predicted)) == (1430, 782)
    return truth + predicted


def test_real_masks_round_trip_exactly(real_dir):
    """Every real mask decodes to the per-run oracle's pixels and re-encodes to its original string."""
    for i, rle in enumerate(real_rles(real_dir)):
        mask = rle_decode(rle)
        assert mask.dtype == np.uint8 and mask.shape == (256, 1600) and mask.flags.c_contiguous
        assert (mask == reference_decode(rle, (256, 1600))).all()
        assert rle_encode(mask) == rle
        assert rle_module._fast_values(rle, mask.size) is not None  # real text takes the fast path
        if i % 20 == 0:  # the encoder's other input layouts, on a sample
            assert rle_encode(mask.astype(bool)) == rle and rle_encode(np.asfortranarray(mask * 255)) == rle
            assert rle_area(rle) == mask.sum()


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


def reference_encode(mask: np.ndarray) -> str:
    """The per-pixel definition: walk the column-major pixels, non-zero is foreground."""
    runs, start, prev = [], 0, False
    pixels = [bool(p) for p in np.asarray(mask).T.ravel()]
    for i, p in enumerate(pixels + [False], start=1):
        if p and not prev:
            start = i
        elif prev and not p:
            runs += [start, i - start]
        prev = p
    return " ".join(map(str, runs))


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 9)), elements=st.sampled_from([0, 1, 2, 255])),
       st.sampled_from(["C", "F", "strided", "bool", "float32", "int64"]))
def test_encode_any_dtype_and_layout_matches_the_definition(mask, kind):
    """Any non-zero value is foreground (a 1 next to a 255 is one run) whatever the dtype or memory layout."""
    expected = reference_encode(mask)
    if kind == "F":
        mask = np.asfortranarray(mask)
    elif kind == "strided":
        big = np.zeros((mask.shape[0] * 2, mask.shape[1] * 3), mask.dtype)
        big[::2, ::3] = mask
        mask = big[::2, ::3]
    elif kind != "C":
        mask = mask.astype(kind)
    assert rle_encode(mask) == expected


def test_decode_returns_a_fresh_c_contiguous_uint8_mask():
    for shape in [(1, 1), (1, 7), (7, 1), (3, 5), (256, 1600)]:
        n = shape[0] * shape[1]
        for rle in ["", f"1 {n}", f"{n} 1", "1 1"]:
            mask = rle_decode(rle, shape=shape)
            assert mask.shape == shape and mask.dtype == np.uint8 and mask.flags.c_contiguous
            assert mask.flags.writeable and mask.flags.owndata
            np.testing.assert_array_equal(mask, reference_decode(rle, shape))


# Text the fast parser must leave to the token-by-token one, and what that one makes of it.
@pytest.mark.parametrize("rle, expected", [
    ("   ", []),  # np.fromstring reads whitespace alone as [0]
    ("1 2 ", [1, 2]),
    ("  1  2   5 1", [1, 2, 5, 1]),
    ("1\t2\n5 1", [1, 2, 5, 1]),
    ("01 2", [1, 2]),
    ("000000000000000001 2", [1, 2]),  # 18 digits
    ("1 2 3 4", [1, 2, 3, 4]),  # touching runs
])
def test_whitespace_and_leading_zeros_parse_as_tokens(rle, expected):
    starts, lengths = rle_runs(rle, shape=(4, 4))
    assert np.column_stack([starts, lengths]).ravel().tolist() == expected


@pytest.mark.parametrize("rle, message", [
    ("0000000000000000001 2", "too large"),  # 19 digits, value 1
    ("18446744073709551617 2", "too large"),  # 2**64 + 1: would wrap to 1
    ("1 2 9223372036854775807 9223372036854775807", "too large"),  # int64 max twice: would wrap the sum
    ("1 2 999999999999999999 999999999999999999", "past the image end"),
    ("1 2 2 1", "overlaps"),
    ("5 1 5 1", "overlaps"),
    ("16 1 1 1", "not sorted"),
    ("16 2", "past the image end"),
    ("0 1", "below 1"),
    ("3 0", "length 0"),
])
def test_values_the_fast_parser_rejects_get_the_token_parser_message(rle, message):
    with pytest.raises(RLEError, match=message):
        rle_runs(rle, shape=(4, 4), context="x")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789 ", max_size=40), st.integers(1, 30), st.integers(1, 30))
def test_fast_parser_agrees_with_the_token_parser(rle, height, width):
    """On any text of digits and spaces the fast path returns what the token-by-token parse returns,
    or leaves the text to it (None); it never accepts what that parse rejects."""
    n_pixels = height * width
    try:
        expected = rle_module._parse_and_check(rle, (height, width), n_pixels, None)
    except RLEError:
        expected = None
    fast = rle_module._fast_values(rle, n_pixels)
    if fast is not None:
        assert expected is not None and fast.tolist() == expected.tolist()
    elif expected is not None and expected.size:
        # valid text the fast path leaves alone has leading zeros or spaces to spare
        assert rle != " ".join(str(v) for v in expected.tolist())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(1, 5)), min_size=1, max_size=6),
       st.lists(st.tuples(st.integers(0, 2), st.sampled_from([" ", "  "])), min_size=12, max_size=12),
       st.booleans())
def test_fast_parser_takes_canonical_text_and_agrees_on_the_rest(gaps_lengths, formats, canonical):
    """Valid RLE written canonically takes the fast path; written with leading zeros or extra spaces it
    reads the same either way."""
    values, pos = [], 1
    for gap, length in gaps_lengths:
        values += [pos + gap, length]
        pos += gap + length
    n_pixels = pos + 3
    if canonical:
        rle = " ".join(map(str, values))
    else:
        rle = "".join("0" * zeros + str(v) + sep for v, (zeros, sep) in zip(values, formats))
    expected = rle_module._parse_and_check(rle, (1, n_pixels), n_pixels, None)
    assert expected.tolist() == values
    fast = rle_module._fast_values(rle, n_pixels)
    assert fast is not None if canonical else fast is None or fast.tolist() == values
