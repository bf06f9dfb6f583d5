"""The error-analysis report: read the inputs, stream the OOF once, write DIR/index.html and its PNGs.

Output is atomic per file: everything is first written into DIR/.partial, then each file is moved
into DIR (os.replace) with index.html last, so a reader never finds a page linking missing figures.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from steeldefect.artifacts.dataset_file import KAGGLE, DatasetSpec
from steeldefect.data.kaggle_folder import TEST_IMAGES, TEST_LABELS, TRAIN_CSV, TRAIN_IMAGES, image_shapes, train_labels
from steeldefect.data.io import require_file
from steeldefect.data.labels import check_rles, label_presence, read_labels, table_n_classes
from steeldefect.data.submission import read_submission
from steeldefect.tuning.oof_stream import DEFAULT_CHUNK, plan_oof
from steeldefect.tuning.truth import Truth
from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE, load_thresholds
from steeldefect.postprocess.rules import Thresholds, default_thresholds
from steeldefect.errors import SteelDefectError
from steeldefect.metric.dice import summarise_pairs
from steeldefect.metric.pairs import table_pairs
from steeldefect.metric.plant import plant_from_pairs
from steeldefect.analysis.report.figures_scores import DPI
from steeldefect.analysis.report.gather import DEFAULT_WORST, Progress, gather_oof
from steeldefect.analysis.report.html import render_page
from steeldefect.analysis.report.sections_masks import HISTOGRAM_THRESHOLDS, areas_part, surfaces_part, worst_part
from steeldefect.analysis.report.sections_scores import classifier_part, pixel_part, runs_part, scores_part

INDEX = "index.html"  # the report page
NUMBERS = "report.json"  # the report's numbers, machine-readable
STAGING = ".partial"  # files are written here first, then moved into the output folder


@dataclass(frozen=True)
class ReportInputs:
    """Where everything comes from. ``labels`` (the OOF truth) defaults to DATA/train.csv; ``dataset``
    names the classes and image sizes (the stage reads it from the runs or DATA)."""

    runs: Path
    data: Path | None = None
    labels: Path | None = None
    pred: Path | None = None
    truth: Path | None = None
    thresholds: Path | None = None
    dataset: DatasetSpec = KAGGLE

    def validate(self) -> None:
        if self.truth is not None and self.pred is None:
            raise SteelDefectError("--truth needs --pred: the submission to score against it")
        if self.data is None and self.labels is None:
            raise SteelDefectError("the report needs the truth of the OOF images: --data DATASET_FOLDER (its "
                                   "train.csv) or --labels train.csv")


@dataclass(frozen=True)
class ReportResult:
    """What was written and how long it took."""

    index: Path
    files: tuple[str, ...]
    n_images: int
    seconds_oof: float
    seconds_total: float
    notes: tuple[str, ...]


def _oof_labels(inputs: ReportInputs) -> tuple[pd.DataFrame, str]:
    if inputs.labels is not None:
        return read_labels(inputs.labels, n_classes=inputs.dataset.n_classes, check=False), str(inputs.labels)
    return train_labels(inputs.data), str(inputs.data / TRAIN_CSV)


def _oof_truth(inputs: ReportInputs, labels: pd.DataFrame) -> Truth:
    """The OOF truth with each image's size: the dataset's one size, or each file's (in DATA/train_images,
    else train_images/ beside --labels) when sizes are mixed."""
    spec = inputs.dataset
    if spec.single_shape is not None:
        truth = Truth(labels, spec.single_shape, spec.single_shape)
    else:
        root = inputs.data if inputs.data is not None else Path(inputs.labels).parent
        folder = root / TRAIN_IMAGES if (root / TRAIN_IMAGES).is_dir() else None
        reference = spec.sizes[0].shape if spec.sizes else KAGGLE.single_shape
        truth = Truth(labels, image_shapes(folder, labels["ImageId"], spec), reference)
    if inputs.labels is not None:  # train_labels checked DATA/train.csv; --labels is checked here, at each size
        check_rles(labels, inputs.labels, truth.shapes)
    return truth


def _submission(inputs: ReportInputs) -> tuple[dict | None, str]:
    if inputs.pred is None:
        return None, "no --pred/--truth given: the submission's scores are skipped"
    truth_path = inputs.truth
    if truth_path is None and inputs.data is not None and (inputs.data / TEST_LABELS).is_file():
        truth_path = inputs.data / TEST_LABELS
    if truth_path is None:
        return None, f"no --truth given and no {TEST_LABELS} in the data folder: the submission's scores are skipped"
    return _score_submission(require_file(truth_path, "truth CSV"), require_file(inputs.pred, "submission CSV"),
                             inputs), ""


def _score_submission(truth_path: Path, pred_path: Path, inputs: ReportInputs) -> dict:
    """``score_tables``' report of the submission, with its plant metrics by class name ("plant"); each
    image's size is the dataset's, or its file's in DATA/test_images when sizes are mixed."""
    spec = inputs.dataset
    folder = inputs.data / TEST_IMAGES if inputs.data is not None and (inputs.data / TEST_IMAGES).is_dir() else None
    truth = read_labels(truth_path, images_dir=folder, n_classes=spec.n_classes, check=False)
    shapes = spec.single_shape or image_shapes(folder, truth["ImageId"], spec)
    check_rles(truth, truth_path, shapes)
    pairs = table_pairs(truth, read_submission(pred_path, n_classes=spec.n_classes, shapes=shapes), shapes)
    return {**summarise_pairs(pairs), "plant": plant_from_pairs(pairs, spec.class_names).to_dict()}


