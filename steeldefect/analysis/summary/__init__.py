"""The end-of-run summary of run_all.sh: OOF Dice, test Dice, the all-empty baseline, stage times."""

from steeldefect.analysis.summary.collect import build_summary, format_summary

__all__ = ["build_summary", "format_summary"]
