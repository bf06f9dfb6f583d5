"""`steeldefect app`: the analysis web app (distributions, image browser, submission comparison)."""

from __future__ import annotations

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import path_or_none, paths_or_none
from steeldefect.stages.app_stage import AppArgs, app


def _add(p):
    p.add_argument("--data", default=None, metavar="DIR",
                   help="dataset folder: train.csv, optionally train_images/, test_images/, sample_submission.csv "
                        "and test_labels.csv (loaded as the truth of the test images)")
    p.add_argument("--labels", default=None, metavar="FILE",
                   help="label file instead of DATA/train.csv (any layout, or the "
                        "real per-image area/flag summaries)")
    p.add_argument("--images", default=None, metavar="DIR", help="image folder to read images from (default: "
                                                                 "DATA/train_images, then DATA/test_images)")
    p.add_argument("--pred", nargs="*", default=[], metavar="FILE",
                   help="submission CSVs to load (either layout)")
    p.add_argument("--sample", default=None, metavar="FILE",
                   help="sample submission that uploads are validated against "
                        "(default: DATA/sample_submission.csv when present)")
    p.add_argument("--metadata", default=None, metavar="FILE",
                   help="CSV of ImageId plus a date or coil column, to filter "
                        "the distributions by range")
    p.add_argument("--metadata-column", default=None, help="the metadata column to filter by (default: the "
                                                           "first named like date/time, else coil)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only; "
                                                       "the app has no login, so another address warns)")
    p.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    p.add_argument("--debug", action="store_true", help="Dash debug mode (reloader, error pages)")


@command("app",
         description="Starts a local Dash app over a dataset: class and area distributions (filterable by a "
                     "metadata date or coil range), an image browser with coloured per-class mask contours "
                     "and ground truth beside a prediction with its per-image Dice, and a comparison of two "
                     "submissions (or one and the truth), with uploads validated like `steeldefect validate`. "
                     "A submission is compared with the truth that lists its images: DATA/test_labels.csv, "
                     "when present, is loaded as the truth of the test images.",
         epilog="examples:\n  steeldefect app --data data/synth --pred runs/demo/submission.csv   "
                "# run_all.sh's submission against the test labels\n"
                "  steeldefect app --labels ../shared/real/train_mask_areas.csv --images ../shared/real/images")
@arguments(_add)
def run(args) -> int:
    app(AppArgs(data=path_or_none(args.data), labels=path_or_none(args.labels), images=path_or_none(args.images),
                preds=paths_or_none(args.pred) or (), sample=path_or_none(args.sample),
                metadata=path_or_none(args.metadata), metadata_column=args.metadata_column, host=args.host,
                port=args.port, debug=args.debug))
    return 0
