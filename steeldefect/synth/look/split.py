"""Split real strips into a part the synthetic look is tuned on and a part it is only measured on.

Deterministic and independent of the folder's order: within each group of strips with the same
split (train/test) and class flags, strips are ordered by a hash of their ImageId and alternate
between the two parts, so both parts hold every kind of strip in about equal numbers.
"""

from __future__ import annotations

import hashlib

import pandas as pd

TUNE, MEASURE = "tune", "measure"
FLAG_COLUMNS = ("class_1", "class_2", "class_3", "class_4")


def _hash(image_id: str) -> str:
    return hashlib.sha256(image_id.encode()).hexdigest()


def split_real(strips: pd.DataFrame) -> pd.Series:
    """'tune' or 'measure' per row of a strips.csv table (ImageId, split, class_1..class_4)."""
    flags = [c for c in FLAG_COLUMNS if c in strips.columns]
    keys = strips[["split", *flags]].fillna(-1).astype(str).agg("/".join, axis=1)
    part = pd.Series(MEASURE, index=strips.index)
    for _, group in strips.groupby(keys, sort=True):
        order = sorted(group.index, key=lambda i: _hash(str(strips.at[i, "ImageId"])))
        part.loc[order[0::2]] = TUNE
    return part
