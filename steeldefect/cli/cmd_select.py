"""`steeldefect select`: choose the ensemble's members, TTA views and reducer on OOF under a time budget."""

from __future__ import annotations

from pathlib import Path

from steeldefect.cli.commands import arguments, command
from steeldefect.cli.options import REDUCER_CHOICES, comma_list
from steeldefect.errors import SteelDefectError
from steeldefect.runfolder import META_FILE, OOF_FILE


def _add(p):
    p.add_argument("--runs", required=True, help="runs folder holding segmenter/ (and classifier/) runs")
    p.add_argument("--budget-s", type=float, required=True,
                   help="seconds the ensemble may take to predict --n-images images (e.g. 3000 for the Kaggle hour "
                        "less a margin)")
    p.add_argument("--n-images", "--images", dest="images", type=int, required=True, metavar="N",
                   help="how many images it predicts (Kaggle: 5506); --images is the older spelling")
    p.add_argument("--out", required=True, help="ensemble.yaml to write; a plot and the costs go beside it")
    p.add_argument("--labels", default=None, help="the train.csv the runs were trained on (any layout)")
    p.add_argument("--data", default=None,
                   help=f"dataset folder the runs trained on (default: the one their {META_FILE} names); its "
                        "images are predicted under the TTA flips once, and timed")
    p.add_argument("--costs", default=None,
                   help="costs YAML measured elsewhere (e.g. on the GPU that will predict); default: measure here")
    p.add_argument("--reducers", default=None, type=comma_list(REDUCER_CHOICES, "reducer"),
                   help=f"reducers tried, comma-separated, from {', '.join(REDUCER_CHOICES)} (default all)")
    p.add_argument("--no-tta", action="store_true", help="never add TTA views")
    p.add_argument("--min-gain", type=float, default=0.0, help="smallest OOF Dice gain a move must bring (default 0)")
    p.add_argument("--batch-size", type=int, default=8, help="batch of the timing pass (default 8)")


def format_selection(selection, budget_s: float, reference) -> str:
    lines = [f"{'step':<32} {'OOF dice':>9} {'est. s':>9}"]
    for step in selection.steps:
        lines.append(f"{step.move:<32} {step.score:9.5f} {step.cost_s:9.1f}")
    if reference is not None:
        lines.append(f"{'(every member, TTA both, mean)':<32} {reference[0]:9.5f} {reference[1]:9.1f}")
    lines.append(f"budget {budget_s:g} s; {selection.evaluated} candidates scored")
    return "\n".join(lines)


