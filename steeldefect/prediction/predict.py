"""Streaming, resumable prediction of a folder of images into a submission.

The images are processed in chunks: read (in a background thread, one chunk ahead), resized to the
models' input sizes and decided by ``ensemble.decide`` (classified, gated, the surviving images
segmented, post-processed and encoded). Each finished chunk is written to ``<out>.partial/`` (``artifacts.prediction_partial``);
a rerun with the same inputs skips the chunks already there. Only when every chunk is done are the
per-image CSV and then the submission concatenated from them (atomically, streaming bytes) and the
partial folder removed. Memory is one or two chunks, whatever the number of images or masks.

The models are behind the small ``ensemble.decide.Forward`` interface (``keras_ensemble.KerasEnsemble``
implements it with Keras), so everything here runs in tests with fake models and without TensorFlow.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from steeldefect.artifacts.prediction_partial import (chunk_paths, discard_chunks, partial_dir, read_fingerprint,
                                                      write_fingerprint)
from steeldefect.artifacts.prediction_table import images_csv_path, read_prediction_table, table_counts, write_rows
from steeldefect.artifacts.thresholds_file import rules_to_dict
from steeldefect.constants import ORIGINAL_LAYOUT
from steeldefect.data.labels import table_rle_columns
from steeldefect.data.images import list_images, read_image
from steeldefect.data.io import atomic_write
from steeldefect.data.submission import sample_image_ids, write_submission
from steeldefect.ensemble.decide import Forward, decide_views
from steeldefect.errors import SteelDefectError
from steeldefect.pipeline.preprocess import resize_image
from steeldefect.postprocess.gating import check_gate
from steeldefect.postprocess.rules import Thresholds, check_resolution



@dataclass(frozen=True)
class PredictOptions:
    """How prediction runs (not what it predicts: that is the models and the thresholds)."""

    batch_size: int = 8  # images per model call
    chunk_size: int = 64  # images per resumable chunk (memory holds about two chunks)
    use_gate: bool = True  # False: ignore the classifiers and the gates
    review_band: tuple[float, float] | None = None  # images with a defect probability in [lo, hi] are flagged

    def validate(self) -> None:
        if self.batch_size < 1 or self.chunk_size < 1:
            raise SteelDefectError("--batch-size and --chunk-size must be positive")
        if self.review_band is not None:
            lo, hi = self.review_band
            if not 0.0 <= lo <= hi <= 1.0:
                raise SteelDefectError(f"--review-band {lo:g} {hi:g}: need 0 <= LO <= HI <= 1")


@dataclass
class PredictReport:
    """What a prediction did, counted over all chunks (resumed ones included)."""

    n_images: int
    n_gated: int  # images that skipped the segmenters
    n_masks_gated: int  # (image, class) masks emptied by the gate
    n_nonempty: int  # (image, class) masks predicted non-empty
    n_chunks: int
    n_chunks_resumed: int  # chunks found done from an earlier run
    seconds: float  # wall time of this call
    submission: str
    per_image: str
    n_review: int = 0  # images flagged for review (their defect probability in the review band)

    @property
    def images_per_second(self) -> float:
        done = self.n_images * (1 - self.n_chunks_resumed / max(self.n_chunks, 1))
        return done / self.seconds if self.seconds > 0 else float("nan")


def load_views(paths: list[Path], sizes, shapes: list | None = None,
               required_shape: tuple[int, int] | None = None) -> dict[tuple[int, int], np.ndarray]:
    """Read images and resize each to every model input size: {(h, w): uint8 (n, h, w, 3)}.

    Each image's own (H, W) is appended to ``shapes`` when given; with ``required_shape`` an image of
    another size is an error (a Kaggle submission numbers its pixels for 256x1600 strips).
    """
    views = {tuple(s): np.empty((len(paths), int(s[0]), int(s[1]), 3), np.uint8) for s in sizes}
    for i, path in enumerate(paths):
        image = read_image(path)
        if required_shape is not None and image.shape[:2] != tuple(required_shape):
            raise SteelDefectError(f"image {path} is {image.shape[0]}x{image.shape[1]}; a Kaggle submission "
                                   f"(--sample) needs {required_shape[0]}x{required_shape[1]} strips; drop "
                                   "--sample to predict images of another size")
        if shapes is not None:
            shapes.append(image.shape[:2])
        for size, out in views.items():
            out[i] = resize_image(image, size)
    return views


def _fingerprint(image_ids: list[str], forward: Forward, thresholds: Thresholds, options: PredictOptions,
                 layout: str) -> str:
    data = {"ids": image_ids, "models": forward.fingerprint, "options": {**asdict(options), "batch_size": None},
            "layout": layout, "thresholds": rules_to_dict(thresholds)}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _prepare_partial(partial: Path, fingerprint: str, n_chunks: int) -> list[str]:
    """Create or check the partial folder; notes say what was resumed or discarded."""
    notes = []
    if partial.is_dir() and read_fingerprint(partial) != fingerprint:
        discarded = discard_chunks(partial)
        if discarded:
            notes.append(f"discarded {discarded} partial chunks of a run with other images, models, "
                         "thresholds or options")
    partial.mkdir(parents=True, exist_ok=True)
    write_fingerprint(partial, fingerprint, n_chunks)
    return notes


def _concat_csv(parts: list[Path], dest: Path) -> None:
    """Concatenate CSV files with the same header into ``dest`` (atomically), streaming bytes."""
    with atomic_write(dest) as tmp, open(tmp, "wb") as out:
        for i, part in enumerate(parts):
            with open(part, "rb") as fh:
                header = fh.readline()
                if i == 0:
                    out.write(header)
                shutil.copyfileobj(fh, out)


def _counts(parts: list[Path]) -> dict[str, int]:
    """Totals over the per-image chunk files, read one at a time without their masks."""
    totals = dict.fromkeys(("gated", "masks_gated", "nonempty", "review"), 0)
    for part in parts:
        for key, value in table_counts(read_prediction_table(part)).items():
            totals[key] += value
    return totals


@dataclass(frozen=True)
class _Job:
    """One call of ``predict_images``: the chunks and where they go."""

    chunks: list[list[str]]
    images_dir: Path
    forward: Forward
    thresholds: Thresholds
    options: PredictOptions
    layout: str
    required_shape: tuple[int, int] | None

    def load(self, k: int):
        shapes = []
        paths = [self.images_dir / i for i in self.chunks[k]]
        return load_views(paths, self.forward.input_sizes, shapes, self.required_shape), shapes


def _predict_chunks(job: _Job, todo: list[int], rows: list[Path], subs: list[Path],
                    progress: Callable[[int], None] | None) -> None:
    """Decide the chunks ``todo``, reading the next one while deciding one; each chunk's submission
    rows, then its per-image rows (the mark that it is done)."""
    options = job.options
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="steeldefect-read") as reader:
        pending = reader.submit(job.load, todo[0]) if todo else None
        for j, k in enumerate(todo):
            views, shapes = pending.result()
            pending = reader.submit(job.load, todo[j + 1]) if j + 1 < len(todo) else None
            table = decide_views(job.chunks[k], views, job.forward, job.thresholds, options.batch_size,
                                 options.use_gate, options.review_band, shapes)
            del views
            columns = list(table_rle_columns(table))
            write_submission(table[["ImageId", *columns]], subs[k], layout=job.layout)
            with atomic_write(rows[k]) as tmp:
                write_rows(table.drop(columns=columns), tmp)
            del table
            if progress is not None:
                progress(len(job.chunks[k]))


def _check_inputs(image_ids: list[str], forward: Forward, thresholds: Thresholds, options: PredictOptions) -> None:
    options.validate()
    if not image_ids:
        raise SteelDefectError("no images to predict")
    check_resolution(thresholds, forward.out_size)
    if options.use_gate:
        check_gate(forward.n_class_outputs, thresholds)


def predict_images(image_ids: list[str], images_dir: str | os.PathLike, forward: Forward, thresholds: Thresholds,
                   out: str | os.PathLike, options: PredictOptions = PredictOptions(),
                   layout: str = ORIGINAL_LAYOUT, progress: Callable[[int], None] | None = None,
                   notes: list[str] | None = None, required_shape: tuple[int, int] | None = None) -> PredictReport:
    """Predict ``image_ids`` (files in ``images_dir``) and write the submission ``out`` in that order.

    Each mask is drawn and numbered at its own image's size (a camera's other strip size comes back at
    that size); with ``required_shape`` (the Kaggle path) an image of another size is an error.

    Also writes the per-image CSV (``artifacts.prediction_table``: one analysis row per image, masks
    left out). Resumes from ``<out>.partial``. The final files are concatenated from the chunk files,
    so memory stays flat however large the submission.
    """
    _check_inputs(image_ids, forward, thresholds, options)
    start = time.perf_counter()
    out = Path(out)
    partial = partial_dir(out)
    chunks = [image_ids[i:i + options.chunk_size] for i in range(0, len(image_ids), options.chunk_size)]
    notes = notes if notes is not None else []
    notes += _prepare_partial(partial, _fingerprint(image_ids, forward, thresholds, options, layout), len(chunks))
    rows, subs = chunk_paths(partial, len(chunks))  # rows written last: the chunk is done
    todo = [k for k, p in enumerate(rows) if not p.is_file()]
    resumed = len(chunks) - len(todo)
    if resumed and progress is not None:
        progress(len(image_ids) - sum(len(chunks[k]) for k in todo))
    job = _Job(chunks, Path(images_dir), forward, thresholds, options, layout, required_shape)
    _predict_chunks(job, todo, rows, subs, progress)
    images_csv = images_csv_path(out)
    _concat_csv(rows, images_csv)
    _concat_csv(subs, out)
    counts = _counts(rows)
    shutil.rmtree(partial)
    return PredictReport(n_images=len(image_ids), n_gated=counts["gated"], n_masks_gated=counts["masks_gated"],
                         n_nonempty=counts["nonempty"], n_chunks=len(chunks), n_chunks_resumed=resumed,
                         seconds=time.perf_counter() - start, submission=str(out), per_image=str(images_csv),
                         n_review=counts["review"])


def image_list(images_dir: str | os.PathLike, sample: str | os.PathLike | None = None,
               limit: int | None = None) -> tuple[list[str], str]:
    """The image ids to predict, in submission order, and the submission layout.

    With a sample submission: its images in its order and its layout (every one must be in
    ``images_dir``); otherwise the sorted images of the folder, original layout. ``limit`` keeps the first n.
    """
    present = list_images(images_dir)
    if sample is not None:
        ids, layout = sample_image_ids(sample)
        missing = sorted(set(ids) - set(present))
        if missing:
            raise SteelDefectError(f"{len(missing)} images of the sample {sample} are not in {images_dir}, "
                                   f"e.g. {missing[0]}")
    else:
        ids, layout = present, ORIGINAL_LAYOUT
    if not ids:
        raise SteelDefectError(f"no images to predict in {images_dir}")
    if limit is not None:
        if limit < 1:
            raise SteelDefectError(f"--limit must be positive, got {limit}")
        ids = ids[:limit]
    return ids, layout
