"""`steeldefect export`: the tuned ensemble as one artifact (SavedModel and ONNX graph, thresholds,
post-processing settings, manifest)."""

from __future__ import annotations

from pathlib import Path

from steeldefect.artifacts.export_manifest import MANIFEST_FILE
from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import (EXPORT_FORMATS, add_ensemble_options, add_thresholds_option, comma_list,
                                     path_or_none)
from steeldefect.stages.export_stage import ExportArgs, export


def _add(p):
    p.add_argument("--runs", required=True, metavar="DIR",
                   help="runs folder: every finished classifier and segmenter run is used")
    add_thresholds_option(p)
    add_ensemble_options(p)
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write (replaced if it exists)")
    p.add_argument("--format", default=",".join(EXPORT_FORMATS), type=comma_list(EXPORT_FORMATS, "format"),
                   help=f"comma-separated, from {', '.join(EXPORT_FORMATS)} (default all)")
    p.add_argument("--max-input", nargs=2, type=int, default=None, metavar=("H", "W"),
                   help="largest image the export takes (default 512 3200, or twice the dataset's largest image "
                        "when that is larger); larger ones are refused (serve: 413)")
    p.add_argument("--review-band", nargs=2, type=float, default=None, metavar=("LO", "HI"),
                   help="defect probabilities the server answers 'review' for (default: the band `tune` proposed)")


@command("export",
         description="Write the whole tuned ensemble (classifiers, segmenters, TTA views, reducer) as one graph "
                     "that takes a batch of uint8 RGB images at each of the models' input sizes (serve and "
                     "Predictor resize any image to them with OpenCV exactly as `predict` does) and returns the "
                     "gate probabilities and the per-class probability maps; "
                     f"beside it the thresholds, the post-processing settings and {MANIFEST_FILE} (versions, "
                     "runs, the classes of the dataset they were trained on, input contract, checksums). `steeldefect serve --model OUT` serves it.",
         epilog=f"example:\n  steeldefect export --runs runs --thresholds runs/{THRESHOLDS_FILE} --out runs/export")
@arguments(_add)
def run(args) -> int:
    result = export(ExportArgs(
        runs=Path(args.runs), thresholds=Path(args.thresholds), out=Path(args.out),
        ensemble=path_or_none(args.ensemble), tta=args.tta, reducer=args.reducer, formats=tuple(args.format),
        max_input=tuple(args.max_input) if args.max_input else None,
        review_band=tuple(args.review_band) if args.review_band else None))
    report = result.report
    print(f"{report.n_classifiers} classifier and {report.n_segmenters} segmenter models, TTA {result.tta}, "
          f"reducer {result.reducer}: {', '.join(report.formats)} in {report.seconds:.1f} s -> {report.out}")
    return 0
