"""`steeldefect predict`: the ensemble's submission for a folder of images."""

from __future__ import annotations

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import REDUCER_CHOICES, TTA_CHOICES
from steeldefect.runfolder import DONE_FILE


def _add(p):
    p.add_argument("--runs", default=None, help=f"runs folder: every classifier and segmenter run with {DONE_FILE} is used")
    p.add_argument("--models", nargs="+", default=None, metavar="RUN_DIR",
                   help="explicit run folders (<kind>/<backbone>/fold<k>) instead of all runs under --runs")
    p.add_argument("--images", required=True, help="folder of the images to predict (e.g. test_images)")
    p.add_argument("--thresholds", required=True, help="thresholds YAML written by `steeldefect tune`")
    p.add_argument("--out", required=True, help="submission CSV to write")
    p.add_argument("--sample", default=None,
                   help="sample_submission.csv: predict its images, in its order and layout")
    p.add_argument("--limit", type=int, default=None, help="predict only the first N images")
    p.add_argument("--batch-size", type=int, default=8, help="images per model call (default 8)")
    p.add_argument("--chunk-size", type=int, default=64, help="images per resumable chunk (default 64)")
    p.add_argument("--ensemble", default=None,
                   help="ensemble.yaml of `steeldefect select`: only its members, with its TTA and reducer")
    p.add_argument("--tta", default=None, choices=TTA_CHOICES, help="test-time augmentation (default none)")
    p.add_argument("--reducer", default=None, choices=REDUCER_CHOICES,
                   help="how models and views combine (default mean)")
    p.add_argument("--no-gate", action="store_true", help="ignore the classifiers and the gates")
    p.add_argument("--review-band", nargs=2, type=float, default=None, metavar=("LO", "HI"),
                   help="flag images whose classifier defect probability lies in [LO, HI] as 'review' in the "
                        "per-image CSV (their masks are still written); `steeldefect tune` proposes a band")


def ensemble_option(args):
    """The spec of --ensemble (which then sets TTA and reducer), or None; fills --tta/--reducer defaults."""
    from steeldefect.errors import SteelDefectError

    if not getattr(args, "ensemble", None):
        args.tta, args.reducer = args.tta or "none", args.reducer or "mean"
        return None
    from steeldefect.ensemble.spec import load_spec

    if args.tta or args.reducer:
        raise SteelDefectError(f"--ensemble {args.ensemble} sets the TTA and the reducer; drop --tta and --reducer")
    spec = load_spec(args.ensemble)
    args.tta, args.reducer = spec.tta, spec.reducer
    return spec


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


@command("predict", help="predict a folder of images into a submission with the ensemble",
         description="Load every finished classifier and segmenter run, average their probabilities "
                     "(with optional flip TTA), gate images on the classifier (an image with every class "
                     "hard-gated never reaches the segmenters; a soft gate raises the minimum area), then "
                     "threshold (one level, or a survival level and a drawing level), remove small components and masks, resize to "
                     "each image's own size and run-length encode, with the values of thresholds.yaml. Images "
                     "of another camera's size are resized to the models' input and their masks come back at "
                     "their size; with --sample (a Kaggle submission) every image must be 256x1600. Streams in "
                     "chunks; an interrupted run resumes where it stopped.",
         epilog="example:\n  steeldefect predict --runs runs --images data/synth/test_images "
                "--thresholds runs/thresholds.yaml --sample data/synth/sample_submission.csv --out runs/submission.csv")
@arguments(_add)
def run(args) -> int:
    from tqdm import tqdm

    from pathlib import Path

    from steeldefect.constants import IMAGE_SHAPE
    from steeldefect.devices import announce_inference

    from steeldefect.postprocess.thresholds import check_resolution
    from steeldefect.prediction.keras_ensemble import load_ensemble, planned_out_size, select_runs
    from steeldefect.prediction.predict import PredictOptions, image_list, predict_images
    from steeldefect.postprocess.thresholds import load_thresholds
    from steeldefect.errors import SteelDefectError

    if not args.runs and not args.models:
        raise SteelDefectError("give the models: --runs RUNS_FOLDER or --models RUN_DIR ...")
    thresholds = load_thresholds(args.thresholds)
    spec = ensemble_option(args)
    options = PredictOptions(batch_size=args.batch_size, chunk_size=args.chunk_size, use_gate=not args.no_gate,
                             review_band=tuple(args.review_band) if args.review_band else None)
    options.validate()  # before minutes of model loading
    ids, layout = image_list(args.images, args.sample, args.limit)
    classifier_runs, segmenter_runs = select_runs(args.runs, args.models, spec)
    if options.review_band and (args.no_gate or not classifier_runs):
        raise SteelDefectError("--review-band needs the classifiers (it flags on their probability); drop "
                               "--no-gate or add classifier runs")
    if segmenter_runs:  # before loading the models: a mismatch is an error either way
        check_resolution(thresholds, planned_out_size(segmenter_runs), args.thresholds)
    announce_inference("predict", segmenter_runs + ([] if args.no_gate else classifier_runs), Path(args.out).parent)
    forward = load_ensemble(args.runs, args.models, args.tta, args.reducer, not args.no_gate,
                            batch_size=args.batch_size, spec=spec)
    notes = [f"{len(forward.classifiers)} classifier and {len(forward.segmenters)} segmenter models, "
             f"TTA {args.tta}, reducer {args.reducer}"]
    with tqdm(total=len(ids), desc="predict", unit="img") as bar:
        report = predict_images(ids, args.images, forward, thresholds, args.out, options, layout, bar.update, notes,
                                required_shape=IMAGE_SHAPE if args.sample else None)
    print(format_report(report, notes))
    return 0
