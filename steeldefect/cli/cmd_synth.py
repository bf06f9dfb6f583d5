"""`steeldefect synth`: write a synthetic dataset folder in the Kaggle layout."""

from __future__ import annotations

import argparse
from pathlib import Path

from steeldefect.logs import QUIET
from steeldefect.cli.commands import arguments, command
from steeldefect.stages.synth_stage import SynthArgs, synth


def _add(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, metavar="DIR", help="dataset folder to write (created if missing)")
    p.add_argument("--train", type=int, required=True, help="number of training images")
    p.add_argument("--test", type=int, default=0, help="number of test images (default 0)")
    p.add_argument("--seed", type=int, default=0, help="seed; the same seed gives the same bytes (default 0)")
    p.add_argument("--workers", type=int, default=1, help="processes rendering images (default 1)")
    p.add_argument("--force", action="store_true",
                   help="write into a folder that holds other files or another synthetic dataset")
    p.add_argument("--contrast", type=float, default=1.0,
                   help="scale of every defect's grey-level change (default 1: the look calibrated on real "
                        "strips; run_all.sh's CPU demo uses 3 so that a small model trained in minutes finds "
                        "every class)")
    p.add_argument("--look", metavar="FILE",
                   help="look of clean steel written by `steeldefect synth-look` on your own strips (default: "
                        "the look shipped with steeldefect, fitted on real Severstal strips)")


@command("synth",
         description="Write DIR/train_images, DIR/test_images, DIR/train.csv, DIR/test_labels.csv (hidden "
                     "truth of the test images) and DIR/sample_submission.csv, all in the original Kaggle "
                     "layout. Rerunning with the same arguments finishes an interrupted run.",
         epilog="examples:\n  steeldefect synth --out data/synth --train 300 --test 100 --seed 0")
@arguments(_add)
def run(args: argparse.Namespace) -> int:
    result = synth(SynthArgs(out=Path(args.out), train=args.train, test=args.test, seed=args.seed,
                             workers=args.workers, force=args.force, contrast=args.contrast,
                             look=Path(args.look) if args.look else None, progress=args.verbosity > QUIET))
    print(result.line)
    return 0
