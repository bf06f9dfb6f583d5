"""`steeldefect report`: the error-analysis report of trained runs (HTML page with PNG figures)."""

from __future__ import annotations

from pathlib import Path

from steeldefect.cli.commands import arguments, command
from steeldefect.runfolder import OOF_FILE


def _path(value):
    return Path(value) if value else None


def _add(p):
    p.add_argument("--runs", required=True,
                   help=f"runs folder holding segmenter/ (and classifier/) runs with {OOF_FILE}")
    p.add_argument("--out", required=True, help="output folder for index.html, its PNG figures and report.json")
    p.add_argument("--data", default=None,
                   help="dataset folder: its train.csv is the OOF truth, its train_images/ are drawn")
    p.add_argument("--labels", default=None, help="OOF truth CSV instead of DATA/train.csv (any layout)")
    p.add_argument("--pred", default=None, help="a submission CSV to score as well, against --truth (default DATA/test_labels.csv when present)")
    p.add_argument("--truth", default=None, help="the truth of --pred (default DATA/test_labels.csv when present)")
    p.add_argument("--thresholds", default=None,
                   help="thresholds.yaml from `steeldefect tune` (default: pixel threshold 0.5, no area, no gate)")
    p.add_argument("--worst", type=int, default=4, help="worst images drawn per class (default 4)")
    p.add_argument("--chunk-size", type=int, default=64, help="OOF images read at a time (memory)")


@command("report", help="error-analysis report of trained runs (HTML + PNG)",
         description="Streams the out-of-fold predictions of every finished run once and writes OUT/index.html "
                     "with: per-class Dice and image-level tp/fp/fn/tn (OOF, and a submission when --pred and "
                     "--truth are given); the classifier's ROC, AUC and confusion at its gate; per-class pixel "
                     "confusion; predicted-area histograms of images with and without each class; the worst "
                     "images per class with truth and prediction contours; Dice over pixel threshold x minimum "
                     "area. Sections without their inputs (no classifier, no submission, no images) say so.",
         epilog="examples:\n  steeldefect report --runs runs/demo --data runs/demo/data --out runs/demo/report\n"
                "  steeldefect report --runs runs/demo --data runs/demo/data \\\n"
                "      --thresholds runs/demo/thresholds.yaml --pred runs/demo/submission.csv \\\n"
                "      --truth runs/demo/data/test_labels.csv --out runs/demo/report")
@arguments(_add)
def run(args) -> int:
    from tqdm import tqdm

    from steeldefect.report import ReportInputs, build_report

    inputs = ReportInputs(Path(args.runs), _path(args.data), _path(args.labels), _path(args.pred),
                          _path(args.truth), _path(args.thresholds))
    bars = []  # the bar appears with the OOF pass, after the inputs were read and checked

    def progress(n: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, desc="OOF images", unit="img", leave=False))
        bars[0].update(n)

    try:
        result = build_report(inputs, args.out, chunk_size=args.chunk_size, worst=args.worst, progress=progress)
    finally:
        for bar in bars:
            bar.close()
    for note in result.notes:
        print(f"note: {note}")
    print(f"{result.n_images} OOF images, {len(result.files)} files in {result.seconds_total:.1f} s "
          f"(OOF pass {result.seconds_oof:.1f} s) -> {result.index}")
    return 0
