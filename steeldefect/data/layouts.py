"""Recognising the CSV layouts of the competition by their header.

Layouts of label and submission files:
- original: ``ImageId_ClassId,EncodedPixels``, four rows per image, key ``<image>_<class>``;
- later: ``ImageId,ClassId,EncodedPixels`` (train) or ``ImageId,EncodedPixels,ClassId`` (submission),
  one row per (image, class) given;
- pivot: ``1,2,3,4,...,img`` (one row per image, one column per class; shared/real/train_masks_2515.csv).
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

from steeldefect.constants import CLASS_IDS, LATER_LAYOUT, ORIGINAL_LAYOUT
from steeldefect.data.io import require_file
from steeldefect.errors import SteelDefectError

PIVOT_LAYOUT = "pivot"  # one row per image with a column per class
ORIGINAL_HEADER = ("ImageId_ClassId", "EncodedPixels")
LATER_COLUMNS = {"ImageId", "ClassId", "EncodedPixels"}
PIVOT_COLUMNS = {str(c) for c in CLASS_IDS} | {"img"}
KNOWN_HEADERS = ("ImageId_ClassId,EncodedPixels", "ImageId,ClassId,EncodedPixels",
                 "ImageId,EncodedPixels,ClassId", "1,2,3,4,defects,img")


def read_header(path: str | os.PathLike) -> list[str]:
    """The first row of a CSV file, stripped; a one-line error if the file is missing or empty."""
    path = require_file(path, "CSV file")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        try:
            header = next(csv.reader(fh))
        except StopIteration:
            raise SteelDefectError(f"{path}: the file is empty (expected a CSV header)") from None
        except (csv.Error, UnicodeDecodeError) as err:
            raise SteelDefectError(f"{path}: not a readable CSV file ({err})") from None
    return [h.strip() for h in header]


def detect_layout(path: str | os.PathLike) -> str:
    """Return ORIGINAL_LAYOUT, LATER_LAYOUT or PIVOT_LAYOUT from the header of ``path``."""
    header = read_header(path)
    if tuple(header) == ORIGINAL_HEADER:
        return ORIGINAL_LAYOUT
    if set(header) == LATER_COLUMNS and len(header) == 3:
        return LATER_LAYOUT
    if PIVOT_COLUMNS <= set(header):
        return PIVOT_LAYOUT
    raise SteelDefectError(
        f"{Path(path)}: unrecognised CSV header {','.join(header)!r}; expected one of: "
        + " | ".join(KNOWN_HEADERS))
