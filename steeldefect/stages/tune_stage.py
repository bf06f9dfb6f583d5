"""Stage `tune`: choose per-class post-processing on the out-of-fold predictions."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from tqdm import tqdm

from steeldefect.devices import announce_inference
from steeldefect.artifacts.ensemble_file import load_spec
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.thresholds_file import save_thresholds
from steeldefect.artifacts.run_folder import find_runs
from steeldefect.artifacts.dataset_file import KAGGLE
from steeldefect.stages._common import truth_set
from steeldefect.artifacts.dataset_file import runs_dataset
from steeldefect.tuning.review_band import propose_review_band
from steeldefect.tuning.sweep import TuneGrid
from steeldefect.data.labels import label_presence
from steeldefect.tuning.surface_plots import plot_surfaces, save_surfaces
from steeldefect.tuning.tune import RULE_FAMILIES, run_tune
from steeldefect.tuning.view_oof import ensure_view_oof, missing_views

log = logging.getLogger(__name__)

SURFACES_SUFFIX = "_surfaces.npz"  # OUT stem + this: the Dice surfaces beside the thresholds
DICE_PLOT_SUFFIX = "_dice.png"  # OUT stem + this: their plot
GRID_FIELDS = ("pixel_thresholds", "min_areas", "gates", "min_components", "survival_thresholds", "gate_area_factors")


@dataclass(frozen=True)
class TuneArgs:
    runs: Path  # segmenter (and classifier) runs with OOF predictions
    out: Path  # thresholds YAML to write; figures and surfaces go beside it
    labels: Path | None = None  # the train.csv the runs were trained on ...
    data: Path | None = None  # ... or its dataset folder (default: the one the runs' meta names)
    ensemble: Path | None = None  # select's ensemble YAML: its members, TTA views and reducer
    pixel_thresholds: tuple[float, ...] | None = None  # grids searched; None: TuneGrid's default
    min_areas: tuple[int, ...] | None = None
    gates: tuple[float, ...] | None = None
    min_components: tuple[int, ...] | None = None
    survival_thresholds: tuple[float, ...] | None = None  # () : one threshold level only
    gate_area_factors: tuple[float, ...] | None = None  # () : hard gate only
    review_max_missed: int = 1  # review band: defective OOF images allowed below it
    review_max_false_alarms: int = 1  # review band: clean OOF images allowed above it
    components: bool = True  # stage 2, connected-component removal
    shared_gate: bool = False  # one gate value for all classes
    chunk_size: int = 64  # OOF images per chunk
    plots: bool = True  # draw the Dice surfaces


@dataclass(frozen=True)
class TuneResult:
    out: Path  # the thresholds written
    tuned: object  # tuning.tune.TuneResult: per class the chosen values and Dice
    n_segmenter_runs: int
    n_classifier_runs: int
    notes: tuple[str, ...]
    review_band: dict | None  # the proposed band (tuning.review_band), None without classifiers
    written: tuple[Path, ...]  # the files beside the thresholds
    families: tuple[str, ...]  # the rule families whose best OOF Dice is reported (tuning.tune.RULE_FAMILIES)
    class_names: tuple[str, ...] = ()  # an imported dataset's class names (printed beside the ids); () Severstal

    def text(self) -> str:
        return format_tune(self)


def tune_grid(args: TuneArgs) -> TuneGrid:
    """The default grid with the values ``args`` give."""
    given = {name: getattr(args, name) for name in GRID_FIELDS if getattr(args, name) is not None}
    return replace(TuneGrid(), **given)


def _ensemble(args: TuneArgs):
    """The ensemble spec of ``args.ensemble``, with the OOF predictions of its TTA views made; None without it."""
    if not args.ensemble:
        return None

    spec = load_spec(args.ensemble)
    runs = (spec.pick(find_runs(args.runs, "segmenter"), "segmenter", args.ensemble)
            + spec.pick(find_runs(args.runs, "classifier"), "classifier", args.ensemble))
    to_predict = sorted({run for run, _ in missing_views(runs, spec.tta)}, key=lambda r: r.name)
    if to_predict:  # tune runs models only to make the OOF predictions of missing TTA views
        announce_inference("tune", to_predict, Path(args.out).parent)
    with tqdm(desc="OOF under TTA flips", unit="run", leave=False) as bar:
        ensure_view_oof(runs, spec.tta, args.data, bar)
    log.info(f"ensemble {args.ensemble}: {spec.describe()}")
    return spec


def _review_band(args: TuneArgs, labels, plan) -> dict | None:
    """The review band proposed on the classifiers' OOF probabilities, as written into the thresholds."""
    if plan.cls_probs is None:
        return None

    rows = labels.set_index("ImageId").loc[list(plan.image_ids)].reset_index()
    band = propose_review_band(plan.cls_probs, label_presence(rows).any(axis=1), args.review_max_missed,
                               args.review_max_false_alarms)
    return {**band.to_dict(), "printed": list(band.printable())}


