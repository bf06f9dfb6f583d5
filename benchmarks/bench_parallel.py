"""`train --parallel 2` against one run after another, on the demo, in one script, side by side.

    nice -n 19 .venv/bin/python benchmarks/bench_parallel.py --work /tmp/bench_parallel [--epochs 2]

Makes the synthetic set (``synth --train 120 --test 20 --seed 0 --contrast 2``), a copy of
configs/demo.yaml training folds 0 and 1 for --epochs epochs, then through the CLI as a user runs it:
``train KIND`` (sequential) into WORK/seq and ``train KIND --parallel 2`` (local Ray, one core per run)
into WORK/par. Prints the wall times, their ratio and the validation figures of each run (the same
runs, so they should agree up to thread-order noise), and writes them to WORK/parallel.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> float:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "steeldefect", *args], check=True, cwd=ROOT, env=env,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def _best(runs: Path, kind: str) -> dict:
    out = {}
    for meta in sorted(runs.glob(f"{kind}/*/fold*/meta.json")):
        data = json.loads(meta.read_text())
        out[f"fold{data['fold']}"] = {k: v for k, v in data.items() if k.startswith("best") or k == "epochs_run"}
    return out


def main(argv=None) -> int:
    from steeldefect.config import load_config, save_config
    from steeldefect.selection.costs import machine_text

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--kind", default="classifier", choices=("classifier", "segmenter"))
    p.add_argument("--epochs", type=int, default=2)
    args = p.parse_args(argv)
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    _cli("synth", "--out", str(data), "--train", "120", "--test", "20", "--seed", "0", "--contrast", "2", "--quiet")
    config = load_config(ROOT / "configs" / "demo.yaml")
    model = config.model(args.kind)
    config = replace(config, folds=replace(config.folds, run=(0, 1)),
                     **{args.kind: replace(model, train=replace(model.train, epochs=args.epochs))})
    config_path = work / "demo_2folds.yaml"
    save_config(config, config_path)
    common = ["train", args.kind, "--config", str(config_path), "--data", str(data)]
    seq = _cli(*common, "--out", str(work / "seq"))
    par = _cli(*common, "--out", str(work / "par"), "--parallel", "2")
    result = {"machine": f"{machine_text()}, {os.cpu_count()} cores shared with other jobs, niced",
              "kind": args.kind, "runs": 2, "epochs": args.epochs, "sequential_s": round(seq, 1),
              "parallel_2_s": round(par, 1), "speedup": round(seq / par, 2),
              "sequential_runs": _best(work / "seq", args.kind), "parallel_runs": _best(work / "par", args.kind)}
    print(json.dumps(result, indent=1))
    (work / "parallel.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
