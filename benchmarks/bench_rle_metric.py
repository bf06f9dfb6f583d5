"""RLE encode/decode throughput on the real masks against the plain per-run Python loop, and the
metric's time on 5,506 x 4 (image, class) pairs. Every side runs in the same process on the same
masks, interleaved: each round runs every variant once (in a rotated order), and the table gives the
median round of each, so load from other work on the machine falls on all of them alike.

    .venv/bin/python benchmarks/bench_rle_metric.py [--repeat 7] [--previous REV]

``--previous REV`` adds a column for steeldefect/data/rle.py as it was at git revision REV (loaded
from ``git show``), so a change is measured against its predecessor in the same run.
Prints Markdown; docs/BENCHMARKS.md holds the figures of one run with the machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import cv2
import numpy as np

from steeldefect.constants import IMAGE_SHAPE, RLE_COLUMNS
from steeldefect.data.labels import read_labels
from steeldefect.data.rle import rle_decode, rle_decode_many, rle_encode
from steeldefect.metric import dice_score, score_tables

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real"
BATCH_IMAGES = 64  # images per batch when masks are decoded for scoring, as the array metric takes them


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
    """The notebook way: one slice assignment per run in a Python loop, no checks; it returns a
    column-major view (rle_decode returns a checked, C-contiguous mask)."""
    flat = np.zeros(shape[0] * shape[1], np.uint8)
    values = rle.split()
    for start, length in zip(values[0::2], values[1::2]):
        s = int(start) - 1
        flat[s:s + int(length)] = 1
    return flat.reshape(shape, order="F")


def load_previous(rev: str):
    """steeldefect/data/rle.py as it was at git revision ``rev``, imported as its own module."""
    source = subprocess.run(["git", "show", f"{rev}:steeldefect/data/rle.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"rle_{rev}.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def interleaved(variants: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Median seconds of each variant over ``repeat`` rounds; every round runs each variant once,
    starting one further along the list each round. What a variant returns is kept until its time is
    taken (then freed), as a caller would keep decoded masks."""
    times = {name: [] for name in variants}
    names = list(variants)
    for r in range(repeat):
        for name in names[r % len(names):] + names[:r % len(names)]:
            start = time.perf_counter()
            result = variants[name]()
            times[name].append(time.perf_counter() - start)
            del result
    return {name: float(np.median(t)) for name, t in times.items()}


def batches(rles: list, images: int = BATCH_IMAGES) -> list[list]:
    """The (image, class) RLEs in runs of ``images`` images x the class count."""
    step = images * len(RLE_COLUMNS)
    return [rles[i:i + step] for i in range(0, len(rles), step)]


def each(fn: Callable, items: list) -> None:
    """Call ``fn`` on every item and drop each result at once: a stream, as scoring uses masks."""
    for item in items:
        fn(item)


def stacked(decode: Callable, batch: list) -> np.ndarray:
    """One (batch, h, w) stack, each mask decoded on its own and then stacked."""
    return np.stack([decode(r) for r in batch])


def check_exact(rles: list[str], masks: list[np.ndarray], per_image: list[str]) -> None:
    """Every variant gives the same masks and strings as the real ones, on every real mask."""
    for rle, mask in zip(rles, masks):
        assert rle_encode(mask) == loop_encode(mask) == rle and (loop_decode(rle) == mask).all()
    assert pixel_loop_encode(masks[0]) == rles[0]
    for batch in batches(per_image):
        assert (rle_decode_many(batch) == np.stack([rle_decode(r) for r in batch])).all()