def _write(args: TuneArgs, tuned, plan, labels_path: str, spec, band: dict | None,
           names: tuple[str, ...] = ()) -> tuple[Path, ...]:
    """Save the thresholds (with where they came from), the surfaces and their plot."""
    runs = {"runs_dir": str(args.runs), "labels": labels_path,
            "segmenter": [r.name for r in plan.segmenter_runs], "classifier": [r.name for r in plan.classifier_runs]}
    if spec is not None:
        runs.update(ensemble=str(args.ensemble), tta=spec.tta, reducer=spec.reducer)
    extra = {"review_band": band} if band is not None else {}
    save_thresholds(tuned.thresholds(runs=runs, **extra), args.out)
    stem = Path(args.out).with_suffix("")
    written = [Path(f"{stem}{SURFACES_SUFFIX}")]
    save_surfaces(tuned, written[0])
    if args.plots:
        written.insert(0, Path(f"{stem}{DICE_PLOT_SUFFIX}"))
        plot_surfaces(tuned, written[0], names)
    return tuple(written)


def tune(args: TuneArgs) -> TuneResult:
    """Search the thresholds, minimum areas, gates and component sizes that maximise the OOF Dice."""
    grid = tune_grid(args)
    if args.review_max_missed < 0 or args.review_max_false_alarms < 0:
        raise SteelDefectError("--review-max-missed and --review-max-false-alarms must be >= 0")
    truth, labels_path = truth_set(args.runs, args.labels, args.data)
    spec = _ensemble(args)
    with tqdm(desc="OOF images", unit="img", leave=False) as bar:
        tuned, plan = run_tune(args.runs, truth, grid, components=args.components, shared_gate=args.shared_gate,
                               chunk_size=args.chunk_size, progress=bar, spec=spec)
    band = _review_band(args, truth.table, plan)
    names = runs_dataset(args.runs, args.data).class_names
    names = () if names == KAGGLE.class_names else names
    written = _write(args, tuned, plan, labels_path, spec, band, names)
    return TuneResult(Path(args.out), tuned, len(plan.segmenter_runs), len(plan.classifier_runs), tuple(plan.notes),
                      band, written, tuple(RULE_FAMILIES), names)


def _rule(value, absent: str) -> str:
    return absent if value is None else f"{value:g}"


def _class_label(class_id: int, names: tuple[str, ...]) -> str:
    return f"{class_id:>5}" if not names else f"{class_id} {names[class_id - 1]}"[:16].rjust(16)


def format_tuned(result, families: tuple[str, ...], names: tuple[str, ...] = ()) -> str:
    """The chosen values per class with their OOF Dice next to the defaults', then each rule family's best;
    ``names``: class names printed beside the ids."""
    width = 16 if names else 5
    lines = [f"{'class':>{width}} {'threshold':>9} {'survival':>8} {'min_area':>8} {'gate':>5} {'factor':>6} "
             f"{'min_comp':>8} {'dice':>8} {'default':>8} {'gain':>8}"]
    for c in result.classes:
        v = c.chosen
        lines.append(f"{_class_label(c.class_id, names)} {v.pixel_threshold:9.3f} {_rule(v.survival_threshold, '-'):>8} "
                     f"{v.min_area:8d} {v.gate:5.2f} {_rule(v.gate_area_factor, 'hard'):>6} {v.min_component:8d} "
                     f"{c.dice:8.5f} {c.default_dice:8.5f} {c.dice - c.default_dice:+8.5f}")
    lines.append(f"{'mean':>{width}} {'':>9} {'':>8} {'':>8} {'':>5} {'':>6} {'':>8} {result.mean_dice:8.5f} "
                 f"{result.default_mean_dice:8.5f} {result.mean_dice - result.default_mean_dice:+8.5f}")
    lines.append("defaults: pixel threshold 0.5, no minimum area, no gate, no component removal")
    lines.append("best OOF Dice per rule family (survival: two-level thresholds; factor: soft gate, hard = emptied)")
    lines.append(f"{'class':>{width}} " + " ".join(f"{k:>9}" for k in families))
    for c in result.classes:
        if c.families:
            lines.append(f"{_class_label(c.class_id, names)} " + " ".join(f"{c.families[k]:9.5f}" for k in families))
    return "\n".join(lines)


def _format_band(b: dict) -> str:
    where = ("none needed: the classifier alone meets the targets" if b["empty"] else
             f"predict --review-band {b['printed'][0]:g} {b['printed'][1]:g}")
    return (f"review band ({where}): {b['flagged']} of {b['n_images']} OOF images flagged "
            f"({100 * b['flagged_share']:.1f}%); outside it {b['missed']} defective images below and "
            f"{b['false_alarms']} clean images above")


def format_tune(result: TuneResult) -> str:
    """What `steeldefect tune` prints: notes, the runs and images, the table, the review band, the files."""
    t = result.tuned
    lines = [f"note: {note}" for note in result.notes]
    lines.append(f"{result.n_segmenter_runs} segmenter and {result.n_classifier_runs} classifier runs, "
                 f"{t.n_images} OOF images, Dice measured at {t.shape[0]}x{t.shape[1]}")
    lines.append(format_tuned(t, result.families, result.class_names))
    if result.review_band is not None:
        lines.append(_format_band(result.review_band))
    lines.append(f"-> {', '.join(str(p) for p in (result.out, *result.written))}")
    return "\n".join(lines)
