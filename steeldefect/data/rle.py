"""Run-length encoding exactly as the Severstal competition defines it.

Pixels are numbered from 1, top to bottom then left to right (column-major order); a mask is a
space-separated list of ``start length`` pairs, sorted and not overlapping. Every function here is
vectorised: no Python loop runs per run or per pixel.

Speed (docs/BENCHMARKS.md, "RLE and the metric"): RLE text that is already canonical and valid, as
every file this project or Kaggle writes is, is parsed by ``np.fromstring`` and checked by a few
whole-array comparisons; anything else (other whitespace, leading zeros, a malformed or out-of-range
value) goes through the token-by-token check, which names the first bad value. A mask is filled in
column-major order with one ``np.repeat`` of the alternating gap and run lengths and turned into the
row-major (C-contiguous) mask by OpenCV's transpose, which is ten times numpy's strided copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import cv2
import numpy as np

from steeldefect.constants import IMAGE_SHAPE
from steeldefect.errors import RLEError


# Canonical RLE text: ASCII decimal integers separated by single spaces. 18 digits at most, so that
# no value (nor a start plus a length) can overflow int64 before the range checks.
_CANONICAL = re.compile(r"[0-9]{1,18}(?: [0-9]{1,18})*")
_TOKEN = re.compile(r"[0-9]{1,18}")
_EMPTY = np.empty(0, np.int64)
_ZERO_ONE = np.tile(np.array([0, 1], np.uint8), 4096)  # the values of the gaps and runs, alternating
_CV2_MAX_SIDE = 2**31 - 1  # OpenCV matrices count rows and columns in int32
_POWERS_OF_10 = 10 ** np.arange(19, dtype=np.int64)  # a value v >= 1 has searchsorted(v, "right") digits


def _where(context: str | None) -> str:
    return f" ({context})" if context else ""


def _transpose(src: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``src.T`` copied to C order (into ``out``, shape ``src.shape[::-1]``, when given)."""
    if max(src.shape) <= _CV2_MAX_SIDE:
        result = cv2.transpose(src, dst=out)
        if out is None or result.ctypes.data == out.ctypes.data:
            return result
    if out is None:
        return np.ascontiguousarray(src.T)
    out[...] = src.T
    return out


def _column_major(mask: np.ndarray) -> np.ndarray:
    """The pixels of a 2-D mask in column-major order, as a 1-D uint8 array (non-zero = foreground)."""
    if mask.dtype == np.bool_:
        mask = mask.view(np.uint8)
    elif mask.dtype != np.uint8:
        mask = (mask != 0).view(np.uint8)
    if mask.flags.f_contiguous:
        return mask.ravel(order="F")  # a view: the mask is column-major already
    return _transpose(np.ascontiguousarray(mask)).reshape(-1)


