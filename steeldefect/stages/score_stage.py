"""Stage `score`: the competition metric of a submission against the truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from steeldefect.data.labels import read_labels
from steeldefect.data.submission import read_submission
from steeldefect.metric import score_tables


@dataclass(frozen=True)
class ScoreArgs:
    truth: Path  # truth CSV, any layout
    pred: Path  # submission CSV, either layout
    images: Path | None = None  # image folder of the truth's images (a truth in the later layout only)


@dataclass(frozen=True)
class ScoreResult:
    report: dict  # mean, n_pairs, n_images, per_class, counts (metric.score_tables)

    @property
    def mean_dice(self) -> float:
        return self.report["mean"]

    def text(self) -> str:
        return format_report(self.report)


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


def score(args: ScoreArgs) -> ScoreResult:
    """Mean Dice over every (image, class) pair of the truth, per-class Dice and decision counts."""
    truth = read_labels(args.truth, images_dir=args.images)
    return ScoreResult(score_tables(truth, read_submission(args.pred)))
