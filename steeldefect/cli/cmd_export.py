"""`steeldefect export`: the tuned ensemble as one artifact (SavedModel and ONNX graph, thresholds,
post-processing settings, manifest)."""

from __future__ import annotations

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import EXPORT_FORMATS, REDUCER_CHOICES, TTA_CHOICES, comma_list


def _add(p):
    p.add_argument("--runs", required=True, help="runs folder: every finished classifier and segmenter run is used")
    p.add_argument("--thresholds", required=True, help="thresholds YAML written by `steeldefect tune`")
    p.add_argument("--ensemble", default=None,
                   help="ensemble.yaml of `steeldefect select`: only its members, with its TTA and reducer")
    p.add_argument("--tta", default=None, choices=TTA_CHOICES,
                   help="test-time augmentation without --ensemble (default none)")
    p.add_argument("--reducer", default=None, choices=REDUCER_CHOICES,
                   help="how models and views combine without --ensemble (default mean)")
    p.add_argument("--out", required=True, help="folder to write (replaced if it exists)")
    p.add_argument("--format", default=",".join(EXPORT_FORMATS), type=comma_list(EXPORT_FORMATS, "format"),
                   help=f"comma-separated, from {', '.join(EXPORT_FORMATS)} (default all)")
    p.add_argument("--max-input", nargs=2, type=int, default=None, metavar=("H", "W"),
                   help="largest image the graph takes (default 512 3200; the exact in-graph resize costs more "
                        "the larger it is); larger ones are refused")
    p.add_argument("--review-band", nargs=2, type=float, default=None, metavar=("LO", "HI"),
                   help="defect probabilities the server answers 'review' for (default: the band `tune` proposed)")


@command("export", help="export the tuned ensemble as one SavedModel / ONNX graph with its thresholds",
         description="Write the whole tuned ensemble (classifiers, segmenters, TTA views, reducer) as one graph "
                     "that takes a batch of uint8 RGB images of any size, resizes them inside exactly as "
                     "`predict` does, and returns the gate probabilities and the per-class probability maps; "
                     "beside it the thresholds, the post-processing settings and manifest.json (versions, "
                     "runs, input contract, checksums). `steeldefect serve --model OUT` serves it.",
         epilog="example:\n  steeldefect export --runs runs --thresholds runs/thresholds.yaml --out runs/export")
@arguments(_add)
def run(args) -> int:
    from steeldefect.cli.cmd_predict import ensemble_option
    from steeldefect.deploy.export import MAX_INPUT, export_ensemble
    from steeldefect.devices import announce_inference
    from steeldefect.errors import SteelDefectError
    from steeldefect.postprocess.thresholds import check_resolution, load_thresholds
    from steeldefect.prediction.keras_ensemble import load_ensemble, planned_out_size, select_runs

    thresholds = load_thresholds(args.thresholds)
    spec = ensemble_option(args)
    classifier_runs, segmenter_runs = select_runs(args.runs, None, spec)
    if not segmenter_runs:
        raise SteelDefectError(f"no finished segmenter runs under {args.runs}; train segmenters first")
    check_resolution(thresholds, planned_out_size(segmenter_runs), args.thresholds)  # before loading models
    where = announce_inference("export", classifier_runs + segmenter_runs)
    ensemble = load_ensemble(args.runs, None, args.tta, args.reducer, True, spec=spec)
    report = export_ensemble(ensemble, args.thresholds, args.out, args.format, args.max_input or MAX_INPUT,
                             args.review_band, runs_dir=args.runs, where=where.to_dict())
    print(f"{report.n_classifiers} classifier and {report.n_segmenters} segmenter models, TTA {ensemble.tta}, "
          f"reducer {ensemble.reducer}: {', '.join(report.formats)} in {report.seconds:.1f} s -> {report.out}")
    return 0
