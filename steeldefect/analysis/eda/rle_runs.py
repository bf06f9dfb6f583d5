"""Fast reading of RLE strings that were already validated (``read_labels`` checks every RLE).

For the full training set the analysis reads ~14,000 masks at start-up; numpy's text parser
(``np.fromstring`` with a separator) reads them about four times faster than splitting into Python
strings. Only use these on checked RLE; ``steeldefect.data.rle.rle_runs`` is the validating reader.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from steeldefect.data.labels import table_rle_columns


def parse_runs(rle: str) -> tuple[np.ndarray, np.ndarray]:
    """(starts, lengths) int64 of a validated RLE string ('' gives two empty arrays)."""
    values = np.fromstring(rle, dtype=np.int64, sep=" ") if rle else np.empty(0, np.int64)
    return values[0::2], values[1::2]


def run_areas(table: pd.DataFrame) -> np.ndarray:
    """int64 (N, K): mask area per image and class, the sum of the run lengths.

    Same result as ``steeldefect.data.labels.label_areas``, for a table whose RLE are validated.
    """
    return np.stack([np.fromiter((parse_runs(r)[1].sum() if r else 0 for r in table[col]), dtype=np.int64,
                                 count=len(table)) for col in table_rle_columns(table)], axis=1)
