"""Stage `eda`: label statistics, mask shapes and charts of a dataset or a label file."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EdaArgs:
    data: Path | None = None  # dataset folder (train.csv, optionally train_images/)
    labels: Path | None = None  # a label file instead of DATA/train.csv
    images: Path | None = None  # image folder (default DATA/train_images when present)
    out: Path | None = None  # default DATA/eda, or ./eda without data
    samples: int = 3  # sample images drawn per class
    seed: int = 0
    shapes: bool = True  # the per-mask shape pass


@dataclass(frozen=True)
class EdaResult:
    out: Path
    source: str  # one line on what was read
    table: str  # the statistics as a table
    written: tuple[Path, ...]

    def text(self) -> str:
        """The statistics, then the files written."""
        names = ", ".join(p.name for p in self.written)
        return f"{self.table}\nwrote {len(self.written)} files to {self.out}: {names}"


def default_out(data: Path | None) -> Path:
    return Path(data) / "eda" if data else Path("eda")


def eda(args: EdaArgs) -> EdaResult:
    """Compute the statistics of the labels and write eda.json and the charts into ``args.out``."""
    from steeldefect.analysis.eda import (compute_eda, format_eda, load_label_source,  # heavy: matplotlib (eda.plots)
                                 resolve_inputs, write_eda)
    from steeldefect.analysis.eda.label_sources import labels_dataset, summary_of  # heavy: matplotlib (eda.plots)

    labels, images = resolve_inputs(args.data, args.labels, args.images)
    out = Path(args.out) if args.out else default_out(args.data)
    source = load_label_source(labels, images_dir=images, spec=labels_dataset(args.data, args.labels))
    log.info(summary_of(source))
    result = compute_eda(source, shapes=args.shapes)
    written = write_eda(result, source, out, images_dir=images, per_class=args.samples, seed=args.seed)
    return EdaResult(out, summary_of(source), format_eda(result), tuple(Path(p) for p in written))