def plot_selection(selection, budget_s: float, reference, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4), dpi=110)
    ax = fig.add_subplot()
    xs, ys = [s.cost_s for s in selection.steps], [s.score for s in selection.steps]
    ax.plot(xs, ys, "o-", color="tab:blue", label="greedy steps")
    for s in selection.steps:
        ax.annotate(s.move, (s.cost_s, s.score), textcoords="offset points", xytext=(4, -10), fontsize=7)
    if reference is not None:
        ax.plot([reference[1]], [reference[0]], "s", color="tab:gray", label="every member, TTA both")
    right = max(xs + ([reference[1]] if reference is not None else []))
    if budget_s <= 1.5 * right:
        ax.axvline(budget_s, color="tab:red", linestyle="--", label=f"budget {budget_s:g} s")
    else:
        ax.set_title(f"budget {budget_s:g} s (beyond the chart)", fontsize=9)
    ax.set_xlim(left=0)
    ax.set_xlabel("estimated prediction seconds")
    ax.set_ylabel("tuned OOF Dice (stage 1)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)


def _image_dir(runs: list, data: str | None) -> Path:
    from steeldefect.data.kaggle_folder import TRAIN_IMAGES
    from steeldefect.runfolder import read_meta

    where = data or next((read_meta(r).get("data") for r in runs if read_meta(r).get("data")), None)
    if not where or not (Path(where) / TRAIN_IMAGES).is_dir():
        raise SteelDefectError(f"cannot find the training images to time the overhead ({where or 'no dataset'}"
                               f"/{TRAIN_IMAGES}); pass --data or --costs")
    return Path(where) / TRAIN_IMAGES


@command("select", help="choose members, TTA views and reducer on OOF under a prediction-time budget",
         description="Greedy forward selection of the ensemble: start from the best single segmenter member "
                     "(its folds averaged), then repeatedly add the segmenter member, classifier member or TTA "
                     "view that raises the tuned OOF Dice most while the estimated prediction time of --n-images "
                     "images stays within --budget-s; finally try the other reducers. A candidate's score is "
                     "the exact threshold search of `steeldefect tune` (stage 1) on its OOF predictions under "
                     "its views; the OOF predictions under the flips are made once per run and kept beside "
                     f"{OOF_FILE}. Costs per image are timed here (one fold model of each member, plus decoding, "
                     "post-processing and RLE) or read with --costs (a costs file written by select on another machine, e.g. the GPU that will predict). Writes ensemble.yaml for "
                     "`predict`, `tune`, `pseudo-label` and `kaggle-package --ensemble`.",
         epilog="example:\n  steeldefect select --runs runs/demo --budget-s 3000 --n-images 5506 "
                "--out runs/demo/ensemble.yaml\n"
                "  steeldefect tune --runs runs/demo --ensemble runs/demo/ensemble.yaml --out runs/demo/thresholds.yaml")
@arguments(_add)
def run(args) -> int:
    from tqdm import tqdm

    from steeldefect.cli.cmd_tune import truth_labels
    from steeldefect.ensemble.spec import save_spec
    from steeldefect.runfolder import find_runs
    from steeldefect.selection.costs import costs_to_dict, load_costs, measure_costs, save_costs
    from steeldefect.selection.select import Scorer, SelectOptions, everything, run_select, spec_of
    from steeldefect.devices import announce_inference
    from steeldefect.tuning.view_oof import ensure_view_oof, missing_views

    if args.budget_s <= 0 or args.images < 1:
        raise SteelDefectError("--budget-s must be positive and --n-images at least 1")
    out = Path(args.out)
    if out.suffix not in (".yaml", ".yml"):
        raise SteelDefectError(f"--out {out}: name a .yaml file")
    labels, _ = truth_labels(args)
    runs = find_runs(args.runs, "segmenter") + find_runs(args.runs, "classifier")
    if not any(r.kind == "segmenter" for r in runs):
        raise SteelDefectError(f"no finished segmenter runs under {args.runs}; train segmenters first")
    costs_out = out.with_name(f"{out.stem}_costs.yaml")
    if not args.costs or (not args.no_tta and missing_views(runs, "both")):  # it will run models
        announce_inference("select", runs, out.parent)
    if args.costs:
        costs = load_costs(args.costs)
    else:
        image_dir = _image_dir(runs, args.data)
        members = {(r.kind, r.backbone) for r in runs}
        with tqdm(total=len(members), desc="timing members", unit="model", leave=False) as bar:
            costs = measure_costs(runs, image_dir, args.batch_size, progress=bar)
        save_costs(costs, costs_out)
    if not args.no_tta:
        with tqdm(desc="OOF under TTA flips", unit="run", leave=False) as bar:
            ensure_view_oof(runs, "both", args.data, bar)
    options = SelectOptions(args.budget_s, args.images, args.reducers or SelectOptions.reducers, args.min_gain,
                            not args.no_tta)
    scorer = Scorer(args.runs, labels, costs, options)
    with tqdm(desc="candidates", unit="cand", leave=False) as bar:
        selection = run_select(scorer, progress=lambda c: bar.update(1))
    reference = None
    if not args.no_tta:
        ref = everything(scorer)
        reference = (scorer.score(ref), scorer.cost(ref))
    chosen = selection.chosen
    selected = {
        "budget_s": args.budget_s, "images": args.images, "estimated_s": round(chosen.cost_s, 1),
        "oof_dice_stage1": round(chosen.score, 6), "costs": {"file": args.costs or str(costs_out), **costs_to_dict(costs)},
        "steps": [{"move": s.move, "oof_dice_stage1": round(s.score, 6), "estimated_s": round(s.cost_s, 1)}
                  for s in selection.steps],
        "candidates_scored": selection.evaluated,
    }
    if reference is not None:
        selected["every_member"] = {"oof_dice_stage1": round(reference[0], 6), "estimated_s": round(reference[1], 1)}
    spec = spec_of(chosen.candidate, selected)
    save_spec(spec, out)
    print(format_selection(selection, args.budget_s, reference))
    print(f"chosen: {spec.describe()}")
    plot = out.with_name(f"{out.stem}_steps.png")
    plot_selection(selection, args.budget_s, reference, plot)
    where = "" if args.costs else f", {costs_out}"
    print(f"-> {out}, {plot}{where}")
    print(f"next: steeldefect tune --runs {args.runs} --ensemble {out} --out THRESHOLDS.yaml")
    return 0
