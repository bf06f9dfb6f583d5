"""`steeldefect tune`: choose per-class post-processing on the out-of-fold predictions."""

from __future__ import annotations

from pathlib import Path

from steeldefect.artifacts.ensemble_file import ENSEMBLE_FILE
from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE
from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import add_chunk_size_option, grid_values, path_or_none
from steeldefect.artifacts.oof import OOF_FILE
from steeldefect.stages.tune_stage import TuneArgs, tune


def _add(p):
    p.add_argument("--runs", required=True, metavar="DIR",
                   help=f"runs folder holding segmenter/ (and classifier/) runs with {OOF_FILE}")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="thresholds YAML to write; figures and surfaces go beside it")
    p.add_argument("--labels", default=None, metavar="FILE", help="the train.csv the runs were trained on (any layout)")
    p.add_argument("--data", default=None, metavar="DIR", help="dataset folder holding train.csv (instead of --labels)")
    p.add_argument("--ensemble", default=None, metavar="FILE",
                   help=f"{ENSEMBLE_FILE} of `steeldefect select`: tune only its members, under its TTA views and "
                        "reducer (the OOF predictions under the flips are made once if missing)")
    _add_grid(p)
    _add_review_and_search(p)


def _add_grid(p):
    p.add_argument("--pixel-thresholds", default=None, type=grid_values(float), metavar="VALUES",
                   help="pixel thresholds searched, e.g. 0.05:0.95:0.025")
    p.add_argument("--min-areas", default=None, type=grid_values(int), metavar="VALUES",
                   help="minimum mask areas searched, pixels at 256x1600, e.g. 0,500,1000")
    p.add_argument("--gates", default=None, type=grid_values(float), metavar="VALUES",
                   help="classifier gates searched, e.g. 0:0.95:0.05")
    p.add_argument("--min-components", default=None, type=grid_values(int), metavar="VALUES",
                   help="minimum component sizes searched in stage 2, pixels at 256x1600, starting at 0")
    p.add_argument("--survival-thresholds", default=None, type=grid_values(float), metavar="VALUES",
                   help="two-level thresholds: survival thresholds searched besides one level, e.g. 0.5:0.9:0.1, "
                        "or none (default 0.3:0.9:0.1)")
    p.add_argument("--gate-area-factors", default=None, type=grid_values(float), metavar="VALUES",
                   help="soft gate: factors of the minimum area below the gate searched besides the hard gate, "
                        "e.g. 1,2,5, or none (default 1,1.5,2,3,5,10)")


def _add_review_and_search(p):
    p.add_argument("--review-max-missed", type=int, default=1,
                   help="review band: defective OOF images allowed below it, unflagged (default 1)")
    p.add_argument("--review-max-false-alarms", type=int, default=1,
                   help="review band: clean OOF images allowed above it, unflagged (default 1)")
    p.add_argument("--no-components", action="store_true", help="skip stage 2 (connected-component removal)")
    p.add_argument("--shared-gate", action="store_true", help="one gate value for all classes")
    add_chunk_size_option(p, "OOF images read at a time (memory)")
    p.add_argument("--no-plots", action="store_true", help="do not draw the Dice surfaces")


@command("tune",
         description="Search, per class and jointly, the pixel threshold, the minimum mask area and the "
                     "classifier gate that maximise the competition Dice of the OOF predictions of all "
                     "folds (averaged over backbones as the ensemble does), together with two rules of the "
                     "top solutions: two-level thresholds (a survival threshold decides whether a mask reaches "
                     "the minimum area, the pixel threshold draws it) and the soft gate (below the gate the "
                     "minimum area is multiplied by a factor instead of the mask being emptied); then, at "
                     "the chosen thresholds, the minimum connected-component size. It prints the best OOF "
                     "Dice of each rule family per class. The search is exact: it scores every grid point "
                     "from per-image cumulative histograms. The Dice is measured at the segmenters' "
                     "training resolution (truth masks resized nearest).",
         epilog=f"example:\n  steeldefect tune --runs runs --data data/synth --out runs/{THRESHOLDS_FILE}")
@arguments(_add)
def run(args) -> int:
    result = tune(TuneArgs(
        runs=Path(args.runs), out=Path(args.out), labels=path_or_none(args.labels), data=path_or_none(args.data),
        ensemble=path_or_none(args.ensemble), pixel_thresholds=args.pixel_thresholds, min_areas=args.min_areas,
        gates=args.gates, min_components=args.min_components, survival_thresholds=args.survival_thresholds,
        gate_area_factors=args.gate_area_factors, review_max_missed=args.review_max_missed,
        review_max_false_alarms=args.review_max_false_alarms, components=not args.no_components,
        shared_gate=args.shared_gate, chunk_size=args.chunk_size, plots=not args.no_plots))
    print(result.text())
    return 0
