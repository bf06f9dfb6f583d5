"""Stage `select`: choose the ensemble's members, TTA views and reducer on OOF under a time budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from steeldefect.devices import announce_inference
from steeldefect.artifacts.ensemble_file import save_spec
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.run_config import head_of
from steeldefect.artifacts.run_folder import find_runs
from steeldefect.artifacts.run_meta import read_meta
from steeldefect.stages._common import truth_set
from steeldefect.data.kaggle_folder import TRAIN_IMAGES
from steeldefect.selection.costs import costs_to_dict, load_costs, measure_costs, save_costs
from steeldefect.selection.select import Scorer, SelectOptions, everything, run_select, spec_of
from steeldefect.tuning.view_oof import ensure_view_oof, missing_views

COSTS_SUFFIX = "_costs.yaml"  # OUT stem + this: the costs timed here, beside the ensemble
STEPS_PLOT_SUFFIX = "_steps.png"  # OUT stem + this: the greedy steps' chart
SELECT_TTA = ("none", "both")  # the views select may add: none, or the flips of "both" one at a time


@dataclass(frozen=True)
class SelectArgs:
    runs: Path  # segmenter (and classifier) runs
    budget_s: float  # seconds the ensemble may take to predict n_images images
    n_images: int  # how many images it predicts (Kaggle: 5506)
    out: Path  # ensemble YAML to write; a plot and the costs go beside it
    labels: Path | None = None  # the train.csv the runs were trained on
    data: Path | None = None  # their dataset folder (default: the one their meta names)
    costs: Path | None = None  # costs YAML measured elsewhere; default: time here
    reducers: tuple[str, ...] | None = None  # reducers tried (default all)
    tta: str = "both"  # none: never add TTA views
    min_gain: float = 0.0  # smallest OOF Dice gain a move must bring
    batch_size: int = 8  # batch of the timing pass


@dataclass(frozen=True)
class SelectResult:
    out: Path
    spec: object  # artifacts.ensemble_file.EnsembleSpec chosen
    selection: object  # selection.greedy.Selection: the steps and candidates scored
    reference: tuple[float, float] | None  # (OOF Dice, seconds) of every member under both flips, with TTA
    budget_s: float
    written: tuple[Path, ...]  # the plot and, when timed here, the costs
    heads: dict = field(default_factory=dict)  # "<kind>/<member>" -> its head, from its runs' config.yaml

    def text(self) -> str:
        members = "; ".join(f"{name} ({head})" for name, head in self.heads.items())
        lines = [f"members: {members}"] if members else []
        lines += [format_selection(self.selection, self.budget_s, self.reference), f"chosen: {self.spec.describe()}",
                 f"-> {', '.join(str(p) for p in (self.out, *self.written))}"]
        return "\n".join(lines)


def _check(args: SelectArgs) -> None:
    if args.budget_s <= 0 or args.n_images < 1:
        raise SteelDefectError("--budget-s must be positive and --n-images at least 1")
    if Path(args.out).suffix not in (".yaml", ".yml"):
        raise SteelDefectError(f"--out {args.out}: name a .yaml file")
    if args.tta not in SELECT_TTA:
        raise SteelDefectError(f"--tta {args.tta}: select adds the flips of 'both' one at a time; "
                               f"choose from {', '.join(SELECT_TTA)}")


def _image_dir(runs: list, data: Path | None) -> Path:
    """The training images the members are timed on: ``data``'s, or those of the dataset the runs name."""
    where = data or next(filter(None, (read_meta(r).data for r in runs)), None)
    if not where or not (Path(where) / TRAIN_IMAGES).is_dir():
        raise SteelDefectError(f"cannot find the training images to time the overhead ({where or 'no dataset'}"
                               f"/{TRAIN_IMAGES}); pass --data or --costs")
    return Path(where) / TRAIN_IMAGES


def _costs(args: SelectArgs, runs: list, costs_out: Path):
    """(costs, as recorded): the costs per image of --costs, or timed here (and saved to ``costs_out``)."""
    if args.costs:
        costs = load_costs(args.costs)
        return costs, costs_to_dict(costs)
    image_dir = _image_dir(runs, args.data)
    with tqdm(total=len({(r.kind, r.member) for r in runs}), desc="timing members", unit="model",
              leave=False) as bar:
        costs = measure_costs(runs, image_dir, args.batch_size, progress=bar)
    save_costs(costs, costs_out)
    return costs, costs_to_dict(costs)


