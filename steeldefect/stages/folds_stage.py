"""Stage `folds`: a stratified K-fold split of a dataset's training images."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from steeldefect.config import load_config
from steeldefect.config.schema import FoldsConfig
from steeldefect.artifacts.dataset_file import has_dataset_file, read_dataset
from steeldefect.data.kaggle_folder import train_labels
from steeldefect.folds import fold_counts, make_folds, write_folds
from steeldefect.stages._common import require_config_for_overrides

DEFAULT_K = FoldsConfig.k  # folds without a config
DEFAULT_SEED = FoldsConfig.seed


@dataclass(frozen=True)
class FoldsArgs:
    data: Path  # dataset folder holding train.csv
    out: Path  # folds CSV to write
    config: Path | None = None  # take k and seed from its folds section
    overrides: tuple[str, ...] = ()  # --set KEY.PATH=VALUE on the config
    k: int | None = None  # overrides the config's
    seed: int | None = None  # overrides the config's


@dataclass(frozen=True)
class FoldsResult:
    out: Path
    n_images: int
    k: int
    seed: int
    counts: str  # images per fold and class, as a table


def _k_and_seed(args: FoldsArgs) -> tuple[int, int]:
    require_config_for_overrides(args.config, args.overrides)
    k, seed = DEFAULT_K, DEFAULT_SEED
    if args.config:
        folds_config = load_config(args.config, check=False, overrides=list(args.overrides)).folds  # only folds is read
        k, seed = folds_config.k, folds_config.seed
    return (args.k if args.k is not None else k), (args.seed if args.seed is not None else seed)


def _names(data: Path):
    """The class names of an imported dataset (its dataset.yaml); None: Severstal's class_1..class_4."""
    return read_dataset(data).class_names if has_dataset_file(data) else None


def folds(args: FoldsArgs) -> FoldsResult:
    """Assign every training image of ``args.data`` to one of K folds and write them to ``args.out``."""
    k, seed = _k_and_seed(args)
    table = train_labels(args.data)
    split = make_folds(table, k=k, seed=seed)
    write_folds(split, args.out)
    return FoldsResult(Path(args.out), len(split), k, seed, fold_counts(table, split, _names(args.data)).to_string())