def _thresholds(inputs: ReportInputs, n_classes: int) -> tuple[Thresholds, str]:
    """The thresholds in use for ``n_classes`` classes (the truth's), and a line saying where they are from."""
    if inputs.thresholds is None:
        return default_thresholds(n_classes), "post-processing: defaults (pixel threshold 0.5, no minimum area, no gate); " \
                             f"pass --thresholds {THRESHOLDS_FILE} from `steeldefect tune` for the tuned values"
    thresholds = load_thresholds(inputs.thresholds)
    if len(thresholds.classes) != n_classes:
        raise SteelDefectError(f"{inputs.thresholds} holds thresholds of {len(thresholds.classes)} classes and the "
                               f"truth has {n_classes}; tune the runs of this dataset")
    return thresholds, f"post-processing: {inputs.thresholds}"


def _publish(staging: Path, out: Path, names: list[str]) -> None:
    """Move the staged files into ``out``, the page last."""
    for name in sorted(names, key=lambda n: n == INDEX):
        os.replace(staging / name, out / name)


def build_report(inputs: ReportInputs, out_dir: str | os.PathLike, chunk_size: int = DEFAULT_CHUNK,
                 worst: int = DEFAULT_WORST, histogram_thresholds=HISTOGRAM_THRESHOLDS,
                 progress: Progress | None = None) -> ReportResult:
    """Write the error-analysis report of the runs under ``inputs.runs`` into ``out_dir``."""
    started = time.perf_counter()
    inputs.validate()
    if chunk_size < 1 or worst < 0:
        raise SteelDefectError(f"--chunk-size must be at least 1 and --worst at least 0; got {chunk_size}, {worst}")
    labels, labels_source = _oof_labels(inputs)
    thresholds, thresholds_note = _thresholds(inputs, table_n_classes(labels))
    submission, submission_note = _submission(inputs)
    plan = plan_oof(inputs.runs)
    summary = gather_oof(plan, _oof_truth(inputs, labels), thresholds, chunk_size, worst, progress, inputs.dataset.class_names)
    seconds_oof = time.perf_counter() - started
    presence = label_presence(labels.set_index("ImageId").loc[summary.image_ids].reset_index())
    images_dir = inputs.data / TRAIN_IMAGES if inputs.data is not None else None
    parts = [runs_part(summary, [f"OOF truth: {labels_source}.", thresholds_note + "."]),
             scores_part(summary, submission, submission_note), classifier_part(summary, presence),
             pixel_part(summary), areas_part(summary, histogram_thresholds),
             worst_part(summary, labels, images_dir, inputs.dataset.single_shape or KAGGLE.single_shape),
             surfaces_part(summary)]
    out = Path(out_dir)
    staging = out / STAGING
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        names = []
        for part in parts:
            for name, fig in part.figures.items():
                fig.savefig(staging / name, format="png", dpi=DPI)
                names.append(name)
        seconds = time.perf_counter() - started
        numbers = {"runs": str(inputs.runs), "labels": labels_source, "seconds_oof_pass": round(seconds_oof, 2),
                   "seconds_total": round(seconds, 2), "notes": summary.notes}
        for part in parts:
            numbers.update(part.numbers)
        (staging / NUMBERS).write_text(json.dumps(numbers, indent=1, default=float))
        meta = [f"runs: {inputs.runs} - {len(summary.image_ids):,} OOF images at {summary.shape[0]}x"
                f"{summary.shape[1]} - built in {seconds:.1f} s ({seconds_oof:.1f} s streaming the OOF)",
                f"numbers: {NUMBERS}"]
        (staging / INDEX).write_text(render_page("steeldefect error analysis", meta, [p.section for p in parts]))
        names += [NUMBERS, INDEX]
        _publish(staging, out, names)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ReportResult(out / INDEX, tuple(names), len(summary.image_ids), seconds_oof,
                        time.perf_counter() - started, tuple(summary.notes))
