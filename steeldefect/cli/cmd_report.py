"""`steeldefect report`: the error-analysis report of trained runs (HTML page with PNG figures)."""

from __future__ import annotations

from pathlib import Path

from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import add_chunk_size_option, add_thresholds_option, path_or_none
from steeldefect.artifacts.oof import OOF_FILE
from steeldefect.stages.report_stage import ReportArgs, report


def _add(p):
    p.add_argument("--runs", required=True, metavar="DIR",
                   help=f"runs folder holding segmenter/ (and classifier/) runs with {OOF_FILE}")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder for index.html, its PNG figures and report.json")
    p.add_argument("--data", default=None, metavar="DIR",
                   help="dataset folder: its train.csv is the OOF truth, its train_images/ are drawn")
    p.add_argument("--labels", default=None, metavar="FILE",
                   help="OOF truth CSV instead of DATA/train.csv (any layout)")
    p.add_argument("--pred", default=None, metavar="FILE",
                   help="a submission CSV to score as well, against --truth (default DATA/test_labels.csv "
                        "when present)")
    p.add_argument("--truth", default=None, metavar="FILE",
                   help="the truth of --pred (default DATA/test_labels.csv when present)")
    add_thresholds_option(p, required=False, default_help=" (default: pixel threshold 0.5, no area, no gate)")
    p.add_argument("--worst", type=int, default=4, help="worst images drawn per class (default 4)")
    add_chunk_size_option(p, "OOF images read at a time (memory)")


@command("report",
         description="Streams the out-of-fold predictions of every finished run once and writes OUT/index.html "
                     "with: per-class Dice and image-level tp/fp/fn/tn (OOF, and a submission when --pred and "
                     "--truth are given) and a Plant metrics table (pixel Dice and IoU, image precision and recall "
                     "per class, named as the dataset names them); the classifier's ROC, AUC and confusion at its gate; per-class pixel "
                     "confusion; predicted-area histograms of images with and without each class; the worst "
                     "images per class with truth and prediction contours; Dice over pixel threshold x minimum "
                     "area. Sections without their inputs (no classifier, no submission, no images) say so.",
         epilog="examples:\n  steeldefect report --runs runs/demo --data runs/demo/data --out runs/demo/report\n"
                "  steeldefect report --runs runs/demo --data runs/demo/data \\\n"
                f"      --thresholds runs/demo/{THRESHOLDS_FILE} --pred runs/demo/submission.csv \\\n"
                "      --truth runs/demo/data/test_labels.csv --out runs/demo/report")
@arguments(_add)
def run(args) -> int:
    result = report(ReportArgs(
        runs=Path(args.runs), out=Path(args.out), data=path_or_none(args.data), labels=path_or_none(args.labels),
        pred=path_or_none(args.pred), truth=path_or_none(args.truth), thresholds=path_or_none(args.thresholds),
        worst=args.worst, chunk_size=args.chunk_size))
    print(result.text())
    return 0
