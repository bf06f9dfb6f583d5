"""Run-length encoding exactly as the Severstal competition defines it.

Pixels are numbered from 1, top to bottom then left to right (column-major order); a mask is a
space-separated list of ``start length`` pairs, sorted and not overlapping. Every function here is
vectorised: no Python loop runs per run.
"""

from __future__ import annotations

import re

import numpy as np

from steeldefect.constants import IMAGE_SHAPE
from steeldefect.errors import RLEError


# Canonical RLE text: ASCII decimal integers separated by single spaces. 18 digits at most, so that
# no value (nor a start plus a length) can overflow int64 before the range checks.
_CANONICAL = re.compile(r"[0-9]{1,18}(?: [0-9]{1,18})*")
_TOKEN = re.compile(r"[0-9]{1,18}")


def _where(context: str | None) -> str:
    return f" ({context})" if context else ""


def rle_encode(mask: np.ndarray) -> str:
    """Encode a 2-D mask (H, W); any non-zero pixel is foreground. An empty mask gives ''."""
    mask = np.asarray(mask)
    if mask.ndim != 2:
        raise RLEError(f"rle_encode expects a 2-D mask (height, width), got shape {mask.shape}")
    # Column-major flattening numbers pixels top to bottom, then left to right.
    pixels = np.concatenate(([False], mask.ravel(order="F") != 0, [False]))
    runs = np.flatnonzero(pixels[1:] != pixels[:-1]) + 1
    runs[1::2] -= runs[::2]
    return " ".join(runs.astype(str).tolist())


def rle_runs(rle: str | float | None, shape: tuple[int, int] = IMAGE_SHAPE,
             context: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Parse and check an RLE string; return (starts, lengths) as int64 arrays, starts 1-based.

    Empty strings, None and NaN (as pandas reads an empty CSV cell) mean an empty mask.
    Raises RLEError naming ``context`` (for example the image and class) when malformed.
    """
    if rle is None or (isinstance(rle, float) and np.isnan(rle)):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if not isinstance(rle, str):
        raise RLEError(f"RLE must be a string, got {type(rle).__name__}{_where(context)}")
    tokens = rle.split()
    if not tokens:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if len(tokens) % 2:
        raise RLEError(f"RLE has an odd number of values ({len(tokens)}){_where(context)}")
    if not _CANONICAL.fullmatch(" ".join(tokens)):
        bad = next(t for t in tokens if not _TOKEN.fullmatch(t))
        what = "is too large" if bad.isascii() and bad.isdigit() else "is not a positive integer"
        raise RLEError(f"RLE value {bad!r} {what}{_where(context)}")
    values = np.array(tokens, dtype=np.int64)
    starts, lengths = values[0::2], values[1::2]
    n_pixels = int(shape[0]) * int(shape[1])
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
    return starts, lengths


def rle_decode(rle: str | float | None, shape: tuple[int, int] = IMAGE_SHAPE,
               context: str | None = None) -> np.ndarray:
    """Decode an RLE string into a uint8 mask of ``shape`` (height, width) holding 0 and 1."""
    starts, lengths = rle_runs(rle, shape, context)
    height, width = int(shape[0]), int(shape[1])
    mask = np.zeros((height, width), dtype=np.uint8)
    if len(starts):
        # 0-based column-major index of every foreground pixel, built without a loop over runs:
        # within run k, pixel j sits at starts[k] - 1 + j.
        index = np.int32 if height * width < 2**31 else np.int64
        offsets = np.repeat((starts - 1 - (np.cumsum(lengths) - lengths)).astype(index), lengths)
        pixels = np.arange(int(lengths.sum()), dtype=index) + offsets
        col, row = np.divmod(pixels, index(height))
        mask.reshape(-1)[row * width + col] = 1  # write straight into the row-major mask
    return mask


def rle_area(rle: str | float | None, shape: tuple[int, int] = IMAGE_SHAPE,
             context: str | None = None) -> int:
    """Number of foreground pixels of an RLE mask, without decoding it."""
    return int(rle_runs(rle, shape, context)[1].sum())


def is_empty_rle(rle: str | float | None) -> bool:
    """True for '', whitespace, None or NaN: the encodings of an empty mask."""
    return rle is None or (isinstance(rle, float) and np.isnan(rle)) or not str(rle).strip()
