"""`steeldefect tfrecords`: pack a dataset folder's training set into TFRecord shards."""

from __future__ import annotations

from pathlib import Path

from steeldefect.artifacts.tfrecords_manifest import TFRECORDS_LABELS_FILE, TFRECORDS_MANIFEST_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.stages.tfrecords_stage import TfrecordsArgs, tfrecords


def _add(p):
    p.add_argument("--data", metavar="DIR", required=True, help="dataset folder holding train.csv and train_images/")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder, local or gs://bucket/path")
    p.add_argument("--shards", type=int, default=8, help="number of TFRecord files (default 8)")


@command("tfrecords",
         description="Store each training image's original bytes and its four RLE masks in TFRecord "
                     f"shards, with {TFRECORDS_LABELS_FILE} and a {TFRECORDS_MANIFEST_FILE} manifest. `steeldefect train --data` "
                     "accepts the output folder (local or gs://) in place of the dataset folder.",
         epilog="example:\n  steeldefect tfrecords --data data/synth --out data/synth-tfrecords --shards 4")
@arguments(_add)
def run(args) -> int:
    result = tfrecords(TfrecordsArgs(data=Path(args.data), out=args.out, shards=args.shards))
    print(f"{result.n_images} images in {result.n_shards} shards -> {result.out}")
    return 0
