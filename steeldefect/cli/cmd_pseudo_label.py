"""`steeldefect pseudo-label`: label the test images the ensemble is sure of, for another training round."""

from __future__ import annotations

from pathlib import Path

from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import (add_batch_size_option, add_ensemble_options, add_models_options,
                                     add_thresholds_option, path_or_none, paths_or_none)
from steeldefect.artifacts.run_folder import DONE_FILE
from steeldefect.stages.pseudo_label_stage import PseudoLabelArgs, pseudo_label


def _add(p):
    add_models_options(p, f"runs folder: every classifier and segmenter run with {DONE_FILE}")
    p.add_argument("--images", required=True, metavar="DIR", help="folder of the unlabelled images (e.g. test_images)")
    add_thresholds_option(p, default_help=" (its gates are opened)")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="labels CSV to write (train.csv layout, clean images listed)")
    add_ensemble_options(p)
    p.add_argument("--clean-below", type=float, default=0.05,
                   help="keep an image as clean when its defect probability is at most this and no mask survives")
    p.add_argument("--defect-above", type=float, default=0.95,
                   help="keep an image with its masks when its defect probability is at least this")
    p.add_argument("--truth", default=None, metavar="FILE",
                   help="hidden labels of the images (the synthetic test_labels.csv): print the pseudo labels' precision")
    p.add_argument("--limit", type=int, default=None, help="only the first N images")
    add_batch_size_option(p)


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.4f}"


@command("pseudo-label",
         description="Predict the images with the ensemble, segmenting every image (the thresholds' gates are "
                     "opened), and keep those it is sure of: clean when the classifier's defect probability is "
                     "at most --clean-below and no mask survives post-processing; defective, with its masks, "
                     "when the probability is at least --defect-above and a mask survives. Writes them as a "
                     "train.csv (original layout, clean images listed) for the config's data.pseudo_labels, "
                     "which mixes them into training at data.pseudo_share of every batch.",
         epilog="example:\n  steeldefect pseudo-label --runs runs/demo --images runs/demo/data/test_images "
                f"--thresholds runs/demo/{THRESHOLDS_FILE} --out runs/demo/pseudo_labels.csv")
@arguments(_add)
def run(args) -> int:
    result = pseudo_label(PseudoLabelArgs(
        images=Path(args.images), thresholds=Path(args.thresholds), out=Path(args.out), runs=path_or_none(args.runs),
        models=paths_or_none(args.models), ensemble=path_or_none(args.ensemble), tta=args.tta, reducer=args.reducer,
        clean_below=args.clean_below, defect_above=args.defect_above, truth=path_or_none(args.truth),
        limit=args.limit, batch_size=args.batch_size))
    counts = result.counts
    print(f"{counts['images']} images: kept {counts['clean']} clean and {counts['defective']} defective, "
          f"left out {counts['left_out']} (defect probability between {args.clean_below:g} and "
          f"{args.defect_above:g}, or the segmenters disagree)")
    if result.precision is not None:
        p = result.precision
        print(f"against {args.truth}: clean precision {_fmt(p['clean_precision'])}, defect precision "
              f"{_fmt(p['defect_precision'])}, mean Dice of the kept pairs {_fmt(p['mean_dice'])}")
    print(f"-> {result.out} (predictions: {result.predicted}, {result.per_image.name})")
    print(f"next: set data.pseudo_labels: {result.out} and data.pseudo_images: {args.images} in a config and train "
          "a new runs folder")
    return 0
