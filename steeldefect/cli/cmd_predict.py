"""`steeldefect predict`: the ensemble's submission for a folder of images."""

from __future__ import annotations

from pathlib import Path

from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import (add_batch_size_option, add_chunk_size_option, add_ensemble_options,
                                     add_models_options, add_thresholds_option, path_or_none, paths_or_none)
from steeldefect.artifacts.run_folder import DONE_FILE
from steeldefect.prediction.tool_formats import PREDICT_FORMATS
from steeldefect.stages.predict_stage import PredictArgs, predict


def _add(p):
    add_models_options(p, f"runs folder: every classifier and segmenter run with {DONE_FILE} is used")
    p.add_argument("--images", required=True, metavar="DIR", help="folder of the images to predict (e.g. test_images)")
    add_thresholds_option(p)
    p.add_argument("--out", required=True, metavar="FILE", help="submission CSV to write")
    p.add_argument("--format", choices=PREDICT_FORMATS, default="csv",
                   help="csv: the submission only (default); masks: also <out stem>_masks/, one index-mask PNG "
                        "per image (pixel value = class id; the later class wins where classes overlap) and "
                        "classes.txt; coco: also <out stem>_coco.json (COCO instances, RLE). Both go back into "
                        "annotation tools, and into `steeldefect import`")
    p.add_argument("--sample", default=None, metavar="FILE",
                   help="sample_submission.csv: predict its images, in its order and layout")
    p.add_argument("--limit", type=int, default=None, help="predict only the first N images")
    add_batch_size_option(p)
    add_chunk_size_option(p, "an interrupted run resumes after the last finished chunk")
    add_ensemble_options(p)
    p.add_argument("--no-gate", action="store_true", help="ignore the classifiers and the gates")
    p.add_argument("--review-band", nargs=2, type=float, default=None, metavar=("LO", "HI"),
                   help="flag images whose classifier defect probability lies in [LO, HI] as 'review' in the "
                        "per-image CSV (their masks are still written); `steeldefect tune` proposes a band")


@command("predict",
         description="Load every finished classifier and segmenter run, average their probabilities "
                     "(with optional flip TTA), gate images on the classifier (an image with every class "
                     "hard-gated never reaches the segmenters; a soft gate raises the minimum area), then "
                     "threshold (one level, or a survival level and a drawing level), remove small components and masks, resize to "
                     f"each image's own size and run-length encode, with the values of {THRESHOLDS_FILE}. Images "
                     "of another camera's size are resized to the models' input and their masks come back at "
                     "their size; with --sample (a Kaggle submission) every image must have the size of the "
                     "models' dataset when it has one (256x1600 for Severstal). Streams in "
                     "chunks; an interrupted run resumes where it stopped.",
         epilog="example:\n  steeldefect predict --runs runs --images data/synth/test_images "
                f"--thresholds runs/{THRESHOLDS_FILE} --sample data/synth/sample_submission.csv --out runs/submission.csv")
@arguments(_add)
def run(args) -> int:
    result = predict(PredictArgs(
        images=Path(args.images), thresholds=Path(args.thresholds), out=Path(args.out), runs=path_or_none(args.runs),
        models=paths_or_none(args.models), sample=path_or_none(args.sample), limit=args.limit,
        batch_size=args.batch_size, chunk_size=args.chunk_size, ensemble=path_or_none(args.ensemble), tta=args.tta,
        reducer=args.reducer, use_gate=not args.no_gate,
        review_band=tuple(args.review_band) if args.review_band else None, format=args.format))
    print(result.text())
    return 0
