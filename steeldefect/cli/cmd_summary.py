"""`steeldefect summary`: the closing figures of a run_all.sh output folder."""

from __future__ import annotations

from pathlib import Path

from steeldefect.cli.commands import arguments, command


def _add(p):
    p.add_argument("--out", "--runs", dest="out", required=True,
                   help="the run_all.sh output folder, the one other stages take as --runs (it holds "
                        "stage_times.tsv; summary.json is written there)")
    p.add_argument("--pred", "--submission", dest="submission", default=None, metavar="SUBMISSION",
                   help="submission to summarise (default OUT/submission.csv); --submission is the older spelling")
    p.add_argument("--data", default=None, help="dataset folder; its test_labels.csv, if any, scores the submission")
    p.add_argument("--thresholds", default=None, help="tuned thresholds.yaml (default OUT/thresholds.yaml)")


@command("summary", help="summarise a run: OOF Dice, test Dice vs the all-empty baseline, stage times",
         description="Collects the figures of a finished run_all.sh folder into OUT/summary.json, beside "
                     "the submission, and prints them: the tuned OOF Dice, the test Dice and the all-empty "
                     "baseline when the data folder holds test_labels.csv, and the wall time per stage.",
         epilog="example:\n  steeldefect summary --out runs/demo --data runs/demo/data")
@arguments(_add)
def run(args) -> int:
    from steeldefect.summary import build_summary, format_summary, write_summary

    out = Path(args.out)
    submission = Path(args.submission) if args.submission else out / "submission.csv"
    thresholds = args.thresholds or out / "thresholds.yaml"
    summary = build_summary(out, submission, args.data, thresholds)
    path = out / "summary.json"
    write_summary(summary, path)
    print(format_summary(summary))
    print(f"wrote {path}")
    return 0
