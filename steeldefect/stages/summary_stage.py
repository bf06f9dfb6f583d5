"""Stage `summary`: the closing figures of a run_all.sh output folder, into its summary.json."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.summary_file import summary_path, write_summary
from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
from steeldefect.stages._common import SUBMISSION_FILE
from steeldefect.analysis.summary import build_summary, format_summary


@dataclass(frozen=True)
class SummaryArgs:
    out: Path  # the run_all.sh output folder (stage_times.tsv); the summary is written there
    pred: Path | None = None  # the submission (default OUT/submission.csv)
    data: Path | None = None  # dataset folder: its test labels, if any, score the submission
    thresholds: Path | None = None  # tuned thresholds (default OUT/thresholds.yaml)


@dataclass(frozen=True)
class SummaryResult:
    path: Path  # summary.json written
    summary: object  # summary.Summary (to_dict: what summary.json holds)
    text: str  # the figures as lines


def summary(args: SummaryArgs) -> SummaryResult:
    """Collect the tuned OOF Dice, the test Dice against the all-empty baseline and the stage times."""
    out = Path(args.out)
    built = build_summary(out, args.pred or out / SUBMISSION_FILE, args.data, args.thresholds or out / THRESHOLDS_FILE)
    path = summary_path(out)
    write_summary(built, path)
    return SummaryResult(path, built, format_summary(built))
