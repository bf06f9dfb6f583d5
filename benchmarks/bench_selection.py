"""Ensemble selection and the post-processing rule families, measured on trained ensemble members.

    .venv/bin/python benchmarks/bench_selection.py --runs /work/bench/ens --data /work/bench/ens/data \
        --work /tmp/bench_selection [--budget-s 60]

The runs folder holds several members trained on the same folds (benchmarks/configs/ensemble_*.yaml:
B0 with the UNet decoder, B0 with FPN, ResNet-34 with UNet, and a B0 classifier). Through the CLI, as
a user runs it:

1. ``select`` with no binding budget (the greedy path to the end) and with ``--budget-s``;
2. for the best single member (the first greedy step), every member (TTA both, mean) and the selected
   ensembles: ``tune --ensemble`` (OOF Dice per class), ``predict --ensemble`` on the hidden test
   images (test Dice per class against test_labels.csv, wall seconds);
3. on the selected ensemble, each rule family alone (none, hard gate, soft gate, two-level, both):
   tuned OOF and hidden-test Dice per class.

Prints Markdown tables and writes the figures as JSON to WORK/selection.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAMILIES = {  # tune grid options that leave one rule family
    "none": ["--gates", "0", "--survival-thresholds", "none", "--gate-area-factors", "none"],
    "hard_gate": ["--survival-thresholds", "none", "--gate-area-factors", "none"],
    "soft_gate": ["--survival-thresholds", "none"],
    "two_level": ["--gates", "0", "--gate-area-factors", "none"],
    "both": [],
}


def cli(*args: str) -> float:
    """Run `steeldefect ARGS` as a user would; returns the wall seconds."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "steeldefect", *args], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return time.perf_counter() - t0


def test_dice(submission: Path, data: Path) -> dict:
    from steeldefect.data.labels import read_labels
    from steeldefect.data.submission import read_submission
    from steeldefect.metric import score_tables

    report = score_tables(read_labels(data / "test_labels.csv"), read_submission(submission))
    return {"mean": report["mean"], **{str(c): row["dice"] for c, row in report["per_class"].items()},
            "tp_fp": {str(c): [row["tp"], row["fp"]] for c, row in report["per_class"].items()}}


def evaluate(name: str, spec_path: Path, runs: Path, data: Path, work: Path, tune_extra=()) -> dict:
    from steeldefect.artifacts.thresholds_file import load_thresholds

    th = work / f"{name}_thresholds.yaml"
    tune_s = cli("tune", "--runs", str(runs), "--data", str(data), "--ensemble", str(spec_path), "--out", str(th),
                 "--no-plots", *tune_extra)
    tuned = load_thresholds(th).tuned
    sub = work / f"{name}_submission.csv"
    predict_s = cli("predict", "--runs", str(runs), "--images", str(data / "test_images"), "--sample",
                    str(data / "sample_submission.csv"), "--thresholds", str(th), "--ensemble", str(spec_path),
                    "--out", str(sub))
    return {"oof": {"mean": tuned["oof_mean_dice"], **{str(c): v["dice"] for c, v in tuned["per_class"].items()}},
            "families": {str(c): v.get("rule_families", {}) for c, v in tuned["per_class"].items()},
            "test": test_dice(sub, data), "tune_s": round(tune_s, 1), "predict_s": round(predict_s, 1)}