def rle_encode(mask: np.ndarray) -> str:
    """Encode a 2-D mask (H, W); any non-zero pixel is foreground. An empty mask gives ''."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise RLEError(f"rle_encode expects a 2-D mask (height, width), got shape {mask.shape}")
    if not mask.size:
        return ""
    pixels = _column_major(mask)
    # Where the value changes; a change between two non-zero values (1 to 255) is no run boundary.
    change = np.flatnonzero(pixels[1:] != pixels[:-1]) + 1
    change = change[(pixels[change] == 0) != (pixels[change - 1] == 0)]
    if pixels[0]:
        change = np.concatenate(([0], change))
    if pixels[-1]:
        change = np.concatenate((change, [pixels.size]))
    change[1::2] -= change[0::2]
    change[0::2] += 1
    return " ".join(["%d"] * change.size) % tuple(change.tolist())


def _fast_values(rle: str, n_pixels: int) -> np.ndarray | None:
    """The (start, length, ...) values of canonical, valid RLE text, parsed at C speed; None for any
    other text, which ``_parse_and_check`` then parses token by token to name what is wrong.

    Only ASCII digits and spaces pass, and no value may have leading zeros (its digits are counted),
    so every token is at most 18 digits, exactly its int64 value (a longer one saturates past
    ``n_pixels``) and exactly what the token-by-token parse would read.
    """
    if not rle.isascii() or rle.encode().translate(None, b"0123456789 "):
        return None
    values = np.fromstring(rle, dtype=np.int64, sep=" ")
    if not values.size or values.size % 2 or values.max() > n_pixels:
        return None
    if np.searchsorted(_POWERS_OF_10, values, side="right").sum() != len(rle) - rle.count(" "):
        return None  # a value with leading zeros (or a 0, which is invalid anyway)
    segments = _segments(values, 1, n_pixels + 1)
    # Every gap (before, between and after the runs) is >= 0 and every run is >= 1 pixel long.
    if segments.min() < 0 or segments[1::2].min() < 1:
        return None
    return values


def _segments(values: np.ndarray, first: int, end: int) -> np.ndarray:
    """Lengths of the alternating gaps and runs that tile the 1-based column-major pixels ``first``
    to ``end`` (exclusive): gap, run, gap, ..., run, gap. A gap is 0 where runs touch, or where a run
    starts at ``first`` or ends at ``end``; a negative one means the runs are unsorted or too far."""
    bounds = values.copy()
    bounds[1::2] += values[0::2]  # 1-based start and end (exclusive) of every run
    segments = np.empty(bounds.size + 1, np.int64)
    np.subtract(bounds[1:], bounds[:-1], out=segments[1:-1])
    segments[0] = bounds[0] - first
    segments[-1] = end - bounds[-1]
    return segments


def _checked_values(rle: str | float | None, shape: tuple[int, int],
                    context: str | None) -> np.ndarray:
    """The (start, length, ...) int64 values of an RLE; raises RLEError naming ``context``."""
    if rle is None or (isinstance(rle, float) and np.isnan(rle)):
        return _EMPTY
    if not isinstance(rle, str):
        raise RLEError(f"RLE must be a string, got {type(rle).__name__}{_where(context)}")
    n_pixels = int(shape[0]) * int(shape[1])
    values = _fast_values(rle, n_pixels)
    if values is None:
        values = _parse_and_check(rle, shape, n_pixels, context)
    return values


def _parse_and_check(rle: str, shape: tuple[int, int], n_pixels: int, context: str | None) -> np.ndarray:
    """Token-by-token parse and check: accepts any whitespace and leading zeros, names the first
    problem. The reference that ``_fast_values`` agrees with."""
    tokens = rle.split()
    if not tokens:
        return _EMPTY
    if len(tokens) % 2:
        raise RLEError(f"RLE has an odd number of values ({len(tokens)}){_where(context)}")
    if not _CANONICAL.fullmatch(" ".join(tokens)):
        bad = next(t for t in tokens if not _TOKEN.fullmatch(t))
        what = "is too large" if bad.isascii() and bad.isdigit() else "is not a positive integer"
        raise RLEError(f"RLE value {bad!r} {what}{_where(context)}")
    values = np.array(tokens, dtype=np.int64)
    starts, lengths = values[0::2], values[1::2]
    if (starts < 1).any():
        raise RLEError(f"RLE start {int(starts[starts < 1][0])} is below 1 (pixels are numbered from 1)"
                       f"{_where(context)}")
    if (lengths < 1).any():
        i = int(np.flatnonzero(lengths < 1)[0])
        raise RLEError(f"RLE run {i + 1} has length {int(lengths[i])}; lengths must be positive"
                       f"{_where(context)}")
    too_far = (starts > n_pixels) | (lengths > n_pixels)
    if too_far.any():
        i = int(np.flatnonzero(too_far)[0])
        raise RLEError(f"RLE run {i + 1} (start {int(starts[i])}, length {int(lengths[i])}) is past the image end "
                       f"({shape[0]}x{shape[1]} = {n_pixels} pixels){_where(context)}")
    ends = starts + lengths - 1
    if len(starts) > 1:
        gaps = starts[1:] - ends[:-1]
        if (gaps < 1).any():
            i = int(np.flatnonzero(gaps < 1)[0])
            what = "is not sorted" if starts[i + 1] < starts[i] else "overlaps the previous run"
            raise RLEError(f"RLE run {i + 2} (start {int(starts[i + 1])}) {what}{_where(context)}")
    if ends[-1] > n_pixels:
        raise RLEError(f"RLE run ends at pixel {int(ends[-1])}, past the image end "
                       f"({shape[0]}x{shape[1]} = {n_pixels} pixels){_where(context)}")
    return values


def rle_runs(rle: str | float | None, shape: tuple[int, int] = IMAGE_SHAPE,
             context: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Parse and check an RLE string; return (starts, lengths) as int64 arrays, starts 1-based.

    Empty strings, None and NaN (as pandas reads an empty CSV cell) mean an empty mask.
    Raises RLEError naming ``context`` (for example the image and class) when malformed.
    """
    values = _checked_values(rle, shape, context)
    return values[0::2], values[1::2]


