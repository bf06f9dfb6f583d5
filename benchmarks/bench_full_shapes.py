"""Every model of full.yaml and winners.yaml checked at its real input size, one child process per model.

    nice -n 19 .venv/bin/python benchmarks/bench_full_shapes.py --phase graph   # params, FLOPs, tensors: fast
    nice -n 19 .venv/bin/python benchmarks/bench_full_shapes.py --phase check --timeout-s 1500

Phase ``graph`` builds each model and reads its parameters, FLOPs per image and forward tensor elements
per image from the frozen inference graph (``steeldefect.scale.graph_stats``). Phase ``check`` also takes
one training step in float32 and one in mixed_bfloat16 (batch 1, the training size), saves -> loads ->
compares the outputs, predicts once at the prediction size, and records the peak host memory of the
child (``ru_maxrss``). Rows are checkpointed to --out after each model, so a killed or timed-out run
keeps the others and a rerun skips rows already there; a row past --timeout-s is recorded as not
measured, with the reason. Models are built with weights "none" (no download).

``--table`` prints the Markdown tables (full shapes, and GPU memory at each config's batch size).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ("configs/full.yaml", "configs/winners.yaml")
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "full_shapes.json"
PHASES = {"graph": (), "check": ("float32", "mixed_bfloat16"), "calibrate": ()}
CALIBRATION_BATCHES = (1, 4)  # float32 steps whose peak host memory difference is 3 images' training tensors


def _cases():
    from steeldefect.config import load_config
    from steeldefect.scale.model_cases import model_cases

    return [(path, case) for path in CONFIGS for case in model_cases(load_config(ROOT / path))]


def _child(config_path: str, index: int, phase: str) -> None:
    from steeldefect.config import load_config
    from steeldefect.scale.model_cases import model_cases
    from steeldefect.scale.shape_check import check_case

    config = load_config(ROOT / config_path)
    if phase.startswith("calibrate"):
        from steeldefect.scale.shape_check import step_memory

        print("ROW " + json.dumps(step_memory(model_cases(config)[index], config, int(phase.split("-")[1]))))
        return
    row = check_case(model_cases(config)[index], config, PHASES[phase])
    print("ROW " + json.dumps(row), flush=True)


def _load(out: Path) -> dict:
    return json.loads(out.read_text()) if out.is_file() else {"machine": "", "rows": {}}


def _save(out: Path, data: dict) -> None:
    tmp = out.with_suffix(".partial")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, out)


def _run_row(config_path: str, index: int, phase: str, timeout_s: float) -> dict:
    cmd = [sys.executable, __file__, "--child", config_path, str(index), phase]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    load_before = round(os.getloadavg()[0], 2)  # a busy machine stretches the step seconds, not the rest
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, env=env)
    except subprocess.TimeoutExpired:
        return {"measured": False, "why": f"over the {timeout_s:g} s limit on this CPU"}
    rows = [line[4:] for line in done.stdout.splitlines() if line.startswith("ROW ")]
    if done.returncode != 0 or not rows:
        tail = " ".join(done.stderr.split())[-400:]
        return {"measured": False, "why": f"exit {done.returncode}: {tail}"}
    row = json.loads(rows[-1])
    row["wall_s"] = round(time.perf_counter() - t0, 1)
    row["load_avg_1m_before"] = load_before
    row["measured"] = True
    return row


def run(phase: str, out: Path, timeout_s: float, only: str | None) -> None:
    from steeldefect.selection.costs import machine_text

    data = _load(out)
    data["machine"] = f"{machine_text()}, niced (each row's load average before it is in the JSON)"
    counters: dict[str, int] = {}
    cases = []
    for config_path, case in _cases():
        cases.append((config_path, counters.get(config_path, 0), case))
        counters[config_path] = cases[-1][1] + 1
    if phase != "graph":  # the cheapest models first (by the graph phase's FLOPs): most rows within a time cap
        cases.sort(key=lambda c: data["rows"].get(f"graph:{c[2].name}", {}).get("gflops_per_image", float("inf")))
    for config_path, index, case in cases:
        for sub in ([f"calibrate-{b}" for b in CALIBRATION_BATCHES] if phase == "calibrate" else [phase]):
            key = f"{sub}:{case.name}"
            if (only and only not in case.name) or data["rows"].get(key, {}).get("measured"):
                continue
            print(f"{key} ...", flush=True)
            row = _run_row(config_path, index, sub, timeout_s)
            row.setdefault("case", case.name)
            data["rows"][key] = row
            _save(out, data)
            print(f"  {json.dumps(row)[:300]}", flush=True)


def _gib(x: float) -> str:
    return f"{x:.1f}"


def activation_factors(rows: dict) -> dict[str, float]:
    """Per kind, the measured ratio of the training memory one more image costs (float32 steps at two batch
    sizes, peak host memory) to its forward tensors (4 bytes an element): the backward's share of memory."""
    factors = {}
    lo, hi = CALIBRATION_BATCHES
    for key, row in rows.items():
        if not key.startswith(f"calibrate-{lo}:") or not row.get("measured"):
            continue
        big, graph = rows.get(f"calibrate-{hi}:{row['case']}", {}), rows.get(f"graph:{row['case']}", {})
        if big.get("measured") and graph.get("measured"):
            per_image = (big["peak_rss_gib"] - row["peak_rss_gib"]) / (hi - lo) * 2**30
            elements = graph.get("tensor_melements_per_train_image", graph["tensor_melements_per_image"]) * 1e6
            factors[row["case"].split("/")[1]] = per_image / (elements * 4)
    return factors