def _prepare(args: SelectArgs, costs_out: Path):
    """(runs, costs, costs as recorded): the finished runs, their costs, and their OOF predictions under the
    flips."""
    runs = find_runs(args.runs, "segmenter") + find_runs(args.runs, "classifier")
    if not any(r.kind == "segmenter" for r in runs):
        raise SteelDefectError(f"no finished segmenter runs under {args.runs}; train segmenters first")
    tta = args.tta != "none"
    if not args.costs or (tta and missing_views(runs, "both")):  # it will run models
        announce_inference("select", runs, Path(args.out).parent)
    costs, recorded = _costs(args, runs, costs_out)
    if tta:
        with tqdm(desc="OOF under TTA flips", unit="run", leave=False) as bar:
            ensure_view_oof(runs, "both", args.data, bar)
    return runs, costs, recorded


def _selected(args: SelectArgs, selection, reference, costs: dict, costs_out: Path) -> dict:
    """What the ensemble file records about the choice under "selected"."""
    chosen = selection.chosen
    selected = {
        "budget_s": args.budget_s, "images": args.n_images, "estimated_s": round(chosen.cost_s, 1),
        "oof_dice_stage1": round(chosen.score, 6),
        "costs": {"file": str(args.costs or costs_out), **costs},
        "steps": [{"move": s.move, "oof_dice_stage1": round(s.score, 6), "estimated_s": round(s.cost_s, 1)}
                  for s in selection.steps],
        "candidates_scored": selection.evaluated,
    }
    if reference is not None:
        selected["every_member"] = {"oof_dice_stage1": round(reference[0], 6), "estimated_s": round(reference[1], 1)}
    return selected


def select(args: SelectArgs) -> SelectResult:
    """Greedy forward selection of members, TTA views and reducer by tuned OOF Dice within the budget."""
    _check(args)
    labels, _ = truth_set(args.runs, args.labels, args.data, stage="select")
    out = Path(args.out)
    costs_out = out.with_name(f"{out.stem}{COSTS_SUFFIX}")
    runs, costs, recorded = _prepare(args, costs_out)
    options = SelectOptions(args.budget_s, args.n_images, args.reducers or SelectOptions.reducers, args.min_gain,
                            args.tta != "none")
    scorer = Scorer(args.runs, labels, costs, options)
    with tqdm(desc="candidates", unit="cand", leave=False) as bar:
        selection = run_select(scorer, progress=lambda c: bar.update(1))
    reference = None
    if options.tta:
        every = everything(scorer)
        reference = (scorer.score(every), scorer.cost(every))
    spec = spec_of(selection.chosen.candidate, _selected(args, selection, reference, recorded, costs_out))
    save_spec(spec, out)
    plot = out.with_name(f"{out.stem}{STEPS_PLOT_SUFFIX}")
    plot_selection(selection, args.budget_s, reference, plot)
    heads: dict[str, str] = {}
    for r in runs:  # a member's folds share its recipe: the first fold's config.yaml names its head
        if f"{r.kind}/{r.member}" not in heads:
            heads[f"{r.kind}/{r.member}"] = head_of(r)
    return SelectResult(out, spec, selection, reference, args.budget_s, (plot,) if args.costs else (plot, costs_out),
                        heads)


def format_selection(selection, budget_s: float, reference) -> str:
    """The greedy steps with their OOF Dice and estimated seconds, and the every-member reference."""
    lines = [f"{'step':<32} {'OOF dice':>9} {'est. s':>9}"]
    for step in selection.steps:
        lines.append(f"{step.move:<32} {step.score:9.5f} {step.cost_s:9.1f}")
    if reference is not None:
        lines.append(f"{'(every member, TTA both, mean)':<32} {reference[0]:9.5f} {reference[1]:9.1f}")
    lines.append(f"budget {budget_s:g} s; {selection.evaluated} candidates scored")
    return "\n".join(lines)


def plot_selection(selection, budget_s: float, reference, path: Path) -> None:
    """The greedy steps as estimated seconds against OOF Dice, with the budget and the reference."""
    from matplotlib.figure import Figure  # heavy: matplotlib

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