def markdown(out: dict) -> str:
    """The tables of docs/BENCHMARKS.md from selection.json."""
    classes = ("1", "2", "3", "4")
    lines = [f"| ensemble | est. s ({out['n_test']} images) | predict s | OOF mean | " + " | ".join(
        f"OOF {c}" for c in classes) + " | test mean | " + " | ".join(f"test {c}" for c in classes) + " |",
        "|---|" + "---:|" * 12]
    for name, e in out["ensembles"].items():
        est = "-" if e["estimated_s"] is None else f"{e['estimated_s']:.1f}"
        lines.append(f"| {name}: {e['spec']} | {est} | {e['predict_s']:.1f} | {e['oof']['mean']:.5f} | "
                     + " | ".join(f"{e['oof'][c]:.4f}" for c in classes) + f" | {e['test']['mean']:.5f} | "
                     + " | ".join(f"{e['test'][c]:.4f}" for c in classes) + " |")
    lines += ["", "| rule family (selected ensemble) | OOF mean | " + " | ".join(f"OOF {c}" for c in classes)
              + " | test mean | " + " | ".join(f"test {c}" for c in classes) + " |", "|---|" + "---:|" * 10]
    families = out.get("families_with_classifier", out["families"])
    lines[-2] = lines[-2].replace("(selected ensemble)", f"({families.get('spec', 'selected ensemble')})")
    for family, f in ((k, v) for k, v in families.items() if k != "spec"):
        lines.append(f"| {family} | {f['oof']['mean']:.5f} | " + " | ".join(f"{f['oof'][c]:.4f}" for c in classes)
                     + f" | {f['test']['mean']:.5f} | " + " | ".join(f"{f['test'][c]:.4f}" for c in classes) + " |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=Path, required=True)
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--markdown", action="store_true", help="print the tables of an earlier WORK/selection.json")
    p.add_argument("--families-only", action="store_true",
                   help="only part 3, on the selected segmenters and TTA with every classifier added (the gates "
                        "need one), into WORK/selection.json's families_with_classifier")
    p.add_argument("--budget-s", type=float, default=None,
                   help="the binding budget for 120 images (default: half the every-member estimate)")
    args = p.parse_args()
    if args.markdown:
        print(markdown(json.loads((args.work / "selection.json").read_text())))
        return
    from steeldefect.artifacts.ensemble_file import EnsembleSpec, load_spec, save_spec

    if args.families_only:
        from dataclasses import replace

        from steeldefect.artifacts.run_folder import find_runs, group_by_backbone

        out = json.loads((args.work / "selection.json").read_text())
        spec = load_spec(args.work / "spec_2.yaml")
        spec = replace(spec, classifiers=tuple(group_by_backbone(find_runs(args.runs, "classifier"))))
        save_spec(spec, args.work / "spec_families.yaml")
        out["families_with_classifier"] = {"spec": spec.describe()}
        for family, extra in FAMILIES.items():
            result = evaluate(f"cfamily_{family}", args.work / "spec_families.yaml", args.runs, args.data,
                              args.work, extra)
            out["families_with_classifier"][family] = {"oof": result["oof"], "test": result["test"]}
            print(f"family {family}: OOF {result['oof']['mean']:.5f} test {result['test']['mean']:.5f}", flush=True)
        (args.work / "selection.json").write_text(json.dumps(out, indent=1))
        return

    args.work.mkdir(parents=True, exist_ok=True)
    n_test = len(list((args.data / "test_images").iterdir()))
    out = {"machine": f"{os.cpu_count()}-core {platform.machine()}, load {os.getloadavg()[0]:.1f}", "n_test": n_test}
    free = args.work / "ensemble_free.yaml"
    out["select_free_s"] = round(cli("select", "--runs", str(args.runs), "--data", str(args.data), "--budget-s", "1e9",
                                     "--images", str(n_test), "--out", str(free)), 1)
    free_spec = load_spec(free)
    every = free_spec.selected["every_member"]
    budget = args.budget_s or round(every["estimated_s"] / 2, 1)
    bound = args.work / "ensemble_budget.yaml"
    costs = args.work / "ensemble_free_costs.yaml"
    out["select_budget_s"] = round(cli("select", "--runs", str(args.runs), "--data", str(args.data), "--budget-s",
                                       str(budget), "--images", str(n_test), "--out", str(bound), "--costs",
                                       str(costs)), 1)
    bound_spec = load_spec(bound)
    first = free_spec.selected["steps"][0]["move"].split()[-1]
    from steeldefect.artifacts.run_folder import find_runs, group_by_backbone

    members = {k: list(group_by_backbone(find_runs(args.runs, k))) for k in ("segmenter", "classifier")}
    specs = {"best single": EnsembleSpec((first,)),
             "every member, TTA both": EnsembleSpec(tuple(members["segmenter"]), tuple(members["classifier"]), "both"),
             "selected, no budget": free_spec, f"selected, budget {budget:g} s": bound_spec}
    out["budget_s"] = budget
    out["steps"] = {"free": free_spec.selected["steps"], "budget": bound_spec.selected["steps"]}
    out["ensembles"] = {}
    for i, (name, spec) in enumerate(specs.items()):
        path = args.work / f"spec_{i}.yaml"
        save_spec(spec, path)
        result = evaluate(f"e{i}", path, args.runs, args.data, args.work)
        out["ensembles"][name] = {"spec": spec.describe(), "estimated_s": spec.selected.get("estimated_s"), **result}
        print(f"{name}: {spec.describe()} OOF {result['oof']['mean']:.5f} test {result['test']['mean']:.5f}", flush=True)
    out["families"] = {}
    for family, extra in FAMILIES.items():
        result = evaluate(f"family_{family}", args.work / "spec_2.yaml", args.runs, args.data, args.work, extra)
        out["families"][family] = {"oof": result["oof"], "test": result["test"]}
        print(f"family {family}: OOF {result['oof']['mean']:.5f} test {result['test']['mean']:.5f}", flush=True)
    (args.work / "selection.json").write_text(json.dumps(out, indent=1))
    print(markdown(out))


if __name__ == "__main__":
    main()
