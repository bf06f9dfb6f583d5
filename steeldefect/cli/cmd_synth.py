"""`steeldefect synth`: write a synthetic dataset folder in the Kaggle layout."""

from __future__ import annotations

import argparse

from steeldefect.cli.commands import arguments, command


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="dataset folder to write (created if missing)")
    p.add_argument("--train", type=int, required=True, help="number of training images")
    p.add_argument("--test", type=int, default=0, help="number of test images (default 0)")
    p.add_argument("--seed", type=int, default=0, help="seed; the same seed gives the same bytes (default 0)")
    p.add_argument("--workers", type=int, default=1, help="processes rendering images (default 1)")
    p.add_argument("--force", action="store_true",
                   help="write into a folder that holds other files or another synthetic dataset")
    p.add_argument("--contrast", type=float, default=1.0,
                   help="scale of every defect's grey-level change (default 1: the look calibrated on real "
                        "strips; run_all.sh's CPU demo uses 2 so that a B0 trained from scratch in minutes "
                        "can find them)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


@command("synth", help="write a synthetic Severstal-like dataset (images, train.csv, test labels)",
         description="Write DIR/train_images, DIR/test_images, DIR/train.csv, DIR/test_labels.csv (hidden "
                     "truth of the test images) and DIR/sample_submission.csv, all in the original Kaggle "
                     "layout. Rerunning with the same arguments finishes an interrupted run.",
         epilog="examples:\n  steeldefect synth --out data/synth --train 300 --test 100 --seed 0")
@arguments(_add)
def run(args: argparse.Namespace) -> int:
    from steeldefect.synth.generator import generate_dataset

    summary = generate_dataset(args.out, args.train, args.test, args.seed, force=args.force,
                               workers=args.workers, progress=not args.quiet,
                               contrast=args.contrast)
    print(summary.line())
    return 0
