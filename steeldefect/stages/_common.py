"""Helpers several stages share: the ensemble flags, the truth of OOF predictions, path arguments."""

from __future__ import annotations

from pathlib import Path

from steeldefect.artifacts.dataset_file import runs_dataset
from steeldefect.artifacts.ensemble_file import load_spec
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.run_folder import find_runs
from steeldefect.artifacts.run_meta import META_FILE, read_meta
from steeldefect.constants import IMAGE_SHAPE
from steeldefect.data.kaggle_folder import TRAIN_CSV, TRAIN_IMAGES, image_shapes, train_labels
from steeldefect.data.labels import check_rles, read_labels
from steeldefect.tuning.truth import Truth

# The one file name a stage uses by default that has no constant in the library yet (a candidate
# for steeldefect/artifacts/).
SUBMISSION_FILE = "submission.csv"  # run_all.sh's submission, OUT/submission.csv


def require_config_for_overrides(config: Path | None, overrides: tuple[str, ...]) -> None:
    """Refuse ``--set`` without ``--config`` (where the config is optional) rather than ignore it."""
    if overrides and not config:
        raise SteelDefectError(f"--set {overrides[0]} overrides a field of --config; give --config too")


def as_str(path: Path | None) -> str | None:
    """``str(path)``, or None: the folder as the prediction library has always been given it."""
    return None if path is None else str(path)


def require_models(runs: Path | None, models: tuple[Path, ...] | None) -> None:
    """Refuse a prediction stage given no models at all."""
    if not runs and not models:
        raise SteelDefectError("give the models: --runs RUNS_FOLDER or --models RUN_DIR ...")


def resolve_ensemble(ensemble: Path | None, tta: str | None, reducer: str | None):
    """(spec, tta, reducer): the spec of ``ensemble`` with its TTA and reducer, or None with the given
    ones defaulted to none and mean; giving both an ensemble and a TTA or reducer is refused."""
    if not ensemble:
        return None, tta or "none", reducer or "mean"
    if tta or reducer:
        raise SteelDefectError(f"--ensemble {ensemble} sets the TTA and the reducer; drop --tta and --reducer")
    spec = load_spec(ensemble)
    return spec, spec.tta, spec.reducer


def _recorded_data(runs: Path) -> str | None:
    """The dataset folder the segmenter runs under ``runs`` name in their meta, if it holds train.csv."""
    for run in find_runs(runs, "segmenter"):
        recorded = read_meta(run).data
        if recorded and (Path(recorded) / TRAIN_CSV).is_file():
            return recorded
    return None


def truth_labels(runs: Path, labels: Path | None, data: Path | None, stage: str = "tune"):
    """(label table, where it came from): ``labels``, ``data``/train.csv, or the dataset folder the runs
    were trained on (their meta's "data")."""
    truth, where = truth_set(runs, labels, data, stage)
    return truth.table, where


def truth_set(runs: Path, labels: Path | None, data: Path | None, stage: str = "tune") -> tuple[Truth, str]:
    """(Truth, where it came from): the label table of ``labels``, ``data``/train.csv or the dataset folder
    the runs were trained on, with each image's size (its dataset's, or its file's when sizes are mixed)
    and the image size min areas count in (the dataset's most common; 256x1600 for Severstal)."""
    where = data or _recorded_data(runs)
    spec = runs_dataset(runs, data)
    if labels:
        folder = Path(labels).parent / TRAIN_IMAGES
        folder = folder if folder.is_dir() or not where else Path(where) / TRAIN_IMAGES
        table = read_labels(labels, n_classes=spec.n_classes, check=False)
        source = str(labels)
    elif where:
        folder, table, source = Path(where) / TRAIN_IMAGES, train_labels(where), str(Path(where) / TRAIN_CSV)
    else:
        raise SteelDefectError(f"tell {stage} where the truth is: --labels train.csv or --data DATASET_FOLDER "
                               f"(the runs' {META_FILE} name no dataset folder holding {TRAIN_CSV})")
    shapes = spec.single_shape or image_shapes(folder if folder.is_dir() else None, table["ImageId"], spec)
    if labels:
        check_rles(table, labels, shapes)
    reference = spec.sizes[0].shape if spec.sizes else IMAGE_SHAPE
    return Truth(table, shapes, reference), source