def _decode_into(values: np.ndarray, mask: np.ndarray) -> None:
    """Set the pixels of checked, non-empty (start, length, ...) values in a zeroed (height, width)
    C-contiguous mask. The columns from the first run to the last are filled in column-major order
    by one np.repeat of the alternating gap and run lengths, then transposed into the mask; only the
    rows the runs reach are written, so fresh memory is touched (page-faulted) no more than needed."""
    height = mask.shape[0]
    first = values[0::2] - 1  # 0-based column-major index of the first and last pixel of every run
    last = first + values[1::2] - 1
    col0, col1 = int(first[0]) // height, int(last[-1]) // height + 1
    row0, row1 = 0, height
    first_col, first_row = np.divmod(first, height)
    last_col, last_row = np.divmod(last, height)
    if (first_col == last_col).all():  # no run wraps into the next column
        row0, row1 = int(first_row.min()), int(last_row.max()) + 1
    segments = _segments(values, col0 * height + 1, col1 * height + 1)
    if segments.size <= _ZERO_ONE.size:
        zero_one = _ZERO_ONE[:segments.size]
    else:
        zero_one = np.resize(_ZERO_ONE, segments.size)
    columns = np.repeat(zero_one, segments).reshape(col1 - col0, height)
    _transpose(columns[:, row0:row1], out=mask[row0:row1, col0:col1])


def rle_decode(rle: str | float | None, shape: tuple[int, int] = IMAGE_SHAPE,
               context: str | None = None) -> np.ndarray:
    """Decode an RLE string into a C-contiguous uint8 mask of ``shape`` (height, width) holding 0 and 1."""
    values = _checked_values(rle, shape, context)
    mask = np.zeros((int(shape[0]), int(shape[1])), dtype=np.uint8)
    if values.size:
        _decode_into(values, mask)
    return mask


def rle_decode_many(rles: Iterable[str | float | None], shape: tuple[int, int] = IMAGE_SHAPE,
                    contexts: Iterable[str | None] | None = None) -> np.ndarray:
    """Decode N RLE strings of one ``shape`` straight into one C-contiguous (N, height, width) uint8 array.

    The same masks as ``np.stack([rle_decode(r, shape) for r in rles])`` without the per-mask arrays
    and the stacking copy; empty masks cost nothing. An error names ``contexts[i]``, or ``rles[i]``.
    """
    rles = list(rles)
    contexts = [f"rles[{i}]" for i in range(len(rles))] if contexts is None else list(contexts)
    if len(contexts) != len(rles):
        raise ValueError(f"rle_decode_many got {len(rles)} RLE strings but {len(contexts)} contexts")
    height, width = int(shape[0]), int(shape[1])
    masks = np.zeros((len(rles), height, width), dtype=np.uint8)
    for mask, rle, context in zip(masks, rles, contexts):
        values = _checked_values(rle, shape, context)
        if values.size:
            _decode_into(values, mask)
    return masks


def rle_area(rle: str | float | None, shape: tuple[int, int] = IMAGE_SHAPE,
             context: str | None = None) -> int:
    """Number of foreground pixels of an RLE mask, without decoding it."""
    return int(_checked_values(rle, shape, context)[1::2].sum())


def is_empty_rle(rle: str | float | None) -> bool:
    """True for '', whitespace, None or NaN: the encodings of an empty mask."""
    return rle is None or (isinstance(rle, float) and np.isnan(rle)) or not str(rle).strip()
