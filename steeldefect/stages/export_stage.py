"""Stage `export`: the tuned ensemble as one artifact (SavedModel and ONNX graph, thresholds, manifest)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from steeldefect.devices import announce_inference
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.rules import check_resolution
from steeldefect.artifacts.thresholds_file import load_thresholds
from steeldefect.prediction import keras_ensemble
from steeldefect.stages._common import resolve_ensemble
from steeldefect.artifacts.dataset_file import models_dataset
from steeldefect.artifacts.export_manifest import default_max_input


@dataclass(frozen=True)
class ExportArgs:
    runs: Path  # every finished classifier and segmenter run under it
    thresholds: Path  # thresholds YAML of `tune`
    out: Path  # folder to write (replaced)
    ensemble: Path | None = None
    tta: str | None = None
    reducer: str | None = None
    formats: tuple[str, ...] = ("savedmodel", "onnx")  # artifacts.export_manifest.FORMATS (tests/cli compares them)
    max_input: tuple[int, int] | None = None  # largest (h, w) image taken (None: export_manifest.default_max_input)
    review_band: tuple[float, float] | None = None  # default: the band `tune` proposed


@dataclass(frozen=True)
class ExportResult:
    report: object  # deploy.export.ExportReport: models, formats, seconds, out
    tta: str
    reducer: str


def export(args: ExportArgs) -> ExportResult:
    """Write the whole tuned ensemble as one graph with its thresholds and a checksummed manifest that
    records the classes of the dataset the runs were trained on (``models_dataset``)."""
    thresholds = load_thresholds(args.thresholds)
    spec, tta, reducer = resolve_ensemble(args.ensemble, args.tta, args.reducer)
    classifier_runs, segmenter_runs = keras_ensemble.select_runs(args.runs, None, spec)
    if not segmenter_runs:
        raise SteelDefectError(f"no finished segmenter runs under {args.runs}; train segmenters first")
    check_resolution(thresholds, keras_ensemble.planned_out_size(segmenter_runs), args.thresholds)  # before loading models
    dataset = models_dataset([run.path for run in classifier_runs + segmenter_runs])
    where = announce_inference("export", classifier_runs + segmenter_runs)
    ensemble = keras_ensemble.load_ensemble(args.runs, None, tta, reducer, True, spec=spec)
    from steeldefect.delivery.deploy.export import export_ensemble  # heavy: TensorFlow, Keras

    report = export_ensemble(ensemble, args.thresholds, args.out, args.formats,
                             args.max_input or default_max_input(dataset), args.review_band,
                             runs_dir=args.runs, where=where.to_dict(), dataset=dataset)
    return ExportResult(report, ensemble.tta, ensemble.reducer)
