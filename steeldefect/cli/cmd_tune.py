"""`steeldefect tune`: choose per-class post-processing on the out-of-fold predictions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from steeldefect.cli.commands import arguments, command
from steeldefect.runfolder import META_FILE, OOF_FILE
from steeldefect.errors import SteelDefectError


def parse_values(text: str, kind=float) -> tuple:
    """'0.1:0.9:0.05' (start:stop:step, stop included), '0,100,200', or 'none' (empty) -> a tuple of numbers."""
    try:
        if ":" in text:
            import numpy as np

            start, stop, step = (float(v) for v in text.split(":"))
            if step <= 0:
                raise ValueError("step must be positive")
            return tuple(kind(round(float(v), 6)) for v in np.arange(start, stop + step / 2, step))
        if text.strip().lower() == "none":
            return ()
        return tuple(kind(float(v)) for v in text.split(",") if v.strip())
    except ValueError as err:
        raise SteelDefectError(f"cannot read the values {text!r} ({err}); write start:stop:step or a,b,c") from None


def _add(p):
    p.add_argument("--runs", required=True, help=f"runs folder holding segmenter/ (and classifier/) runs with {OOF_FILE}")
    p.add_argument("--out", required=True, help="thresholds YAML to write; figures and surfaces go beside it")
    p.add_argument("--labels", default=None, help="the train.csv the runs were trained on (any layout)")
    p.add_argument("--data", default=None, help="dataset folder holding train.csv (instead of --labels)")
    p.add_argument("--ensemble", default=None,
                   help="ensemble.yaml of `steeldefect select`: tune only its members, under its TTA views and "
                        "reducer (the OOF predictions under the flips are made once if missing)")
    p.add_argument("--pixel-thresholds", default=None, help="pixel thresholds searched, e.g. 0.05:0.95:0.025")
    p.add_argument("--min-areas", default=None, help="minimum mask areas searched, pixels at 256x1600, e.g. 0,500,1000")
    p.add_argument("--gates", default=None, help="classifier gates searched, e.g. 0:0.95:0.05")
    p.add_argument("--min-components", default=None,
                   help="minimum component sizes searched in stage 2, pixels at 256x1600, starting at 0")
    p.add_argument("--survival-thresholds", default=None,
                   help="two-level thresholds: survival thresholds searched besides one level, e.g. 0.5:0.9:0.1, "
                        "or none (default 0.3:0.9:0.1)")
    p.add_argument("--gate-area-factors", default=None,
                   help="soft gate: factors of the minimum area below the gate searched besides the hard gate, "
                        "e.g. 1,2,5, or none (default 1,1.5,2,3,5,10)")
    p.add_argument("--review-max-missed", type=int, default=1,
                   help="review band: defective OOF images allowed below it, unflagged (default 1)")
    p.add_argument("--review-max-false-alarms", type=int, default=1,
                   help="review band: clean OOF images allowed above it, unflagged (default 1)")
    p.add_argument("--no-components", action="store_true", help="skip stage 2 (connected-component removal)")
    p.add_argument("--shared-gate", action="store_true", help="one gate value for all classes")
    p.add_argument("--chunk-size", type=int, default=64, help="OOF images read at a time (memory)")
    p.add_argument("--no-plots", action="store_true", help="do not draw the Dice surfaces")


def _rule(value, absent: str) -> str:
    return absent if value is None else f"{value:g}"


def format_result(result) -> str:
    """The chosen values per class with their OOF Dice next to the defaults', then each rule family's best."""
    from steeldefect.tuning.tune import RULE_FAMILIES

    lines = [f"{'class':>5} {'threshold':>9} {'survival':>8} {'min_area':>8} {'gate':>5} {'factor':>6} "
             f"{'min_comp':>8} {'dice':>8} {'default':>8} {'gain':>8}"]
    for c in result.classes:
        v = c.chosen
        lines.append(f"{c.class_id:>5} {v.pixel_threshold:9.3f} {_rule(v.survival_threshold, '-'):>8} "
                     f"{v.min_area:8d} {v.gate:5.2f} {_rule(v.gate_area_factor, 'hard'):>6} {v.min_component:8d} "
                     f"{c.dice:8.5f} {c.default_dice:8.5f} {c.dice - c.default_dice:+8.5f}")
    lines.append(f"{'mean':>5} {'':>9} {'':>8} {'':>8} {'':>5} {'':>6} {'':>8} {result.mean_dice:8.5f} "
                 f"{result.default_mean_dice:8.5f} {result.mean_dice - result.default_mean_dice:+8.5f}")
    lines.append("defaults: pixel threshold 0.5, no minimum area, no gate, no component removal")
    lines.append("best OOF Dice per rule family (survival: two-level thresholds; factor: soft gate, hard = emptied)")
    lines.append(f"{'class':>5} " + " ".join(f"{k:>9}" for k in RULE_FAMILIES))
    for c in result.classes:
        if c.families:
            lines.append(f"{c.class_id:>5} " + " ".join(f"{c.families[k]:9.5f}" for k in RULE_FAMILIES))
    return "\n".join(lines)


def truth_labels(args):
    """The truth: --labels, --data, or the dataset folder the runs were trained on (meta.json "data")."""
    from steeldefect.data.kaggle_folder import TRAIN_CSV, train_labels
    from steeldefect.data.labels import read_labels
    from steeldefect.runfolder import find_runs, read_meta

    if args.labels:
        return read_labels(args.labels), str(args.labels)
    data = args.data
    if not data:
        for run in find_runs(args.runs, "segmenter"):
            recorded = read_meta(run).get("data")
            if recorded and (Path(recorded) / TRAIN_CSV).is_file():
                data = recorded
                break
    if not data:
        raise SteelDefectError("tell tune where the truth is: --labels train.csv or --data DATASET_FOLDER "
                               f"(the runs' {META_FILE} name no dataset folder holding {TRAIN_CSV})")
    return train_labels(data), str(Path(data) / TRAIN_CSV)


def _ensemble(args):
    """The ensemble spec of --ensemble, with the OOF predictions of its TTA views made; None without it."""
    if not args.ensemble:
        return None
    from tqdm import tqdm

    from steeldefect.ensemble.spec import load_spec
    from steeldefect.runfolder import find_runs
    from steeldefect.devices import announce_inference
    from steeldefect.tuning.view_oof import ensure_view_oof, missing_views

    spec = load_spec(args.ensemble)
    runs = (spec.pick(find_runs(args.runs, "segmenter"), "segmenter", args.ensemble)
            + spec.pick(find_runs(args.runs, "classifier"), "classifier", args.ensemble))
    to_predict = sorted({run for run, _ in missing_views(runs, spec.tta)}, key=lambda r: r.name)
    if to_predict:  # tune runs models only to make the OOF predictions of missing TTA views
        announce_inference("tune", to_predict, Path(args.out).parent)
    with tqdm(desc="OOF under TTA flips", unit="run", leave=False) as bar:
        ensure_view_oof(runs, spec.tta, args.data, bar)
    print(f"ensemble {args.ensemble}: {spec.describe()}")
    return spec


@command("tune", help="tune thresholds, minimum areas and gates on out-of-fold predictions",
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
         epilog="example:\n  steeldefect tune --runs runs --data data/synth --out runs/thresholds.yaml")
@arguments(_add)
def run(args) -> int:
    from tqdm import tqdm

    from steeldefect.tuning.surface_plots import plot_surfaces, save_surfaces
    from steeldefect.tuning.sweep import TuneGrid
    from steeldefect.postprocess.thresholds import save_thresholds
    from steeldefect.tuning.tune import run_tune

    grid = TuneGrid()
    overrides = {"pixel_thresholds": (args.pixel_thresholds, float), "min_areas": (args.min_areas, int),
                 "gates": (args.gates, float), "min_components": (args.min_components, int),
                 "survival_thresholds": (args.survival_thresholds, float),
                 "gate_area_factors": (args.gate_area_factors, float)}
    grid = replace(grid, **{k: parse_values(v, kind) for k, (v, kind) in overrides.items() if v})
    if args.review_max_missed < 0 or args.review_max_false_alarms < 0:
        raise SteelDefectError("--review-max-missed and --review-max-false-alarms must be >= 0")
    labels, labels_path = truth_labels(args)
    out = Path(args.out)
    spec = _ensemble(args)
    with tqdm(desc="OOF images", unit="img", leave=False) as bar:
        result, plan = run_tune(args.runs, labels, grid, components=not args.no_components,
                                shared_gate=args.shared_gate, chunk_size=args.chunk_size, progress=bar, spec=spec)
    for note in plan.notes:
        print(f"note: {note}")
    runs = {"runs_dir": str(args.runs), "labels": labels_path,
            "segmenter": [r.name for r in plan.segmenter_runs], "classifier": [r.name for r in plan.classifier_runs]}
    if spec is not None:
        runs.update(ensemble=str(args.ensemble), tta=spec.tta, reducer=spec.reducer)
    extra = {}
    if plan.cls_probs is not None:
        from steeldefect.data.labels import label_presence
        from steeldefect.tuning.review_band import propose_review_band

        rows = labels.set_index("ImageId").loc[list(plan.image_ids)].reset_index()
        band = propose_review_band(plan.cls_probs, label_presence(rows).any(axis=1), args.review_max_missed,
                                   args.review_max_false_alarms)
        extra["review_band"] = band.to_dict()
        extra["review_band"]["printed"] = list(band.printable())
    save_thresholds(result.thresholds(runs=runs, **extra), out)
    print(f"{len(plan.segmenter_runs)} segmenter and {len(plan.classifier_runs)} classifier runs, "
          f"{result.n_images} OOF images, Dice measured at {result.shape[0]}x{result.shape[1]}")
    print(format_result(result))
    if "review_band" in extra:
        b = extra["review_band"]
        where = ("none needed: the classifier alone meets the targets" if b["empty"] else
                 f"predict --review-band {b['printed'][0]:g} {b['printed'][1]:g}")
        print(f"review band ({where}): {b['flagged']} of {b['n_images']} OOF images flagged "
              f"({100 * b['flagged_share']:.1f}%); outside it {b['missed']} defective images below and "
              f"{b['false_alarms']} clean images above")
    stem = out.with_suffix("")
    save_surfaces(result, f"{stem}_surfaces.npz")
    if not args.no_plots:
        plot_surfaces(result, f"{stem}_dice.png")
        print(f"-> {out}, {stem}_dice.png, {stem}_surfaces.npz")
    else:
        print(f"-> {out}, {stem}_surfaces.npz")
    return 0
