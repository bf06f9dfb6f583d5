"""`steeldefect eda`: label statistics, mask shapes and charts of a dataset or label file."""

from __future__ import annotations

from steeldefect.artifacts.dataset_file import DATASET_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import path_or_none
from steeldefect.stages.eda_stage import EdaArgs, eda


def _add(p):
    p.add_argument("--data", metavar="DIR", default=None, help="dataset folder (train.csv, optionally train_images/)")
    p.add_argument("--labels", metavar="FILE", default=None,
                   help="label file to analyse instead of DATA/train.csv: any layout (original, later, "
                        "pivot), a submission, or a per-image summary (area_class_1..K or 0/1 flags 1..K; K from "
                        f"the {DATASET_FILE} of --data or beside the labels, else 4)")
    p.add_argument("--images", metavar="DIR", default=None,
                   help="image folder (default: DATA/train_images when present)")
    p.add_argument("--out", default=None, metavar="DIR", help="output folder for eda.json and the charts "
                                                              "(default: DATA/eda, or ./eda without --data)")
    p.add_argument("--samples", type=int, default=3, help="sample images drawn per class (default 3)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample choice (default 0)")
    p.add_argument("--no-shapes", action="store_true",
                   help="skip the per-mask shape pass (connected components, bounding boxes)")


@command("eda",
         description="Counts images by number of classes, per class and per class combination; mask "
                     "areas per class (count, p10, median, p90, mean); with masks (RLE) also connected "
                     "components and bounding-box sizes. Writes PNG charts (and sample images with "
                     "coloured mask contours when images are present) and eda.json into --out.",
         epilog="examples:\n  steeldefect eda --data data/synth\n"
                "  steeldefect eda --labels shared/real/train_mask_areas.csv --out runs/eda_real")
@arguments(_add)
def run(args) -> int:
    result = eda(EdaArgs(data=path_or_none(args.data), labels=path_or_none(args.labels),
                         images=path_or_none(args.images), out=path_or_none(args.out), samples=args.samples,
                         seed=args.seed, shapes=not args.no_shapes))
    print(result.text())
    return 0
