"""Optional per-image metadata (a date or a coil per image) to filter the distribution views by range.

The CSV has an image-id column (ImageId, image_id or img) and a filter column: the first whose name
holds "date" or "time" (compared as dates), else one holding "coil" (compared as numbers when they all
are, else as text). ``--metadata-column`` names it explicitly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from steeldefect.data.io import require_file
from steeldefect.data.labels import _read_csv
from steeldefect.analysis.eda.label_sources import ID_COLUMNS
from steeldefect.errors import SteelDefectError

DATE_HINTS = ("date", "time")  # column-name parts of a date column
COIL_HINTS = ("coil",)  # column-name parts of a coil column
DATE_KIND, NUMBER_KIND, TEXT_KIND = "date", "number", "text"


@dataclass(frozen=True)
class Metadata:
    """One filter value per image: ``values`` sorted as ``kind`` says (datetime64, float or str)."""

    column: str
    kind: str
    values: pd.Series  # index: ImageId

    def bounds(self) -> tuple[str, str]:
        """The smallest and largest value, as text for the filter inputs."""
        lo, hi = self.values.min(), self.values.max()
        if self.kind == DATE_KIND:
            return str(lo.date()), str(hi.date())
        return (f"{lo:g}", f"{hi:g}") if self.kind == NUMBER_KIND else (str(lo), str(hi))

    def parse(self, text: str | None):
        """A filter bound typed by the user, in the column's kind; None when blank."""
        if text is None or not str(text).strip():
            return None
        text = str(text).strip()
        try:
            if self.kind == DATE_KIND:
                return pd.Timestamp(text)
            if self.kind == NUMBER_KIND:
                return float(text)
        except ValueError:
            raise SteelDefectError(f"{text!r} is not a {self.kind} like the {self.column} column") from None
        return text

    def select(self, image_ids: np.ndarray, lo: str | None, hi: str | None) -> np.ndarray:
        """bool (N,): images whose value lies in [lo, hi]; with any bound set, unknown images drop out."""
        low, high = self.parse(lo), self.parse(hi)
        if low is None and high is None:
            return np.ones(len(image_ids), dtype=bool)
        values = self.values.reindex(pd.Index(image_ids, dtype=object))
        keep = values.notna()
        if low is not None:
            keep &= (values >= low).fillna(False)
        if high is not None:
            keep &= (values <= high).fillna(False)
        return np.array(keep, dtype=bool)


def _pick_column(columns: list[str], wanted: str | None, path) -> str:
    if wanted is not None:
        if wanted not in columns:
            raise SteelDefectError(f"{path}: no column {wanted!r}; columns: {', '.join(columns)}")
        return wanted
    for hints in (DATE_HINTS, COIL_HINTS):
        found = [c for c in columns if any(h in c.lower() for h in hints)]
        if found:
            return found[0]
    raise SteelDefectError(f"{path}: no date or coil column found among {', '.join(columns)}; "
                           "name one with --metadata-column")


def load_metadata(path: str | os.PathLike, column: str | None = None) -> Metadata:
    """Read a metadata CSV; one-line errors for a missing id or filter column or unparsable dates."""
    path = require_file(path, "metadata file")
    df = _read_csv(path)
    id_col = next((c for c in ID_COLUMNS if c in df.columns), None)
    if id_col is None:
        raise SteelDefectError(f"{path}: no image-id column (one of {', '.join(ID_COLUMNS)})")
    col = _pick_column([c for c in df.columns if c != id_col], column, path)
    raw = df[col].str.strip().replace("", np.nan)
    ids = df[id_col].str.strip()
    if any(h in col.lower() for h in DATE_HINTS):
        values = pd.to_datetime(raw, errors="coerce")
        bad = values.isna() & raw.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise SteelDefectError(f"{path} line {i + 2}: {raw.iloc[i]!r} in column {col} is not a date")
        kind = DATE_KIND
    else:
        numbers = pd.to_numeric(raw, errors="coerce")
        kind = NUMBER_KIND if (numbers.notna() == raw.notna()).all() else TEXT_KIND
        values = numbers if kind == NUMBER_KIND else raw
    series = pd.Series(values.to_numpy(), index=pd.Index(ids, dtype=object)).dropna()
    if series.empty:
        raise SteelDefectError(f"{path}: column {col} holds no values")
    return Metadata(col, kind, series[~series.index.duplicated()])
