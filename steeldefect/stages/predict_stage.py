"""Stage `predict`: the ensemble's submission for a folder of images (streamed, resumable)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from steeldefect.devices import announce_inference
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.rules import check_resolution
from steeldefect.artifacts.thresholds_file import load_thresholds
from steeldefect.prediction import keras_ensemble
from steeldefect.stages._common import as_str, require_models, resolve_ensemble
from steeldefect.artifacts.dataset_file import models_dataset
from steeldefect.prediction.predict import PredictOptions, image_list, predict_images
from steeldefect.prediction.tool_formats import check_format, write_tool_format
from steeldefect.data.images import read_image_shape
from steeldefect.data.submission import read_submission


@dataclass(frozen=True)
class PredictArgs:
    images: Path  # folder of the images to predict
    thresholds: Path  # thresholds YAML of `tune`
    out: Path  # submission CSV to write
    runs: Path | None = None  # every finished run under it ...
    models: tuple[Path, ...] | None = None  # ... or these run folders
    sample: Path | None = None  # predict its images, in its order and layout
    limit: int | None = None  # only the first N images
    batch_size: int = 8  # images per model call
    chunk_size: int = 64  # images per resumable chunk
    ensemble: Path | None = None  # select's ensemble YAML (sets TTA and reducer)
    tta: str | None = None  # default none
    reducer: str | None = None  # default mean
    use_gate: bool = True  # False: ignore the classifiers and the gates
    review_band: tuple[float, float] | None = None  # flag images with a defect probability in [LO, HI]
    format: str = "csv"  # also write the masks for annotation tools: "masks" (index PNGs) or "coco" (JSON)


@dataclass(frozen=True)
class PredictResult:
    report: object  # prediction.predict.PredictReport: counts, seconds, the files written
    notes: tuple[str, ...]  # the models used and anything prediction noted
    tool_output: Path | None = None  # the index-mask folder or COCO JSON of --format masks / coco

    def text(self) -> str:
        """The notes, the counts of gated and predicted masks, the speed and the files written."""
        text = format_report(self.report, self.notes)
        return text + (f"\n-> {self.tool_output}" if self.tool_output is not None else "")


def format_report(report, notes) -> str:
    lines = [f"note: {n}" for n in notes]
    lines.append(f"{report.n_images} images: {report.n_gated} gated by the classifier (skipped the segmenters), "
                 f"{report.n_masks_gated} masks gated, {report.n_nonempty} non-empty masks")
    resumed = f", {report.n_chunks_resumed} of {report.n_chunks} chunks resumed" if report.n_chunks_resumed else ""
    if report.n_review:
        lines.append(f"{report.n_review} images flagged for review (defect probability inside the review band)")
    lines.append(f"{report.seconds:.1f} s, {report.images_per_second:.2f} images/s{resumed}")
    lines.append(f"-> {report.submission} and {report.per_image}")
    return "\n".join(lines)


def _options(args: PredictArgs):
    options = PredictOptions(batch_size=args.batch_size, chunk_size=args.chunk_size, use_gate=args.use_gate,
                             review_band=tuple(args.review_band) if args.review_band else None)
    options.validate()  # before minutes of model loading
    return options


def _checked_runs(args: PredictArgs, spec, thresholds, review: bool):
    """(classifier runs, segmenter runs) of the arguments, checked against the thresholds before loading."""
    classifier_runs, segmenter_runs = keras_ensemble.select_runs(args.runs, args.models, spec)
    if review and (not args.use_gate or not classifier_runs):
        raise SteelDefectError("--review-band needs the classifiers (it flags on their probability); drop "
                               "--no-gate or add classifier runs")
    if segmenter_runs:  # before loading the models: a mismatch is an error either way
        check_resolution(thresholds, keras_ensemble.planned_out_size(segmenter_runs), args.thresholds)
    return classifier_runs, segmenter_runs


def _tool_output(args: PredictArgs, ids: list[str], class_names) -> Path | None:
    """The submission again as index masks or COCO (``args.format``), each image at its own size."""
    if args.format == "csv":
        return None
    shapes = {i: read_image_shape(Path(args.images) / i) for i in ids}
    table = read_submission(args.out, n_classes=len(class_names), shapes=shapes)
    return write_tool_format(args.format, table, shapes, class_names, args.out)


def predict(args: PredictArgs) -> PredictResult:
    """Gate, segment, post-process and run-length encode ``args.images`` into the submission ``args.out``."""
    require_models(args.runs, args.models)
    check_format(args.format)
    thresholds = load_thresholds(args.thresholds)
    spec, tta, reducer = resolve_ensemble(args.ensemble, args.tta, args.reducer)
    options = _options(args)
    ids, layout = image_list(args.images, args.sample, args.limit)
    classifier_runs, segmenter_runs = _checked_runs(args, spec, thresholds, bool(options.review_band))
    dataset = models_dataset([r.path for r in segmenter_runs + classifier_runs])  # what they were trained on
    announce_inference("predict", segmenter_runs + (classifier_runs if args.use_gate else []), Path(args.out).parent)
    forward = keras_ensemble.load_ensemble(as_str(args.runs), args.models, tta, reducer, args.use_gate, batch_size=args.batch_size,
                            spec=spec)
    notes = [f"{len(forward.classifiers)} classifier and {len(forward.segmenters)} segmenter models, "
             f"TTA {tta}, reducer {reducer}"]
    with tqdm(total=len(ids), desc="predict", unit="img") as bar:
        report = predict_images(ids, args.images, forward, thresholds, args.out, options, layout, bar.update, notes,
                                required_shape=dataset.single_shape if args.sample else None)
    return PredictResult(report, tuple(notes), _tool_output(args, ids, dataset.class_names))
