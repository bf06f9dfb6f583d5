"""`steeldefect pseudo-label`: label the test images the ensemble is sure of, for another training round."""

from __future__ import annotations

from pathlib import Path

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import REDUCER_CHOICES, TTA_CHOICES
from steeldefect.runfolder import DONE_FILE


def _add(p):
    p.add_argument("--runs", default=None, help=f"runs folder: every classifier and segmenter run with {DONE_FILE}")
    p.add_argument("--models", nargs="+", default=None, metavar="RUN_DIR", help="explicit run folders instead")
    p.add_argument("--images", required=True, help="folder of the unlabelled images (e.g. test_images)")
    p.add_argument("--thresholds", required=True, help="thresholds YAML of `steeldefect tune` (its gates are opened)")
    p.add_argument("--out", required=True, help="labels CSV to write (train.csv layout, clean images listed)")
    p.add_argument("--ensemble", default=None, help="ensemble.yaml of `steeldefect select`")
    p.add_argument("--tta", default=None, choices=TTA_CHOICES, help="test-time augmentation (default none)")
    p.add_argument("--reducer", default=None, choices=REDUCER_CHOICES,
                   help="how models and views combine (default mean)")
    p.add_argument("--clean-below", type=float, default=0.05,
                   help="keep an image as clean when its defect probability is at most this and no mask survives")
    p.add_argument("--defect-above", type=float, default=0.95,
                   help="keep an image with its masks when its defect probability is at least this")
    p.add_argument("--truth", default=None,
                   help="hidden labels of the images (the synthetic test_labels.csv): print the pseudo labels' precision")
    p.add_argument("--limit", type=int, default=None, help="only the first N images")
    p.add_argument("--batch-size", type=int, default=8, help="images per model call (default 8)")


@command("pseudo-label", help="label the unlabelled images the ensemble is sure of (pseudo labels)",
         description="Predict the images with the ensemble, segmenting every image (the thresholds' gates are "
                     "opened), and keep those it is sure of: clean when the classifier's defect probability is "
                     "at most --clean-below and no mask survives post-processing; defective, with its masks, "
                     "when the probability is at least --defect-above and a mask survives. Writes them as a "
                     "train.csv (original layout, clean images listed) for the config's data.pseudo_labels, "
                     "which mixes them into training at data.pseudo_share of every batch.",
         epilog="example:\n  steeldefect pseudo-label --runs runs/demo --images runs/demo/data/test_images "
                "--thresholds runs/demo/thresholds.yaml --out runs/demo/pseudo_labels.csv")
@arguments(_add)
def run(args) -> int:
    from dataclasses import replace

    import pandas as pd
    from tqdm import tqdm

    from steeldefect.cli.cmd_predict import ensemble_option
    from steeldefect.data.labels import read_labels, write_labels
    from steeldefect.devices import announce_inference
    from steeldefect.errors import SteelDefectError
    from steeldefect.postprocess.thresholds import check_resolution, load_thresholds
    from steeldefect.prediction.keras_ensemble import load_ensemble, planned_out_size, select_runs
    from steeldefect.prediction.predict import PredictOptions, image_list, predict_images
    from steeldefect.prediction.pseudo_labels import PseudoRule, choose_pseudo, pseudo_precision

    if not args.runs and not args.models:
        raise SteelDefectError("give the models: --runs RUNS_FOLDER or --models RUN_DIR ...")
    rule = PseudoRule(args.clean_below, args.defect_above)
    rule.validate()
    truth = read_labels(args.truth) if args.truth else None
    spec = ensemble_option(args)
    thresholds = load_thresholds(args.thresholds)
    opened = replace(thresholds, classes=tuple(replace(c, gate=0.0) for c in thresholds.classes))
    classifier_runs, segmenter_runs = select_runs(args.runs, args.models, spec)
    if not classifier_runs:
        raise SteelDefectError("pseudo labels need classifier runs (the defect probability decides what is kept)")
    if segmenter_runs:
        check_resolution(thresholds, planned_out_size(segmenter_runs), args.thresholds)
    ids, _ = image_list(args.images, None, args.limit)
    out = Path(args.out)
    predicted = out.with_name(f"{out.stem}_predict.csv")
    announce_inference("pseudo-label", classifier_runs + segmenter_runs, out.parent)
    forward = load_ensemble(args.runs, args.models, args.tta, args.reducer, True, batch_size=args.batch_size,
                            spec=spec)
    with tqdm(total=len(ids), desc="predict", unit="img") as bar:
        report = predict_images(ids, args.images, forward, opened, predicted,
                                PredictOptions(batch_size=args.batch_size), progress=bar.update)
    per_image = pd.read_csv(report.per_image)
    kept, counts = choose_pseudo(per_image, read_labels(predicted), rule)
    write_labels(kept, out)
    print(f"{counts['images']} images: kept {counts['clean']} clean and {counts['defective']} defective, "
          f"left out {counts['left_out']} (defect probability between {rule.clean_below:g} and "
          f"{rule.defect_above:g}, or the segmenters disagree)")
    if truth is not None:
        missing = sorted(set(kept["ImageId"]) - set(truth["ImageId"]))
        if missing:
            raise SteelDefectError(f"--truth {args.truth} has no labels for {missing[0]} ({len(missing)} missing)")
        precision = pseudo_precision(kept, truth)
        fmt = lambda v: "-" if v is None else f"{v:.4f}"  # noqa: E731
        print(f"against {args.truth}: clean precision {fmt(precision['clean_precision'])}, defect precision "
              f"{fmt(precision['defect_precision'])}, mean Dice of the kept pairs {fmt(precision['mean_dice'])}")
    print(f"-> {out} (predictions: {predicted}, {Path(report.per_image).name})")
    print(f"next: set data.pseudo_labels: {out} and data.pseudo_images: {args.images} in a config and train a new "
          "runs folder")
    return 0
