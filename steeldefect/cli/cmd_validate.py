"""`steeldefect validate`: check a submission against a sample submission before uploading."""

from __future__ import annotations

import logging
from pathlib import Path

from steeldefect.cli.commands import arguments, command
from steeldefect.errors import SteelDefectError
from steeldefect.stages.validate_stage import ValidateArgs, validate

log = logging.getLogger(__name__)


def _add(p):
    p.add_argument("submission", nargs="?", default=None, metavar="SUBMISSION",
                   help="submission CSV to check (or --pred)")
    p.add_argument("--pred", default=None, metavar="FILE", help="submission CSV to check (the positional's flag)")
    p.add_argument("--sample", metavar="FILE", required=True,
                   help="the sample submission (defines the images and layout)")
    p.add_argument("--max-problems", type=int, default=20, help="how many problems to list (default 20)")
    p.add_argument("--data", type=Path, default=None, metavar="DIR",
                   help="an imported dataset folder (steeldefect import): its classes, and the sizes of its "
                        "test_images/ (default: Severstal's four classes and 256x1600 strips)")


@command("validate",
         description="Every image of the sample must have exactly its rows (original layout: the "
                     "sample's ImageId_ClassId keys; later layout: classes 1-4 of each image, 1-K with --data), "
                     "with no extra or duplicate rows, and every RLE well formed and inside its image (256x1600, "
                     "or the size --data's dataset gives it). "
                     "Exit 0 when valid; otherwise exit 1 and list the first problems and a count.",
         epilog="example:\n  steeldefect validate --pred runs/submission.csv --sample data/synth/sample_submission.csv")
@arguments(_add)
def run(args) -> int:
    if not (args.pred or args.submission):
        raise SteelDefectError("give the submission to check: validate FILE or --pred FILE")
    result = validate(ValidateArgs(pred=Path(args.pred or args.submission), sample=Path(args.sample),
                                   max_problems=args.max_problems, data=args.data))
    if result.ok:
        print(f"{result.pred}: valid ({result.n_rows} rows)")
        return 0
    log.error(result.problems_text())
    return 1
