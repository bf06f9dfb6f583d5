"""Write a synthetic dataset folder in the Kaggle layout, deterministically and resumably.

DIR/train_images/*.jpg, DIR/test_images/*.jpg, DIR/train.csv and DIR/test_labels.csv (original
layout, the latter the hidden truth of the test images), DIR/sample_submission.csv (every mask
"1 1", like the real stage-1 sample) and DIR/synth.json (the arguments; ``complete`` once done).

Image ``i`` of a split is drawn from ``np.random.default_rng([seed, split, i])``, so the bytes do
not depend on the order, the number of workers or on earlier interrupted runs. Every file is
written through a temporary file and renamed; the CSVs come last, so they exist only complete.
"""

from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from steeldefect.artifacts.synth_record import (SYNTH_RECORD_FILE, SynthCounts, SynthRecord, read_synth_record,
                                                write_synth_record)
from steeldefect.constants import CLASS_IDS, RLE_COLUMNS
from steeldefect.data.images import encode_jpeg
from steeldefect.data.io import atomic_write
from steeldefect.data.labels import write_labels
from steeldefect.data.rle import rle_encode
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.look_file import Look
from steeldefect.synth.look import default_look
from steeldefect.synth.sample import render_sample

MAX_CONTRAST = 4.0  # upper limit of --contrast; dark defects clip to black from ~1.5 (class 4 at 2: ~11% of its pixels)
SYNTH_VERSION = 6  # bump when the same seed would give different images (2: the look fitted on real strips;
# 3: margins and grain roughness by class, the grey shape, bright splashes; 4: the grey shape fitted without
# the splashes and continued beyond its end quantiles; 5: the grain's direction by class; 6: the steel's edge
# beside a margin)
SPLITS = {"train": 0, "test": 1}  # split name -> stream code in the seed
IMAGE_DIRS = {"train": "train_images", "test": "test_images"}
TRAIN_CSV, TEST_LABELS_CSV, SAMPLE_SUBMISSION_CSV = "train.csv", "test_labels.csv", "sample_submission.csv"
SAMPLE_RLE = "1 1"  # the value of every row of the real stage-1 sample submission
ID_STREAM = 0x5EED  # extra seed word that keeps image ids independent of image content
ID_BITS = 36  # 9 hex characters, like the real ImageIds


@dataclass(frozen=True)
class SynthSummary:
    """What ``generate_dataset`` did."""

    out_dir: str
    seed: int
    n_train: int
    n_test: int
    written: int  # image files written in this call
    unchanged: int  # image files already present with the right bytes
    seconds: float
    train_clean: int  # training images without any defect
    train_per_class: tuple[int, ...]  # training images holding each class
    contrast: float = 1.0  # scale of the painted defect change

    def line(self) -> str:
        per_class = ", ".join(f"{c}: {n}" for c, n in zip(CLASS_IDS, self.train_per_class))
        contrast = f", contrast {self.contrast:g}" if self.contrast != 1.0 else ""
        return (f"{self.out_dir}: {self.n_train} train + {self.n_test} test images (seed {self.seed}{contrast}); "
                f"{self.written} written, {self.unchanged} already there; train clean {self.train_clean}, "
                f"per class {per_class}; {self.seconds:.1f} s")


def sample_rng(seed: int, split: str, index: int) -> np.random.Generator:
    """The generator of image ``index`` of ``split``: independent of every other image."""
    return np.random.default_rng([seed, SPLITS[split], index])


def image_ids(seed: int, n_train: int, n_test: int) -> dict[str, list[str]]:
    """Unique 9-hex-character ids (``0a1b2c3d4.jpg``) per split, derived from the seed only."""
    used: set[str] = set()
    out: dict[str, list[str]] = {}
    for split, n in (("train", n_train), ("test", n_test)):
        ids = []
        for index in range(n):
            attempt = 0
            while True:
                word = np.random.SeedSequence([seed, SPLITS[split], index, ID_STREAM, attempt]).generate_state(
                    1, np.uint64)[0]
                name = f"{int(word) & ((1 << ID_BITS) - 1):09x}.jpg"
                if name not in used:
                    break
                attempt += 1
            used.add(name)
            ids.append(name)
        out[split] = ids
    return out


