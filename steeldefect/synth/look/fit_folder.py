"""Fit a look on a folder of real strips: the I/O edge of ``fit.fit_look``.

With a strips table (strips.csv of ../shared/real: ImageId, split, class_1..class_4), only the strips
of the chosen part (``split.split_real``) are used, and of those only the clean training strips and
the test strips (mostly clean): the look is the look of steel without its labelled defects; the
margins, the grain roughness and the grain direction of the part's training strips are also measured by
class (``margins.class_margins``, ``roughness.class_roughness``, ``anisotropy``), and the steel's edge
beside a margin on all the part's strips (``edges``).
Without a table every image of the folder is used (``data.images.list_images``). The JPEG quality is read from the
strips' own quantisation tables (the most common one; None for PNG strips).
"""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from steeldefect.artifacts.look_file import Look
from steeldefect.data.images import list_images, read_image
from steeldefect.errors import SteelDefectError
from steeldefect.synth.look.fit import fit_look
from steeldefect.synth.look.anisotropy import class_anisotropy, fit_stretches, grain_anisotropy
from steeldefect.synth.look.edges import fit_edge
from steeldefect.synth.look.margins import class_margins
from steeldefect.synth.look.measure import margin, steel
from steeldefect.synth.look.roughness import class_roughness, median_gradient
from steeldefect.synth.look.split import FLAG_COLUMNS, split_real

STANDARD_QUALITIES = range(1, 101)  # libjpeg qualities tried against a strip's luminance table
DEFAULT_QUALITY = 90  # when no strip is a JPEG


def jpeg_quality(path: Path) -> int | None:
    """The libjpeg quality whose standard luminance table the JPEG at ``path`` carries, else None."""
    with Image.open(path) as image:
        tables = getattr(image, "quantization", None)
    if not tables:
        return None
    return _standard_tables().get(tuple(tables[0]))


@lru_cache(maxsize=1)
def _standard_tables() -> dict[tuple[int, ...], int]:
    """libjpeg's luminance table of every quality in STANDARD_QUALITIES -> that quality."""
    tables: dict[tuple[int, ...], int] = {}
    blank = Image.new("L", (8, 8))
    for q in STANDARD_QUALITIES:
        buffer = io.BytesIO()
        blank.save(buffer, "JPEG", quality=q)
        with Image.open(buffer) as image:
            tables.setdefault(tuple(image.quantization[0]), q)
    return tables


def _table(table: Path, part: str | None) -> pd.DataFrame:
    strips = pd.read_csv(table)
    missing = [c for c in ("ImageId", "split", *FLAG_COLUMNS) if c not in strips.columns]
    if missing:
        raise SteelDefectError(f"{table}: missing column(s) {', '.join(missing)}")
    strips[list(FLAG_COLUMNS)] = strips[list(FLAG_COLUMNS)].fillna(0)
    return strips[split_real(strips) == part] if part is not None else strips


def _paths(folder: Path, table: Path, names) -> list[Path]:
    paths = [folder / i for i in sorted(names)]
    absent = [p.name for p in paths if not p.is_file()]
    if absent:
        raise SteelDefectError(f"{folder}: {len(absent)} strip(s) of {table} missing, e.g. {absent[0]}")
    return paths


def chosen_strips(folder: Path, table: Path | None, part: str | None) -> list[Path]:
    """The strips the look is fitted on (see the module docstring)."""
    if table is None:
        paths = [folder / name for name in list_images(folder)]
    else:
        strips = _table(table, part)
        clean = strips[list(FLAG_COLUMNS)].sum(axis=1) == 0
        paths = _paths(folder, table, strips.loc[(strips["split"] == "test") | clean, "ImageId"])
    if not paths:
        raise SteelDefectError(f"{folder}: no strips to fit a look on")
    return paths


def _grey(path: Path) -> np.ndarray:
    return read_image(path, channels=1)[:, :, 0].astype(np.float32)


def by_class(folder: Path, table: Path, part: str | None, look: Look, fitted: dict[str, np.ndarray]) -> Look:
    """``look`` with the margins (``margins.class_margins``), grain roughness (``roughness.class_roughness``,
    against the median gradient of the ``fitted`` strips, name -> grey) and grain direction
    (``anisotropy``) of the labelled training strips of ``table`` (those among ``fitted`` are not read
    again), and the steel's edge (``edges``) measured on them and the ``fitted`` strips together."""
    strips = _table(table, part)
    strips = strips[strips["split"] == "train"].sort_values("ImageId")
    paths = _paths(folder, table, strips["ImageId"])
    greys = [fitted[p.name] if p.name in fitted else _grey(p) for p in paths]
    fitted_steels = [s for s in (steel(g) for g in fitted.values()) if s is not None]
    flags = strips[list(FLAG_COLUMNS)].to_numpy() > 0
    steels = [steel(g) for g in greys]
    gradients = np.array([median_gradient(s) if s is not None else np.nan for s in steels])
    base = float(np.median([median_gradient(s) for s in fitted_steels]))
    ratios = np.array([grain_anisotropy(s) if s is not None else np.nan for s in steels])
    named = {p.name for p in paths}
    edge = fit_edge(greys + [g for name, g in fitted.items() if name not in named]) or look.margin_edge
    look = replace(look, class_margins=class_margins([margin(g) for g in greys], flags, look.margin_widths),
                   class_roughness=class_roughness(gradients, flags, base), margin_edge=edge)
    return replace(look, class_stretch=fit_stretches(look, class_anisotropy(ratios, flags)))


def fit_folder(folder: str | Path, table: str | Path | None = None, part: str | None = None) -> Look:
    """The look of the chosen strips of ``folder``."""
    folder = Path(folder)
    paths = chosen_strips(folder, Path(table) if table else None, part)
    greys = [_grey(path) for path in paths]
    qualities = Counter(q for q in (jpeg_quality(p) for p in paths) if q is not None)
    quality = qualities.most_common(1)[0][0] if qualities else DEFAULT_QUALITY
    described = f"{len(paths)} strips of {folder.name}/" + (f" ({part} part of {Path(table).name})" if part else "")
    look = fit_look(greys, described, quality)
    if table is None:
        return look
    return by_class(folder, Path(table), part, look, {p.name: g for p, g in zip(paths, greys)})
