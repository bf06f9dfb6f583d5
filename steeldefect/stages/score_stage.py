"""Stage `score`: the competition metric and the plant metrics of a submission against the truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.dataset_file import DatasetSpec, has_dataset_file, read_dataset
from steeldefect.data.kaggle_folder import TEST_IMAGES, TRAIN_CSV, TRAIN_IMAGES, image_shapes
from steeldefect.data.labels import check_rles, read_labels
from steeldefect.data.submission import read_submission
from steeldefect.metric.dice import summarise_pairs
from steeldefect.metric.pairs import table_pairs
from steeldefect.metric.plant import PlantMetrics, format_plant, plant_from_pairs


@dataclass(frozen=True)
class ScoreArgs:
    truth: Path  # truth CSV, any layout
    pred: Path  # submission CSV, either layout
    images: Path | None = None  # image folder of the truth's images (a truth in the later layout only)
    data: Path | None = None  # dataset folder: its classes and sizes (default: the truth's folder, if imported)


@dataclass(frozen=True)
class ScoreResult:
    report: dict  # mean, n_pairs, n_images, per_class, counts (metric.score_tables), plant (by class name)
    plant: PlantMetrics | None = None  # per class Dice, IoU, image precision and recall

    @property
    def mean_dice(self) -> float:
        return self.report["mean"]

    def text(self) -> str:
        text = format_report(self.report)
        return text if self.plant is None else f"{text}\nplant metrics\n{format_plant(self.plant)}"


def format_report(report: dict) -> str:
    """Human-readable score report: mean, per-class Dice and decision counts."""
    lines = [f"mean Dice {report['mean']:.5f} over {report['n_pairs']} (image, class) pairs "
             f"of {report['n_images']} images",
             f"{'class':>5} {'dice':>8} {'tp':>6} {'fp':>6} {'fn':>6} {'tn':>6}"]
    for cls, row in report["per_class"].items():
        lines.append(f"{cls:>5} {row['dice']:8.5f} {row['tp']:6d} {row['fp']:6d} {row['fn']:6d} {row['tn']:6d}")
    c = report["counts"]
    lines.append(f"{'all':>5} {report['mean']:8.5f} {c['tp']:6d} {c['fp']:6d} {c['fn']:6d} {c['tn']:6d}")
    if report.get("n_extra_pred_images"):
        lines.append(f"note: {report['n_extra_pred_images']} predicted images are not in the truth; ignored")
    return "\n".join(lines)


def score_dataset(truth: Path, data: Path | None) -> Path | None:
    """The dataset folder whose classes and sizes apply: ``data``, else the truth CSV's folder when it
    holds a dataset.yaml (an imported dataset), else None (Severstal)."""
    if data is not None:
        return data
    return truth.parent if has_dataset_file(truth.parent) else None


def truth_images(truth: Path, images: Path | None, data: Path | None) -> Path | None:
    """The folder of the truth's images: ``images``; else ``data``'s test_images/ (train_images/ for a
    train.csv truth), whichever exists first; else None (read_labels looks beside the truth)."""
    if images is not None or data is None:
        return images
    order = (TRAIN_IMAGES, TEST_IMAGES) if truth.name == TRAIN_CSV else (TEST_IMAGES, TRAIN_IMAGES)
    return next((data / name for name in order if (data / name).is_dir()), None)


def _shapes(spec: DatasetSpec, folder: Path | None, truth_csv: Path, image_ids):
    """Each truth image's size: the dataset's one size, or each file's (looked up in ``folder``, else
    beside the truth CSV)."""
    if spec.single_shape is not None:
        return spec.single_shape
    if folder is None:
        folder = next((truth_csv.parent / n for n in (TEST_IMAGES, TRAIN_IMAGES) if (truth_csv.parent / n).is_dir()),
                      None)
    return image_shapes(folder, image_ids, spec)


def score(args: ScoreArgs) -> ScoreResult:
    """Mean Dice over every (image, class) pair of the truth, per-class Dice and decision counts, and the
    plant metrics of each class of the dataset (named as its dataset.yaml names them)."""
    data = score_dataset(Path(args.truth), args.data)
    spec = read_dataset(data)
    folder = truth_images(Path(args.truth), args.images, data)
    truth = read_labels(args.truth, images_dir=folder, n_classes=spec.n_classes, check=False)
    shapes = _shapes(spec, folder, Path(args.truth), truth["ImageId"])
    check_rles(truth, args.truth, shapes)
    pairs = table_pairs(truth, read_submission(args.pred, n_classes=spec.n_classes, shapes=shapes), shapes)
    plant = plant_from_pairs(pairs, spec.class_names)
    return ScoreResult({**summarise_pairs(pairs), "plant": plant.to_dict()}, plant)
