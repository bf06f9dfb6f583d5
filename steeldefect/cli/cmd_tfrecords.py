"""`steeldefect tfrecords`: pack a dataset folder's training set into TFRecord shards."""

from __future__ import annotations

from steeldefect.cli.commands import arguments, command


def _add(p):
    p.add_argument("--data", required=True, help="dataset folder holding train.csv and train_images/")
    p.add_argument("--out", required=True, help="output folder, local or gs://bucket/path")
    p.add_argument("--shards", type=int, default=8, help="number of TFRecord files (default 8)")


@command("tfrecords", help="write the training set as TFRecord shards (for TPU / cloud training)",
         description="Store each training image's original bytes and its four RLE masks in TFRecord "
                     "shards, with labels.csv and a tfrecords.json manifest. `steeldefect train --data` "
                     "accepts the output folder (local or gs://) in place of the dataset folder.",
         epilog="example:\n  steeldefect tfrecords --data data/synth --out data/synth-tfrecords --shards 4")
@arguments(_add)
def run(args) -> int:
    from steeldefect.pipeline.tfrecords import write_tfrecords

    manifest = write_tfrecords(args.data, args.out, args.shards)
    print(f"{manifest['count']} images in {len(manifest['shards'])} shards -> {args.out}")
    return 0
