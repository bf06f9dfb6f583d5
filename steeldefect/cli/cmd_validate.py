"""`steeldefect validate`: check a submission against a sample submission before uploading."""

from __future__ import annotations

import sys

from steeldefect.cli.commands import arguments, command


def _add(p):
    p.add_argument("submission", help="submission CSV to check")
    p.add_argument("--sample", required=True, help="the sample submission (defines the images and layout)")
    p.add_argument("--max-problems", type=int, default=20, help="how many problems to list (default 20)")


@command("validate", help="check a submission's rows and RLE against the sample submission",
         description="Every image of the sample must have exactly its rows (original layout: the "
                     "sample's ImageId_ClassId keys; later layout: classes 1-4 of each image), with no "
                     "extra or duplicate rows, and every RLE well formed and inside the 256x1600 image. "
                     "Exit 0 when valid; otherwise exit 1 and list the first problems and a count.",
         epilog="example:\n  steeldefect validate runs/submission.csv --sample data/synth/sample_submission.csv")
@arguments(_add)
def run(args) -> int:
    from steeldefect.data.submission import validate_submission

    report = validate_submission(args.submission, args.sample, max_listed=args.max_problems)
    if report.ok:
        print(f"{args.submission}: valid ({report.n_rows} rows)")
        return 0
    for problem in report.problems:
        print(f"{args.submission}: {problem}", file=sys.stderr)
    print(f"{args.submission}: INVALID, {report.n_problems} problem(s)"
          + (f", first {len(report.problems)} listed" if report.n_problems > len(report.problems) else ""),
          file=sys.stderr)
    return 1
