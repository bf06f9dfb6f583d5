"""`steeldefect score`: the competition metric of a submission against the truth."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from steeldefect.artifacts.dataset_file import DATASET_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import path_or_none
from steeldefect.stages.score_stage import ScoreArgs, score


def _add(p):
    p.add_argument("--truth", required=True, metavar="FILE",
                   help="truth CSV (train.csv or test_labels.csv, any layout)")
    p.add_argument("--pred", required=True, metavar="FILE", help="submission CSV to score (either layout)")
    p.add_argument("--images", default=None, metavar="DIR",
                   help="image folder listing the truth's images, needed only for a truth in the "
                        "later layout (default: train_images/ beside the truth CSV)")
    p.add_argument("--data", default=None, metavar="DATASET_FOLDER",
                   help=f"dataset folder whose {DATASET_FILE} names the classes and image sizes, and whose "
                        "test_images/ (train_images/ for a train.csv truth) give each image's size when "
                        f"sizes are mixed (default: the truth's folder when it holds {DATASET_FILE}; else "
                        "Severstal's four classes at 256x1600)")
    p.add_argument("--truth-images", dest="images", help=argparse.SUPPRESS)  # the older spelling of --images
    p.add_argument("--json", action="store_true", help="print the report as JSON")


@command("score",
         description="Mean Dice over all (image, class) pairs, a pair with both masks empty scoring 1, "
                     "as Kaggle computes it; also per-class Dice and the counts of empty/non-empty "
                     "decisions (tp = both non-empty, fp = predicted on a clean pair, fn = missed, "
                     "tn = both empty), and the plant metrics per named class: pixel Dice and IoU over "
                     "all images, mean per-image Dice, image-level precision and recall. Either CSV may be in either layout.",
         epilog="example:\n  steeldefect score --truth data/synth/test_labels.csv --pred runs/submission.csv")
@arguments(_add)
def run(args) -> int:
    result = score(ScoreArgs(truth=Path(args.truth), pred=Path(args.pred), images=path_or_none(args.images),
                                 data=path_or_none(args.data)))
    print(json.dumps(result.report, indent=2) if args.json else result.text())
    return 0
