"""`steeldefect select`: choose the ensemble's members, TTA views and reducer on OOF under a time budget."""

from __future__ import annotations

import argparse
from pathlib import Path

from steeldefect.artifacts.ensemble_file import ENSEMBLE_FILE
from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import REDUCER_CHOICES, TTA_CHOICES, add_batch_size_option, comma_list, path_or_none
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.run_meta import META_FILE
from steeldefect.artifacts.oof import OOF_FILE
from steeldefect.stages.select_stage import SelectArgs, select


def _add(p):
    p.add_argument("--runs", required=True, metavar="DIR", help="runs folder holding segmenter/ (and classifier/) runs")
    p.add_argument("--budget-s", type=float, required=True,
                   help="seconds the ensemble may take to predict --n-images images (e.g. 3000 for the Kaggle hour "
                        "less a margin)")
    p.add_argument("--n-images", type=int, default=None, metavar="N", help="how many images it predicts (Kaggle: 5506)")
    p.add_argument("--images", dest="n_images", type=int, help=argparse.SUPPRESS)  # older spelling: elsewhere a folder
    p.add_argument("--out", required=True, metavar="FILE",
                   help="ensemble YAML to write; a plot and the costs go beside it")
    p.add_argument("--labels", default=None, metavar="FILE", help="the train.csv the runs were trained on (any layout)")
    p.add_argument("--data", default=None, metavar="DIR",
                   help=f"dataset folder the runs trained on (default: the one their {META_FILE} names); its "
                        "images are predicted under the TTA flips once, and timed")
    p.add_argument("--costs", default=None, metavar="FILE",
                   help="costs YAML measured elsewhere (e.g. on the GPU that will predict); default: measure here")
    p.add_argument("--reducers", default=None, type=comma_list(REDUCER_CHOICES, "reducer"),
                   help=f"reducers tried, comma-separated, from {', '.join(REDUCER_CHOICES)} (default all)")
    p.add_argument("--tta", default="both", choices=TTA_CHOICES,
                   help="TTA views it may add: both (default: the flips, one at a time) or none")
    p.add_argument("--no-tta", dest="tta", action="store_const", const="none", help=argparse.SUPPRESS)  # = --tta none
    p.add_argument("--min-gain", type=float, default=0.0, help="smallest OOF Dice gain a move must bring (default 0)")
    add_batch_size_option(p)


@command("select",
         description="Greedy forward selection of the ensemble: start from the best single segmenter member "
                     "(its folds averaged), then repeatedly add the segmenter member, classifier member or TTA "
                     "view that raises the tuned OOF Dice most while the estimated prediction time of --n-images "
                     "images stays within --budget-s; finally try the other reducers. A candidate's score is "
                     "the exact threshold search of `steeldefect tune` (stage 1) on its OOF predictions under "
                     "its views; the OOF predictions under the flips are made once per run and kept beside "
                     f"{OOF_FILE}. Costs per image are timed here (one fold model of each member, plus decoding, "
                     f"post-processing and RLE) or read with --costs (a costs file written by select on another machine, e.g. the GPU that will predict). Writes {ENSEMBLE_FILE} for "
                     "`predict`, `tune`, `pseudo-label` and `kaggle-package --ensemble`.",
         epilog="example:\n  steeldefect select --runs runs/demo --budget-s 3000 --n-images 5506 "
                f"--out runs/demo/{ENSEMBLE_FILE}\n"
                f"  steeldefect tune --runs runs/demo --ensemble runs/demo/{ENSEMBLE_FILE} --out runs/demo/{THRESHOLDS_FILE}")
@arguments(_add)
def run(args) -> int:
    if args.n_images is None:
        raise SteelDefectError("give how many images the ensemble predicts: --n-images N (Kaggle: 5506)")
    result = select(SelectArgs(
        runs=Path(args.runs), budget_s=args.budget_s, n_images=args.n_images, out=Path(args.out),
        labels=path_or_none(args.labels), data=path_or_none(args.data), costs=path_or_none(args.costs),
        reducers=args.reducers, tta=args.tta, min_gain=args.min_gain, batch_size=args.batch_size))
    print(result.text())
    print(f"next: steeldefect tune --runs {args.runs} --ensemble {result.out} --out THRESHOLDS.yaml")
    return 0
