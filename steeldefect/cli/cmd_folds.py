"""`steeldefect folds`: stratified K-fold split of a dataset's training images."""

from __future__ import annotations

from pathlib import Path

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import add_set_option, path_or_none
from steeldefect.artifacts.run_folder import FOLDS_FILE
from steeldefect.stages.folds_stage import FoldsArgs, folds


def _add(p):
    p.add_argument("--data", metavar="DIR", required=True, help="dataset folder holding train.csv (and train_images/)")
    p.add_argument("--config", metavar="FILE", default=None,
                   help="take k and seed from this config's folds section (--k/--seed override it)")
    add_set_option(p)
    p.add_argument("--k", type=int, default=None, help="number of folds (default 5, or the config's)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed; same seed, same folds (default 42, or the config's)")
    p.add_argument("--out", required=True, metavar="FILE", help="folds CSV to write (columns ImageId, fold)")


@command("folds",
         description="Assign every training image to exactly one of K folds, stratified on the "
                     "four-class multi-label and on clean images (iterative stratification).",
         epilog=f"example:\n  steeldefect folds --data data/synth --k 5 --seed 42 --out runs/{FOLDS_FILE}")
@arguments(_add)
def run(args) -> int:
    result = folds(FoldsArgs(data=Path(args.data), out=Path(args.out), config=path_or_none(args.config),
                             overrides=tuple(args.set), k=args.k, seed=args.seed))
    print(f"{result.n_images} images in {result.k} folds (seed {result.seed}) -> {result.out}")
    print(result.counts)
    return 0