def rle_rows(args, rles, masks, per_image, noisy, noisy_masks, previous) -> list[tuple]:
    """(operation, masks, {variant: seconds}) of every RLE comparison."""
    def run(name, n, ours, loop, prev=None):
        variants = {"steeldefect": ours, "loop": loop}
        if previous is not None and prev is not None:
            variants["previous"] = prev
        return name, n, interleaved(variants, args.repeat)

    p = previous
    rows = [
        run("decode, masks kept (a list of all)", len(rles), lambda: [rle_decode(r) for r in rles],
            lambda: [loop_decode(r) for r in rles], p and (lambda: [p.rle_decode(r) for r in rles])),
        run("decode, each mask dropped after use", len(rles), lambda: each(rle_decode, rles),
            lambda: each(loop_decode, rles), p and (lambda: each(p.rle_decode, rles))),
        run("encode", len(masks), lambda: [rle_encode(m) for m in masks], lambda: [loop_encode(m) for m in masks],
            p and (lambda: [p.rle_encode(m) for m in masks])),
    ]
    sub = masks[:args.loop_encode_masks]
    pixel = interleaved({"loop": lambda: [pixel_loop_encode(m) for m in sub]}, 1)["loop"]
    rows.append(("encode vs the per-pixel loop (naive)", len(masks),
                 {"steeldefect": rows[2][2]["steeldefect"], "loop": pixel * len(masks) / len(sub)}))
    n_runs = np.mean([len(r.split()) // 2 for r in noisy])
    stacks = batches(per_image)
    rows += [
        run(f"decode, speckled masks ({n_runs:,.0f} runs each; raw model output), kept", len(noisy),
            lambda: [rle_decode(r) for r in noisy], lambda: [loop_decode(r) for r in noisy],
            p and (lambda: [p.rle_decode(r) for r in noisy])),
        run(f"encode, speckled masks ({n_runs:,.0f} runs each)", len(noisy),
            lambda: [rle_encode(m) for m in noisy_masks], lambda: [loop_encode(m) for m in noisy_masks],
            p and (lambda: [p.rle_encode(m) for m in noisy_masks])),
        run(f"batch decode, {BATCH_IMAGES} images x 4 classes a stack (empty masks included), each stack "
            "dropped after use: `rle_decode_many`", len(per_image),
            lambda: each(rle_decode_many, stacks), lambda: each(partial(stacked, loop_decode), stacks),
            p and (lambda: each(partial(stacked, p.rle_decode), stacks))),
        run("the same batches, `np.stack` of one `rle_decode` at a time", len(per_image),
            lambda: each(partial(stacked, rle_decode), stacks), lambda: each(partial(stacked, loop_decode), stacks)),
    ]
    return rows


def metric_times(table, rles, repeat: int) -> tuple[float, float]:
    """Seconds to score 5,506 x 4 (image, class) pairs (the real stage-2 test size; truths recycled
    from the real masks, predictions shifted 8 columns so Dice values are realistic): score_tables on
    the RLE runs, and rle_decode_many of both tables in 64-image batches plus the array dice_score."""
    rng = np.random.default_rng(0)
    truth = table.iloc[rng.integers(0, len(table), 5506)].reset_index(drop=True)
    truth["ImageId"] = [f"{i:09x}.jpg" for i in range(len(truth))]
    shifted = {r: rle_encode(np.roll(rle_decode(r), 8, axis=1)) for r in rles}
    pred = truth.copy()
    for col in RLE_COLUMNS:
        pred[col] = [shifted.get(r, "") for r in truth[col]]
    columns = list(RLE_COLUMNS)
    truth_rles = truth[columns].to_numpy().ravel().tolist()
    pred_rles = pred[columns].to_numpy().ravel().tolist()

    def arrays():
        shape = (-1, len(columns), *IMAGE_SHAPE)
        for t, p in zip(batches(truth_rles), batches(pred_rles)):
            dice_score(rle_decode_many(t).reshape(shape), rle_decode_many(p).reshape(shape))

    t = interleaved({"runs": lambda: score_tables(truth, pred), "arrays": arrays}, repeat)
    return t["runs"], t["arrays"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="interleaved rounds; the median is reported")
    parser.add_argument("--metric-repeat", type=int, default=3)
    parser.add_argument("--loop-encode-masks", type=int, default=100,
                        help="masks for the pixel-loop encoder (it is slow; the rate is per mask)")
    parser.add_argument("--previous", metavar="REV", help="also time steeldefect/data/rle.py at this git revision")
    args = parser.parse_args()
    previous = load_previous(args.previous) if args.previous else None
    load_before = os.getloadavg()
    table = read_labels(REAL / "train_masks_2515.csv")
    rles = [r for col in RLE_COLUMNS for r in table[col] if r]
    per_image = table[list(RLE_COLUMNS)].to_numpy().ravel().tolist()  # every (image, class), empty ones too
    masks = [rle_decode(r) for r in rles]
    # Raw model output before post-processing: speckled masks with thousands of short runs.
    rng = np.random.default_rng(1)
    noisy = [rle_encode((rng.random(IMAGE_SHAPE) < 0.02) & (m > 0) | (rng.random(IMAGE_SHAPE) < 0.005))
             for m in masks[:200]]
    noisy_masks = [rle_decode(r) for r in noisy]
    check_exact(rles, masks, per_image)

    rows = rle_rows(args, rles, masks, per_image, noisy, noisy_masks, previous)
    t_runs, t_arrays = metric_times(table, rles, args.metric_repeat)
    load_after = os.getloadavg()

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"numpy {np.__version__}, OpenCV {cv2.__version__}; load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"\n{len(rles):,} real masks of {len(table):,} images ({len(per_image):,} (image, class) masks with the "
          f"empty ones); median of {args.repeat} interleaved rounds\n")
    prev = f" | previous {args.previous} (masks/s) | ratio to previous" if previous else ""
    print(f"| operation | steeldefect (masks/s) | loop (masks/s) | ratio{prev} |")
    print("|---|---|---|---|" + ("---|---|" if previous else ""))
    for name, n, t in rows:
        cells = f"| {name} | {n / t['steeldefect']:,.0f} | {n / t['loop']:,.0f} | {t['loop'] / t['steeldefect']:.1f}x |"
        if previous:
            cells += (f" {n / t['previous']:,.0f} | {t['previous'] / t['steeldefect']:.1f}x |" if "previous" in t
                      else " | |")
        print(cells)
    print(f"\nmetric on 5,506 x 4 = 22,024 pairs (median of {args.metric_repeat}): score_tables (RLE runs, no "
          f"decoding) {t_runs:.2f} s; rle_decode_many + batched dice_score {t_arrays:.2f} s "
          f"({t_arrays / t_runs:.1f}x slower)")


if __name__ == "__main__":
    main()
