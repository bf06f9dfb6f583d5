"""RLE encode/decode throughput on the 2,515 real masks against a straightforward per-run loop,
and the metric's time on 5,506 x 4 (image, class) pairs. Both sides run in the same process.

    .venv/bin/python benchmarks/bench_rle_metric.py [--repeat 3]

Prints a Markdown table; docs/BENCHMARKS.md holds the figures of one run with the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import numpy as np
import pandas as pd

from steeldefect.constants import IMAGE_SHAPE, RLE_COLUMNS
from steeldefect.data.labels import read_labels
from steeldefect.data.rle import rle_decode, rle_encode
from steeldefect.metric import dice_score, score_tables

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"


def loop_encode(mask: np.ndarray) -> str:
    """The usual notebook encoder: find the run boundaries with numpy, then build the pairs in a
    Python loop, one iteration per run."""
    pixels = np.concatenate([[0], mask.T.flatten(), [0]])
    changes = np.where(pixels[1:] != pixels[:-1])[0] + 1
    parts = []
    for start, end in zip(changes[0::2], changes[1::2]):
        parts.append(f"{start} {end - start}")
    return " ".join(parts)


def pixel_loop_encode(mask: np.ndarray) -> str:
    """The naive encoder: walk the column-major pixels one by one."""
    pixels = mask.T.flatten()
    runs, start, prev = [], 0, 0
    for i, p in enumerate(pixels, start=1):
        if p and not prev:
            start = i
        elif not p and prev:
            runs += [start, i - start]
        prev = p
    if prev:
        runs += [start, len(pixels) + 1 - start]
    return " ".join(map(str, runs))


def loop_decode(rle: str, shape=IMAGE_SHAPE) -> np.ndarray:
    """The notebook way: one slice assignment per run in a Python loop."""
    flat = np.zeros(shape[0] * shape[1], np.uint8)
    values = rle.split()
    for start, length in zip(values[0::2], values[1::2]):
        s = int(start) - 1
        flat[s:s + int(length)] = 1
    return flat.reshape(shape, order="F")


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--loop-encode-masks", type=int, default=100,
                        help="masks for the pixel-loop encoder (it is slow; the rate is per mask)")
    args = parser.parse_args()
    table = read_labels(REAL / "train_masks_2515.csv")
    rles = [r for col in RLE_COLUMNS for r in table[col] if r]
    masks = [rle_decode(r) for r in rles]
    for m, r in zip(masks[:50], rles[:50]):
        assert rle_encode(m) == loop_encode(m) == r and (loop_decode(r) == m).all()
    assert pixel_loop_encode(masks[0]) == rles[0]

    rows = []
    dec = best_of(lambda: [rle_decode(r) for r in rles], args.repeat)
    dec_loop = best_of(lambda: [loop_decode(r) for r in rles], args.repeat)
    rows.append(("decode", len(rles) / dec, len(rles) / dec_loop))
    enc = best_of(lambda: [rle_encode(m) for m in masks], args.repeat)
    enc_loop = best_of(lambda: [loop_encode(m) for m in masks], args.repeat)
    rows.append(("encode", len(masks) / enc, len(masks) / enc_loop))
    sub = masks[:args.loop_encode_masks]
    enc_pixel = best_of(lambda: [pixel_loop_encode(m) for m in sub], 1)
    rows.append(("encode vs a per-pixel loop (naive)", len(masks) / enc, len(sub) / enc_pixel))
    # Raw model output before post-processing: speckled masks with thousands of short runs.
    rng = np.random.default_rng(1)
    noisy = [rle_encode((rng.random(IMAGE_SHAPE) < 0.02) & (rle_decode(r) > 0) | (rng.random(IMAGE_SHAPE) < 0.005))
             for r in rles[:200]]
    n_runs = np.mean([len(r.split()) // 2 for r in noisy])
    dec_n = best_of(lambda: [rle_decode(r) for r in noisy], args.repeat)
    dec_n_loop = best_of(lambda: [loop_decode(r) for r in noisy], args.repeat)
    rows.append((f"decode, speckled masks ({n_runs:,.0f} runs each)", len(noisy) / dec_n, len(noisy) / dec_n_loop))
    noisy_masks = [rle_decode(r) for r in noisy]
    enc_n = best_of(lambda: [rle_encode(m) for m in noisy_masks], args.repeat)
    enc_n_loop = best_of(lambda: [loop_encode(m) for m in noisy_masks], args.repeat)
    rows.append((f"encode, speckled masks ({n_runs:,.0f} runs each)", len(noisy) / enc_n, len(noisy) / enc_n_loop))

    # Metric: 5,506 images x 4 classes (the real stage-2 test size), truths recycled from the real
    # masks and predictions made by shifting them 8 columns, so Dice values are realistic.
    rng = np.random.default_rng(0)
    idx = rng.integers(0, len(table), 5506)
    truth = table.iloc[idx].reset_index(drop=True)
    truth["ImageId"] = [f"{i:09x}.jpg" for i in range(len(truth))]
    shifted = {r: rle_encode(np.roll(rle_decode(r), 8, axis=1)) for r in rles}
    pred = truth.copy()
    for col in RLE_COLUMNS:
        pred[col] = [shifted.get(r, "") for r in truth[col]]
    t_csv = best_of(lambda: score_tables(truth, pred), args.repeat)

    def arrays_batched(batch=64):
        for s in range(0, len(truth), batch):
            part_t = truth.iloc[s:s + batch]
            part_p = pred.iloc[s:s + batch]
            tm = np.stack([[rle_decode(r) for r in row] for row in part_t[list(RLE_COLUMNS)].to_numpy()])
            pm = np.stack([[rle_decode(r) for r in row] for row in part_p[list(RLE_COLUMNS)].to_numpy()])
            dice_score(tm, pm)

    t_arr = best_of(arrays_batched, 1)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, numpy {np.__version__}")
    print(f"\n{len(rles)} real masks (of 2,515 images), best of {args.repeat}\n")
    print("| operation | steeldefect (masks/s) | loop (masks/s) | ratio |")
    print("|---|---|---|---|")
    for name, ours, loop in rows:
        print(f"| {name} | {ours:,.0f} | {loop:,.0f} | {ours / loop:.1f}x |")
    print(f"\nmetric on 5,506 x 4 = 22,024 pairs: score_tables (RLE runs, no decoding) {t_csv:.2f} s; "
          f"decode + batched dice_score {t_arr:.2f} s ({t_arr / t_csv:.1f}x slower)")


if __name__ == "__main__":
    main()
