"""Stage `pseudo-label`: label the unlabelled images the ensemble is sure of, for another training round."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from steeldefect.devices import announce_inference
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.rules import check_resolution
from steeldefect.artifacts.prediction_table import HEIGHT, IMAGE_ID, WIDTH, read_prediction_table
from steeldefect.artifacts.thresholds_file import load_thresholds
from steeldefect.prediction import keras_ensemble
from steeldefect.stages._common import as_str, require_models, resolve_ensemble
from steeldefect.artifacts.dataset_file import runs_dataset
from steeldefect.data.labels import read_labels, write_labels
from steeldefect.prediction.predict import PredictOptions, image_list, predict_images
from steeldefect.prediction.pseudo_labels import PseudoRule, choose_pseudo, pseudo_precision

PREDICTED_SUFFIX = "_predict"  # OUT stem + this: the submission of the opened-gate prediction, beside OUT


@dataclass(frozen=True)
class PseudoLabelArgs:
    images: Path  # folder of the unlabelled images
    thresholds: Path  # thresholds YAML of `tune` (its gates are opened)
    out: Path  # labels CSV to write (train.csv layout, clean images listed)
    runs: Path | None = None
    models: tuple[Path, ...] | None = None
    ensemble: Path | None = None
    tta: str | None = None
    reducer: str | None = None
    clean_below: float = 0.05  # clean: defect probability at most this and no mask survives
    defect_above: float = 0.95  # defective: defect probability at least this
    truth: Path | None = None  # hidden labels of the images: measure the pseudo labels' precision
    limit: int | None = None
    batch_size: int = 8


@dataclass(frozen=True)
class PseudoLabelResult:
    out: Path
    predicted: Path  # the opened-gate submission the labels were chosen from
    per_image: Path  # its per-image CSV
    counts: dict  # images, clean, defective, left_out
    precision: dict | None  # clean_precision, defect_precision, mean_dice against the truth


def _runs(args: PseudoLabelArgs, spec, thresholds) -> list:
    classifier_runs, segmenter_runs = keras_ensemble.select_runs(args.runs, args.models, spec)
    if not classifier_runs:
        raise SteelDefectError("pseudo labels need classifier runs (the defect probability decides what is kept)")
    if segmenter_runs:
        check_resolution(thresholds, keras_ensemble.planned_out_size(segmenter_runs), args.thresholds)
    return classifier_runs + segmenter_runs


def _predict_opened(args: PseudoLabelArgs, predicted: Path):
    """Predict the images with every gate opened; the prediction report."""
    spec, tta, reducer = resolve_ensemble(args.ensemble, args.tta, args.reducer)
    thresholds = load_thresholds(args.thresholds)
    opened = replace(thresholds, classes=tuple(replace(c, gate=0.0) for c in thresholds.classes))
    runs = _runs(args, spec, thresholds)
    ids, _ = image_list(args.images, None, args.limit)
    announce_inference("pseudo-label", runs, Path(args.out).parent)
    forward = keras_ensemble.load_ensemble(as_str(args.runs), args.models, tta, reducer, True, batch_size=args.batch_size,
                            spec=spec)
    with tqdm(total=len(ids), desc="predict", unit="img") as bar:
        return predict_images(ids, args.images, forward, opened, predicted,
                              PredictOptions(batch_size=args.batch_size), progress=bar.update)


def pseudo_label(args: PseudoLabelArgs) -> PseudoLabelResult:
    """Predict the images with opened gates and keep those the ensemble is sure of as a labels CSV."""
    require_models(args.runs, args.models)
    rule = PseudoRule(args.clean_below, args.defect_above)
    rule.validate()
    n_classes = runs_dataset(args.runs, models=tuple(args.models or ())).n_classes
    truth = read_labels(args.truth, n_classes=n_classes, check=False) if args.truth else None
    out = Path(args.out)
    predicted = out.with_name(f"{out.stem}{PREDICTED_SUFFIX}.csv")
    report = _predict_opened(args, predicted)
    per_image = read_prediction_table(report.per_image)
    shapes = dict(zip(per_image[IMAGE_ID], zip(per_image[HEIGHT], per_image[WIDTH])))
    kept, counts = choose_pseudo(per_image, read_labels(predicted, n_classes=n_classes, shapes=shapes), rule)
    write_labels(kept, out)
    precision = None
    if truth is not None:
        missing = sorted(set(kept["ImageId"]) - set(truth["ImageId"]))
        if missing:
            raise SteelDefectError(f"--truth {args.truth} has no labels for {missing[0]} ({len(missing)} missing)")
        precision = pseudo_precision(kept, truth, shapes)
    return PseudoLabelResult(out, predicted, Path(report.per_image), counts, precision)
