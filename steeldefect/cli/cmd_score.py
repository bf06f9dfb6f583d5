"""`steeldefect score`: the competition metric of a submission against the truth."""

from __future__ import annotations

import json

from steeldefect.cli.commands import arguments, command


def _add(p):
    p.add_argument("--truth", required=True, help="truth CSV (train.csv or test_labels.csv, any layout)")
    p.add_argument("--pred", required=True, help="submission CSV to score (either layout)")
    p.add_argument("--truth-images", default=None,
                   help="image folder listing the truth's images, needed only for a truth in the "
                        "later layout (default: train_images/ beside the truth CSV)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")


def format_report(report: dict) -> str:
    """Human-readable score report: mean, per-class Dice and decision counts."""
    lines = [f"mean Dice {report['mean']:.5f} over {report['n_pairs']} (image, class) pairs "
             f"of {report['n_images']} images",
             f"{'class':>5} {'dice':>8} {'tp':>6} {'fp':>6} {'fn':>6} {'tn':>6}"]
    for cls, row in report["per_class"].items():
        lines.append(f"{cls:>5} {row['dice']:8.5f} {row['tp']:6d} {row['fp']:6d} {row['fn']:6d} {row['tn']:6d}")
    c = report["counts"]
    lines.append(f"{'all':>5} {report['mean']:8.5f} {c['tp']:6d} {c['fp']:6d} {c['fn']:6d} {c['tn']:6d}")
    if report.get("n_extra_pred_images"):
        lines.append(f"note: {report['n_extra_pred_images']} predicted images are not in the truth; ignored")
    return "\n".join(lines)


@command("score", help="score a submission with the competition metric (mean Dice)",
         description="Mean Dice over all (image, class) pairs, a pair with both masks empty scoring 1, "
                     "as Kaggle computes it; also per-class Dice and the counts of empty/non-empty "
                     "decisions (tp = both non-empty, fp = predicted on a clean pair, fn = missed, "
                     "tn = both empty). Either CSV may be in either layout.",
         epilog="example:\n  steeldefect score --truth data/synth/test_labels.csv --pred runs/submission.csv")
@arguments(_add)
def run(args) -> int:
    from steeldefect.data.labels import read_labels
    from steeldefect.data.submission import read_submission
    from steeldefect.metric import score_tables

    truth = read_labels(args.truth, images_dir=args.truth_images)
    pred = read_submission(args.pred)
    report = score_tables(truth, pred)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0
