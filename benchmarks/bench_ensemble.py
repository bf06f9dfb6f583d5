"""Ensemble benchmarks: tuning (fast search against brute force) and prediction (gating, memory).

    .venv/bin/python benchmarks/bench_ensemble.py --work /tmp/bench_ensemble [--n 12568] [--res 64x400]
        [--parts tune,brute,gate,memory]

1. tune: a synthetic OOF set of the real size (12,568 images x 4 classes at a reduced training
   resolution) written as 5 folds of compressed oof.npz, tuned end to end (stats pass, sweep, stage-2
   component pass) in a subprocess: wall time per stage and peak resident memory.
2. brute: the brute-force reference on a subset of images and of the grid, timed per
   (image, grid point, class) and extrapolated to the full set and grid (it would take far too long);
   the fast search timed on the same subset for a like-for-like ratio.
3. gate: predict throughput on ~400 synthetic test images (256x1600 JPEGs) with tiny untrained models,
   without a gate against a gate that sends 47% of the images (the real share of clean ones) nowhere
   near the segmenters.
4. memory: predict peak resident memory on 1,000 and 5,000 small images (tiny models): flat.

Each part runs in its own subprocess (peak memory from resource.getrusage; the driver stays small, as a
child's peak starts from its parent's at fork). Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # testkit: the tests' scaffolding

from steeldefect.artifacts.run_folder import DONE_FILE  # noqa: E402
from steeldefect.artifacts.oof import OOF_FILE

CLEAN_SHARE = 0.47  # share of clean images in the real training set (5,902 / 12,568)
CLASS_SHARE = (0.071, 0.020, 0.410, 0.064)  # share of images holding each class (897, 247, 5150, 801 / 12568)
N_FOLDS = 5
CHUNK = 256  # images generated at a time


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _parse_res(text: str) -> tuple[int, int]:
    h, w = text.lower().split("x")
    return int(h), int(w)


# ---------------------------------------------------------------- synthetic OOF set

def synth_chunk(rng, n: int, h: int, w: int):
    """Truth bool (n, h, w, 4) with rectangular defects at real class frequencies, and uint8 levels of a
    plausible segmenter: a blurred signal on the defects plus coarse noise and spurious blobs."""
    truth = np.zeros((n, h, w, 4), bool)
    has = rng.random((n, 4)) < np.array(CLASS_SHARE) / (1 - CLEAN_SHARE)
    has &= (rng.random(n) > CLEAN_SHARE)[:, None]
    for i, c in zip(*np.nonzero(has)):
        for _ in range(rng.integers(1, 4)):
            y0, x0 = rng.integers(0, h - 4), rng.integers(0, w - 8)
            truth[i, y0:y0 + rng.integers(4, h), x0:x0 + rng.integers(8, w // 4), c] = True
    coarse = rng.random((n, max(1, h // 8), max(1, w // 8), 4)).astype(np.float32)
    amplitude = rng.uniform(0.1, 0.75, (n, 1, 1, 4)).astype(np.float32)  # a third of the maps cross 0.5
    noise = np.repeat(np.repeat(coarse, 8, axis=1), 8, axis=2)[:, :h, :w] ** 4 * amplitude
    signal = truth * rng.uniform(0.3, 0.8, (n, 1, 1, 4)).astype(np.float32)
    probs = np.clip(noise + signal + rng.normal(0, 0.05, truth.shape).astype(np.float32), 0, 1)
    return truth, np.rint(probs * 255).astype(np.uint8), has.any(1)


def make_oof(work: Path, n: int, res: tuple[int, int], seed: int = 0) -> dict:
    """Write RUNS/segmenter/synth/fold<k>/oof.npz (compressed), a classifier's OOF and train.csv."""
    from steeldefect.constants import IMAGE_HEIGHT, IMAGE_WIDTH, RLE_COLUMNS
    from steeldefect.data.labels import empty_table, write_labels
    from steeldefect.data.rle import rle_encode

    runs = work / "runs"
    if (runs / "READY").is_file():
        return json.loads((runs / "READY").read_text())
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    h, w = res
    ids = [f"{i:09x}.jpg" for i in range(n)]
    fold_of = np.arange(n) % N_FOLDS
    table = empty_table(ids)
    rles = {col: [""] * n for col in RLE_COLUMNS}
    cls = np.zeros(n, np.float32)
    per_fold = {f: ([], []) for f in range(N_FOLDS)}
    for lo in range(0, n, CHUNK):
        hi = min(lo + CHUNK, n)
        truth, q, defect = synth_chunk(rng, hi - lo, h, w)
        cls[lo:hi] = np.clip(0.55 * defect + rng.uniform(0, 0.5, hi - lo), 0, 1)
        for j in range(hi - lo):
            for c in range(4):
                if truth[j, :, :, c].any():
                    full = np.repeat(np.repeat(truth[j, :, :, c], IMAGE_HEIGHT // h, 0), IMAGE_WIDTH // w, 1)
                    rles[RLE_COLUMNS[c]][lo + j] = rle_encode(full)
            per_fold[fold_of[lo + j]][0].append(lo + j)
            per_fold[fold_of[lo + j]][1].append(q[j])
    for col in RLE_COLUMNS:
        table[col] = rles[col]
    write_labels(table, work / "train.csv")
    for f, (rows, qs) in per_fold.items():
        for kind, probs in (("segmenter", np.stack(qs)), ("classifier", cls[rows])):
            run = runs / kind / "synth" / f"fold{f}"
            run.mkdir(parents=True, exist_ok=True)
            np.savez_compressed(run / OOF_FILE, image_ids=np.array(ids)[rows], probs=probs)
            (run / DONE_FILE).write_text("")
    info = {"n": n, "res": list(res), "seconds": round(time.perf_counter() - start, 1),
            "oof_bytes": sum(p.stat().st_size for p in runs.rglob(OOF_FILE)), "raw_bytes": n * h * w * 4}
    (runs / "READY").write_text(json.dumps(info))
    return info


# ---------------------------------------------------------------- parts (run in subprocesses)

def part_tune(work: Path) -> dict:
    """Both passes once; each sweep twice, side by side: with the searched rules of before (one threshold
    level, the hard gate) and with the default grid (two-level thresholds and the soft gate too)."""
    from dataclasses import replace

    from steeldefect.data.labels import read_labels
    from steeldefect.tuning.component_search import component_curves
    from steeldefect.tuning.oof_stream import plan_oof
    from steeldefect.tuning.histograms import build_stats
    from steeldefect.tuning.sweep import TuneGrid
    from steeldefect.tuning.tune import tune_components, tune_stats

    t = {}
    t0 = time.perf_counter()
    labels = read_labels(work / "train.csv")
    t["read labels"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    plan = plan_oof(work / "runs")
    stats = build_stats(plan, labels)
    t["pass 1: stream OOF, histograms"] = time.perf_counter() - t0
    grid = TuneGrid()
    grids = {"one level, hard gate": replace(grid, survival_thresholds=(), gate_area_factors=()),
             "+ two-level, soft gate": grid}
    results = {}
    for name, g in grids.items():
        t0 = time.perf_counter()
        results[name] = tune_stats(stats, g)
        t[f"stage 1 sweep, {name}"] = time.perf_counter() - t0
    dice = {}
    for name in grids:  # stage 2 runs at each search's own chosen thresholds: a pass each
        t0 = time.perf_counter()
        levels = [c.chosen.level for c in results[name].classes]
        area, inter = component_curves(plan, labels, levels, grid.min_components)
        t[f"pass 2: stream OOF again, components, {name}"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        final = tune_components(results[name], stats, area, inter)
        t[f"stage 2 sweep, {name}"] = time.perf_counter() - t0
        dice[name] = final.mean_dice
    points = len(grid.pixel_thresholds) * len(grid.min_areas) * len(grid.gates)
    rules = (len(grid.survival_thresholds) + 1) * (len(grid.gate_area_factors) + 1)
    before = sum(v for k, v in t.items() if "two-level" not in k)  # what tune costs with either grid
    after = sum(v for k, v in t.items() if "one level" not in k)
    return {"seconds": t, "total_before": before, "total_after": after, "grid_points_per_class": points,
            "rule_combinations": rules, "n": stats.n_images, "mean_dice": dice,
            "default": final.default_mean_dice, "peak_mb": peak_mb()}


def part_brute(work: Path, n_sub: int) -> dict:
    from steeldefect.data.labels import read_labels
    from testkit.brute_force import brute_force_surface
    from steeldefect.tuning.oof_stream import iter_oof, plan_oof
    from steeldefect.tuning.histograms import stats_from_arrays, truth_masks
    from steeldefect.tuning.sweep import TuneGrid
    from steeldefect.tuning.tune import class_surface

    labels = read_labels(work / "train.csv")
    plan = plan_oof(work / "runs")
    _, ids, q = next(iter_oof(plan, n_sub))
    truth = truth_masks(labels, ids, plan.shape)
    cls = plan.cls_probs[:len(ids)]
    full = TuneGrid()
    sub = TuneGrid(pixel_thresholds=(0.3, 0.4, 0.5, 0.6), min_areas=(0, 1000, 4000), gates=(0.0, 0.3, 0.6))
    t0 = time.perf_counter()
    slow = [brute_force_surface(q[..., c], truth[..., c], cls, sub.pixel_thresholds, sub.min_areas, sub.gates)
            for c in range(4)]
    brute_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    stats = stats_from_arrays(ids, q, truth, cls)
    fast = [class_surface(stats, c, sub) for c in range(4)]
    fast_s = time.perf_counter() - t0
    agree = all(np.allclose(a, b, atol=1e-9) for a, b in zip(fast, slow))
    points_sub = len(sub.pixel_thresholds) * len(sub.min_areas) * len(sub.gates)
    points_full = len(full.pixel_thresholds) * len(full.min_areas) * len(full.gates)
    per_unit = brute_s / (len(ids) * points_sub * 4)
    return {"n_sub": len(ids), "points_sub": points_sub, "brute_s": brute_s, "fast_s": fast_s, "agree": agree,
            "per_image_point_class_us": per_unit * 1e6, "points_full": points_full,
            "extrapolated_full_s": per_unit * plan_len(plan) * points_full * 4,
            "peak_mb": peak_mb(), "full_arrays_mb": plan_len(plan) * plan.shape[0] * plan.shape[1] * 4 * 2 / 2**20}


def plan_len(plan) -> int:
    return len(plan.image_ids)


def _spread_classifier(forward, factor: float = 200.0) -> None:
    """Scale the untrained classifiers' logits so their outputs spread over (0, 1) instead of all
    sitting at 0.5; which images get gated stays arbitrary, only the share is set."""
    for m in forward.classifiers:
        layer = m.model.get_layer("logits")
        kernel, bias = layer.get_weights()
        layer.set_weights([kernel * factor, bias])


def part_gate(work: Path, n_test: int) -> dict:
    from steeldefect.prediction.keras_ensemble import load_ensemble
    from steeldefect.prediction.predict import PredictOptions, image_list, load_views, predict_images
    from steeldefect.postprocess.rules import ClassThresholds, Thresholds
    from testkit.tiny_runs import write_tiny_runs
    from steeldefect.synth import generate_dataset

    data = work / "synth"
    generate_dataset(data, 1, n_test, seed=3, progress=False, workers=2)
    runs = work / "tiny_runs"
    if not (runs / "segmenter").is_dir():
        write_tiny_runs(runs, folds=1)
    ids, layout = image_list(data / "test_images", data / "sample_submission.csv")
    forward = load_ensemble(runs, batch_size=8)
    _spread_classifier(forward)
    views = load_views([data / "test_images" / i for i in ids[:64]], forward.input_sizes)
    (size,) = forward.input_sizes
    batch = {size: views[size][:8]}
    timing = {}
    for name, fn in (("classifier", forward.classify), ("segmenter", forward.segment)):
        fn(batch)  # traced
        t0 = time.perf_counter()
        for k in range(0, 64, 8):
            fn({size: views[size][k:k + 8]})
        timing[name] = (time.perf_counter() - t0) / 64 * 1000
    t0 = time.perf_counter()
    load_views([data / "test_images" / i for i in ids[:64]], forward.input_sizes)
    timing["read + resize"] = (time.perf_counter() - t0) / 64 * 1000
    probs = []
    for lo in range(0, len(ids), 64):
        chunk = load_views([data / "test_images" / i for i in ids[lo:lo + 64]], forward.input_sizes)
        probs.append(np.concatenate([forward.classify({s: v[k:k + 8] for s, v in chunk.items()})
                                     for k in range(0, len(ids[lo:lo + 64]), 8)]))
    probs = np.sort(np.concatenate(probs))
    gate = float(probs[int(round(CLEAN_SHARE * len(probs)))])  # this share of images lies below it
    gated_th = Thresholds(classes=tuple(ClassThresholds(0.5, 0, gate) for _ in range(4)))
    plain_th = Thresholds()
    out = {}
    for name, th, use_gate in (("no classifier, no gate", plain_th, False),
                               ("classifier run, gate 0 (nothing gated)", plain_th, True),
                               ("classifier run, gate at the 47% quantile", gated_th, True)):
        target = work / f"gate_{len(out)}.csv"
        report = predict_images(ids, data / "test_images", forward, th, target,
                                PredictOptions(batch_size=8, chunk_size=64, use_gate=use_gate), layout)
        out[name] = {"images": report.n_images, "gated": report.n_gated, "seconds": report.seconds,
                     "images_per_s": report.images_per_second}
    return {"runs": out, "gate": gate, "ms_per_image": timing, "peak_mb": peak_mb()}


def part_memory(work: Path, n_images: int) -> dict:
    import cv2

    from steeldefect.prediction.keras_ensemble import load_ensemble
    from steeldefect.prediction.predict import PredictOptions, image_list, predict_images
    from steeldefect.postprocess.rules import Thresholds
    from testkit.tiny_runs import TINY_INPUT

    folder = work / "small_images"
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for k in range(n_images):
        path = folder / f"{k:07d}.jpg"
        if not path.exists():
            cv2.imwrite(str(path.with_suffix(".png")), rng.integers(0, 256, (*TINY_INPUT, 3), dtype=np.uint8))
            path.with_suffix(".png").rename(path)
    ids, layout = image_list(folder, limit=n_images)
    forward = load_ensemble(work / "tiny_runs", batch_size=8)
    before = peak_mb()
    report = predict_images(ids, folder, forward, Thresholds(), work / f"mem_{n_images}.csv",
                            PredictOptions(batch_size=8, chunk_size=64), layout)
    return {"images": n_images, "seconds": report.seconds, "images_per_s": report.images_per_second,
            "peak_mb_after_loading": before, "peak_mb": peak_mb()}


# ---------------------------------------------------------------- driver

def run_part(work: Path, args_list: list[str]) -> dict:
    cmd = [sys.executable, __file__, "--work", str(work), "--part", *args_list]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"part {args_list} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--work", default="/tmp/bench_ensemble")
    p.add_argument("--n", type=int, default=12568)
    p.add_argument("--res", default="64x400")
    p.add_argument("--brute-images", type=int, default=100)
    p.add_argument("--test-images", type=int, default=400)
    p.add_argument("--parts", default="tune,brute,gate,memory")
    p.add_argument("--part", nargs="+", default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    work = Path(args.work)
    if args.part:
        name, *rest = args.part
        result = {"make": lambda: make_oof(work, int(rest[0]), _parse_res(rest[1])), "tune": lambda: part_tune(work), "brute": lambda: part_brute(work, int(rest[0])),
                  "gate": lambda: part_gate(work, int(rest[0])), "memory": lambda: part_memory(work, int(rest[0]))}[name]()
        print(json.dumps(result, default=float))
        return
    work.mkdir(parents=True, exist_ok=True)
    parts = args.parts.split(",")
    load = os.getloadavg()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
          f"{load[0]:.1f} at start (shared machine); python {platform.python_version()}\n")
    if {"tune", "brute"} & set(parts):
        info = run_part(work, ["make", str(args.n), args.res])  # in a child: peaks are measured in children
        print(f"synthetic OOF: {info['n']} images at {info['res'][0]}x{info['res'][1]}, 5 folds, compressed "
              f"oof.npz {info['oof_bytes'] / 2**20:.0f} MiB ({info['raw_bytes'] / 2**20:.0f} MiB raw), "
              f"made in {info['seconds']:.0f} s\n")
    if "tune" in parts:
        r = run_part(work, ["tune"])
        print(f"| tune stage ({r['n']} images x 4 classes, {r['grid_points_per_class']} grid points per class, "
              f"x {r['rule_combinations']} rule combinations with the new rules) | seconds |\n|---|---|")
        for k, v in r["seconds"].items():
            print(f"| {k} | {v:.1f} |")
        print(f"| **total, one level and hard gate** | **{r['total_before']:.1f}** |")
        print(f"| **total, with two-level and soft gate** | **{r['total_after']:.1f}** "
              f"(x{r['total_after'] / r['total_before']:.2f}) |\n\npeak resident memory {r['peak_mb']:.0f} MiB; "
              + "; ".join(f"OOF Dice {k} {v:.4f}" for k, v in r["mean_dice"].items())
              + f" (defaults {r['default']:.4f})\n")
    if "brute" in parts:
        r = run_part(work, ["brute", str(args.brute_images)])
        print(f"brute force on {r['n_sub']} images x {r['points_sub']} grid points x 4 classes: "
              f"{r['brute_s']:.1f} s = {r['per_image_point_class_us']:.0f} us per (image, point, class); "
              f"fast search on the same subset {r['fast_s']:.2f} s (surfaces agree: {r['agree']}).\n"
              f"Extrapolated brute force on {args.n} images x {r['points_full']} points x 4 classes: "
              f"{r['extrapolated_full_s'] / 3600:.0f} h (not run). Its peak memory on the subset "
              f"{r['peak_mb']:.0f} MiB; on the full set it would hold q and truth, "
              f"{r['full_arrays_mb']:.0f} MiB, unless streamed.\n")
    if "gate" in parts:
        r = run_part(work, ["gate", str(args.test_images)])
        print("| predict, tiny models, 256x1600 JPEGs | images | gated | seconds | images/s |\n|---|---|---|---|---|")
        for name, v in r["runs"].items():
            print(f"| {name} | {v['images']} | {v['gated']} | {v['seconds']:.1f} | {v['images_per_s']:.1f} |")
        ms = r["ms_per_image"]
        print(f"\nper image: read + resize {ms['read + resize']:.1f} ms, classifier {ms['classifier']:.1f} ms, "
              f"segmenter {ms['segmenter']:.1f} ms (batches of 8); gate value {r['gate']:.4f}; "
              f"peak memory {r['peak_mb']:.0f} MiB\n")
    if "memory" in parts:
        print("| predict, tiny models, small images | images | seconds | images/s | peak MiB after loading models "
              "| peak MiB at the end |\n|---|---|---|---|---|---|")
        for n in (1000, 5000):
            r = run_part(work, ["memory", str(n)])
            print(f"| | {r['images']} | {r['seconds']:.1f} | {r['images_per_s']:.1f} | "
                  f"{r['peak_mb_after_loading']:.0f} | {r['peak_mb']:.0f} |")
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