def _make_image(task: tuple[str, str, int, int, str, int, float, Look | None]) -> tuple[str, tuple[str, ...], bool]:
    """Render one image, write it unless identical bytes are there; return (id, RLEs, written)."""
    folder, split, seed, index, image_id, quality, contrast, look = task
    image, masks = render_sample(sample_rng(seed, split, index), contrast, look)
    data = encode_jpeg(image, quality)
    path = Path(folder) / image_id
    written = not (path.is_file() and path.read_bytes() == data)
    if written:
        with atomic_write(path) as tmp:
            tmp.write_bytes(data)
    return image_id, tuple(rle_encode(m) for m in masks), written


def look_digest(look: Look) -> str:
    """12 hex digits naming a look's numbers (recorded in synth.json for a look other than the shipped one)."""
    text = json.dumps(look.to_dict(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _arguments(seed: int, n_train: int, n_test: int, quality: int, contrast: float, look: Look | None) -> dict:
    arguments = {"generator": "steeldefect.synth", "version": SYNTH_VERSION, "seed": seed,
                 "train": n_train, "test": n_test, "jpeg_quality": quality}
    if contrast != 1.0:  # recorded only when set, so folders written before the option still match
        arguments["contrast"] = contrast
    if look is not None:
        arguments["look"] = look_digest(look)
    return arguments


def _read_record(out: Path, force: bool) -> SynthRecord | None:
    """The record in ``out``; with ``force`` one too new to read counts as none (it is replaced)."""
    try:
        return read_synth_record(out)
    except SteelDefectError:
        if force:
            return None
        raise


def _check_folder(out: Path, arguments: dict, force: bool) -> SynthRecord | None:
    """Return the matching record if ``out`` holds this very dataset; refuse other content."""
    if out.exists() and not out.is_dir():
        raise SteelDefectError(f"--out {out} is a file, not a folder")
    if not out.exists() or not any(out.iterdir()):
        return None
    record = _read_record(out, force)
    if record is not None and record.arguments == arguments:
        return record
    if force:
        return None
    if record is None:
        raise SteelDefectError(f"{out} is not empty and holds no {SYNTH_RECORD_FILE}; choose an empty or new --out "
                               "folder, or pass --force to write the synthetic dataset into it")
    old = {"contrast": 1.0, **record.arguments}
    new = {"contrast": 1.0, **arguments}
    differ = "; ".join(f"{key} {old.get(key)} there, {new.get(key)} asked" for key in sorted(new)
                       if old.get(key) != new.get(key))
    raise SteelDefectError(f"{out} holds a different synthetic dataset ({differ}); use another --out, delete the "
                           "folder, or pass --force to replace it")


def _clear_stale(out: Path, ids: dict[str, list[str]]) -> None:
    """For --force: remove the CSVs and the .jpg files of the image folders that are not in ``ids``."""
    for name in (SAMPLE_SUBMISSION_CSV, TRAIN_CSV, TEST_LABELS_CSV):
        (out / name).unlink(missing_ok=True)
    for split, folder in IMAGE_DIRS.items():
        keep = set(ids[split])
        if (out / folder).is_dir():
            for path in (out / folder).glob("*.jpg"):
                if path.name not in keep:
                    path.unlink()


def _all_files_there(out: Path, ids: dict[str, list[str]]) -> bool:
    csvs = all((out / n).is_file() for n in (TRAIN_CSV, TEST_LABELS_CSV, SAMPLE_SUBMISSION_CSV))
    return csvs and all((out / IMAGE_DIRS[split] / i).is_file() for split in ids for i in ids[split])


def _table(rows: list[tuple[str, tuple[str, ...]]]) -> pd.DataFrame:
    rows = sorted(rows)
    return pd.DataFrame({"ImageId": [r[0] for r in rows],
                         **{col: [r[1][i] for r in rows] for i, col in enumerate(RLE_COLUMNS)}})


def _check_request(n_train: int, n_test: int, seed: int, workers: int, contrast: float) -> None:
    if n_train < 1 or n_test < 0 or seed < 0:
        raise SteelDefectError(f"need --train >= 1, --test >= 0 and --seed >= 0; got train {n_train}, "
                               f"test {n_test}, seed {seed}")
    if workers < 1:
        raise SteelDefectError(f"--workers must be at least 1, got {workers}")
    if not 0.0 < contrast <= MAX_CONTRAST:
        raise SteelDefectError(f"--contrast must lie in (0, {MAX_CONTRAST:g}], got {contrast:g}")


def generate_dataset(out_dir: str | Path, n_train: int, n_test: int, seed: int, *, force: bool = False,
                     workers: int = 1, progress: bool = True, quality: int | None = None,
                     contrast: float = 1.0, look: Look | None = None) -> SynthSummary:
    """Write (or finish, or confirm) the synthetic dataset of ``seed`` into ``out_dir``.

    ``contrast`` scales every defect's grey-level change; 1 is the look calibrated on real images.
    ``look`` (default: the shipped look, fitted on real Severstal strips) is the look of clean steel;
    ``quality`` defaults to the look's JPEG quality.
    """
    _check_request(n_train, n_test, seed, workers, contrast)
    start = time.perf_counter()
    out = Path(out_dir)
    if quality is None:
        quality = (look or default_look()).jpeg_quality
    arguments = _arguments(seed, n_train, n_test, quality, float(contrast), look)
    record = _check_folder(out, arguments, force)
    ids = image_ids(seed, n_train, n_test)
    if record and record.complete and record.summary is not None and _all_files_there(out, ids):
        done = record.summary
        return SynthSummary(str(out), seed, n_train, n_test, 0, n_train + n_test,
                            round(time.perf_counter() - start, 3), done.train_clean, done.train_per_class,
                            float(contrast))
    if force:
        _clear_stale(out, ids)
    out.mkdir(parents=True, exist_ok=True)
    write_synth_record(out, SynthRecord(arguments, complete=False))
    tasks = [(str(out / IMAGE_DIRS[split]), split, seed, i, image_id, quality, float(contrast), look)
             for split in SPLITS for i, image_id in enumerate(ids[split])]
    for folder in IMAGE_DIRS.values():
        (out / folder).mkdir(exist_ok=True)
    results = {"train": [], "test": []}
    written = 0
    bar = tqdm(total=len(tasks), desc="synth", unit="img", disable=not progress, leave=False)
    pool = ProcessPoolExecutor(workers) if workers > 1 else None
    try:
        outputs = pool.map(_make_image, tasks, chunksize=8) if pool else map(_make_image, tasks)
        for task, (image_id, rles, did_write) in zip(tasks, outputs):
            results[task[1]].append((image_id, rles))
            written += did_write
            bar.update()
    finally:
        bar.close()
        if pool:
            pool.shutdown(cancel_futures=True)
    train, test = _table(results["train"]), _table(results["test"])
    write_labels(train, out / TRAIN_CSV)
    write_labels(test, out / TEST_LABELS_CSV)
    sample = test.copy()
    sample[list(RLE_COLUMNS)] = SAMPLE_RLE
    write_labels(sample, out / SAMPLE_SUBMISSION_CSV)
    present = train[list(RLE_COLUMNS)].to_numpy() != ""
    summary = SynthSummary(str(out), seed, n_train, n_test, written, n_train + n_test - written,
                           round(time.perf_counter() - start, 3), int((~present.any(axis=1)).sum()),
                           tuple(int(n) for n in present.sum(axis=0)), float(contrast))
    stable = SynthCounts(summary.train_clean, summary.train_per_class)
    write_synth_record(out, SynthRecord(arguments, complete=True, summary=stable))
    return summary
