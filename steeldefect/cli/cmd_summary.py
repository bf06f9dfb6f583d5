"""`steeldefect summary`: the closing figures of a run_all.sh output folder."""

from __future__ import annotations

from pathlib import Path

from steeldefect.artifacts.summary_file import STAGE_TIMES_FILE, SUMMARY_FILE
from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import path_or_none
from steeldefect.stages.summary_stage import SummaryArgs, summary


def _add(p):
    p.add_argument("--out", "--runs", dest="out", required=True, metavar="DIR",
                   help="the run_all.sh output folder, the one other stages take as --runs (it holds "
                        f"{STAGE_TIMES_FILE}; {SUMMARY_FILE} is written there)")
    p.add_argument("--pred", "--submission", dest="submission", default=None, metavar="FILE",
                   help="submission to summarise (default OUT/submission.csv); --submission is the older spelling")
    p.add_argument("--data", metavar="DIR", default=None,
                   help="dataset folder; its test_labels.csv, if any, scores the submission")
    p.add_argument("--thresholds", default=None, metavar="FILE",
                   help=f"thresholds YAML of `steeldefect tune` (default OUT/{THRESHOLDS_FILE})")


@command("summary",
         description=f"Collects the figures of a finished run_all.sh folder into OUT/{SUMMARY_FILE}, beside "
                     "the submission, and prints them: the tuned OOF Dice, the test Dice and the all-empty "
                     "baseline when the data folder holds test_labels.csv (with the plant metrics per "
                     "named class: pixel Dice and IoU, image precision and recall), and the wall time per stage.",
         epilog="example:\n  steeldefect summary --out runs/demo --data runs/demo/data")
@arguments(_add)
def run(args) -> int:
    result = summary(SummaryArgs(out=Path(args.out), pred=path_or_none(args.submission),
                                 data=path_or_none(args.data), thresholds=path_or_none(args.thresholds)))
    print(result.text)
    print(f"wrote {result.path}")
    return 0
