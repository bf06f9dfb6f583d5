"""Stage `tfrecords`: pack a dataset folder's training set into TFRecord shards."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from steeldefect.pipeline.tfrecords import write_tfrecords


@dataclass(frozen=True)
class TfrecordsArgs:
    data: Path  # dataset folder holding train.csv and train_images/
    out: str  # output folder, local or gs://bucket/path (a str: Path would fold gs:// to gs:/)
    shards: int = 8


@dataclass(frozen=True)
class TfrecordsResult:
    out: str
    n_images: int
    n_shards: int


def tfrecords(args: TfrecordsArgs) -> TfrecordsResult:
    """Write each training image's bytes and its RLE masks into ``args.shards`` TFRecord files."""
    manifest = write_tfrecords(args.data, args.out, args.shards)
    return TfrecordsResult(args.out, manifest.count, len(manifest.shards))