def tables(out: Path) -> str:
    from steeldefect.scale.gpu_memory import ACTIVATION_FACTOR, USABLE_GIB, largest_batch, training_memory

    data = _load(out)
    rows = data["rows"]
    factors = activation_factors(rows)
    lines = [f"Machine: {data['machine']}.", "",
             "| model | head | train / predict size | params (M) | GFLOP / image | fwd tensors (M elems / image) "
             "| float32 step | bf16 step | save->load same | predict | peak host GiB |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for key, g in rows.items():
        if not key.startswith("graph:") or not g.get("measured"):
            continue
        c = rows.get(f"check:{g['case']}", {})
        size = f"{g['train_size'][0]}x{g['train_size'][1]} / {g['predict_size'][0]}x{g['predict_size'][1]}"

        def step(policy):
            if not c:
                return "not reached"  # the session stopped the check phase before this row
            if not c.get("measured"):
                return "not measured" + (f" ({c['why'][:60]})" if c.get("why") else "")
            return f"loss {c[f'step_{policy}_loss']:.3f}, {c[f'step_{policy}_s']:.0f} s"

        same = ("yes" if c.get("save_load_same") else f"NO ({c.get('save_load_max_diff')})") if c.get("measured") else "-"
        pred = f"{c['predict_s']:.1f} s" if c.get("measured") else "-"
        peak = _gib(c["peak_rss_gib"]) if c.get("measured") else f"{g['peak_rss_gib']:.1f} (build + graph)"
        lines.append(f"| {g['case']} | {g['head']} | {size} | {g['params'] / 1e6:.1f} | {g['gflops_per_image']:.1f} "
                     f"| {g['tensor_melements_per_image']:.0f} | {step('float32')} | {step('mixed_bfloat16')} | {same} "
                     f"| {pred} | {peak} |")
    lines += ["", "Activation factor per kind (measured, else the default " f"{ACTIVATION_FACTOR:g}): "
              + ", ".join(f"{k} {v:.2f}" for k, v in factors.items()) + "."]
    lines += ["", "| model | batch | weights + optimizer GiB | activations GiB | total GiB | fits P100 16 GB "
                  "| fits T4 16 GB | largest batch P100 / T4 |", "|---|---|---|---|---|---|---|---|"]
    for key, g in rows.items():
        if not key.startswith("graph:") or not g.get("measured"):
            continue
        elements = g.get("tensor_melements_per_train_image", g["tensor_melements_per_image"]) * 1e6
        factor = factors.get(g["kind"], ACTIVATION_FACTOR)
        est = training_memory(g["params"], elements, g["batch_size"], factor)
        fits = ["yes" if est.total_gib <= usable else "**no**" for usable in USABLE_GIB.values()]
        largest = " / ".join(str(largest_batch(g["params"], elements, u, factor)) for u in USABLE_GIB.values())
        lines.append(f"| {g['case']} | {g['batch_size']} | {_gib(est.weights_gib)} | {_gib(est.activations_gib)} "
                     f"| {_gib(est.total_gib)} | {fits[0]} | {fits[1]} | {largest} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--phase", choices=tuple(PHASES), default="graph")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON the rows are checkpointed to")
    p.add_argument("--timeout-s", type=float, default=1200, help="limit per model (default 1200)")
    p.add_argument("--only", default=None, help="only the models whose name contains this, e.g. efficientnetb0")
    p.add_argument("--table", action="store_true", help="print the Markdown tables of --out and exit")
    p.add_argument("--child", nargs=3, metavar=("CONFIG", "INDEX", "PHASE"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _child(args.child[0], int(args.child[1]), args.child[2])
        return 0
    if args.table:
        print(tables(args.out))
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    run(args.phase, args.out, args.timeout_s, args.only)
    return 0


if __name__ == "__main__":
    sys.exit(main())
