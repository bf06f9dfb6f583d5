"""`steeldefect folds`: stratified K-fold split of a dataset's training images."""

from __future__ import annotations

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import add_set_option, check_set_has_config
from steeldefect.runfolder import FOLDS_FILE


def _add(p):
    p.add_argument("--data", required=True, help="dataset folder holding train.csv (and train_images/)")
    p.add_argument("--config", default=None,
                   help="take k and seed from this config's folds section (--k/--seed override it)")
    add_set_option(p)
    p.add_argument("--k", type=int, default=None, help="number of folds (default 5, or the config's)")
    p.add_argument("--seed", type=int, default=None,
                   help="random seed; same seed, same folds (default 42, or the config's)")
    p.add_argument("--out", required=True, help="folds CSV to write (columns ImageId, fold)")


@command("folds", help="split training images into stratified folds",
         description="Assign every training image to exactly one of K folds, stratified on the "
                     "four-class multi-label and on clean images (iterative stratification).",
         epilog=f"example:\n  steeldefect folds --data data/synth --k 5 --seed 42 --out runs/{FOLDS_FILE}")
@arguments(_add)
def run(args) -> int:
    from steeldefect.data.kaggle_folder import train_labels
    from steeldefect.folds import fold_counts, make_folds, write_folds

    k, seed = 5, 42
    check_set_has_config(args)
    if args.config:
        from steeldefect.config import load_config

        # only the folds section is read
        folds_config = load_config(args.config, check=False, overrides=args.set).folds
        k, seed = folds_config.k, folds_config.seed
    k = args.k if args.k is not None else k
    seed = args.seed if args.seed is not None else seed
    table = train_labels(args.data)
    folds = make_folds(table, k=k, seed=seed)
    write_folds(folds, args.out)
    print(f"{len(folds)} images in {k} folds (seed {seed}) -> {args.out}")
    print(fold_counts(table, folds).to_string())
    return 0
