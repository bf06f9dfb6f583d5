"""Out-of-fold predictions of all folds, averaged over backbones as the ensemble averages them.

Each run's ``oof.npz`` holds ``image_ids`` and ``probs``: uint8 (N, h, w, K) for a segmenter,
float (N,) or (N, K) for a classifier (K: the dataset's classes, 4 for Severstal). Segmenter OOF arrays are large (12,568 x 128 x 800 x 4 bytes
is 5 GB), so they are never loaded whole: they are read in chunks of images, from a memory map of an
uncompressed ``.npz`` member or by decompressing a compressed one as a stream (``RowReader``).

Members are combined by a reducer on their uint8 levels (``ensemble.reducers.reduce_levels``): the
default mean as ``round(mean(q_k))``, within one level of quantising the mean probability, which is
what prediction thresholds (see ``steeldefect.postprocess.masks``); the max of the levels exactly;
the geometric mean of the dequantised levels quantised again. Classifier probabilities are combined
by the same reducer in float64.

With an ensemble spec (``artifacts.ensemble_file``) only its members are used, each under every view of its TTA
mode (``oof_<view>.npz``, made by ``tuning.view_oof``), combined by its reducer.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from steeldefect.artifacts.ensemble_file import EnsembleSpec
from steeldefect.artifacts.oof import (IDENTITY_VIEW, IDS_KEY, NPY_HEADERS, OOF_FILE, PROBS_KEY, npz_array, npz_shape,
                                       oof_view_path)
from steeldefect.artifacts.run_folder import DONE_FILE, Run, find_runs, group_by_backbone
from steeldefect.constants import NUM_CLASSES
from steeldefect.ensemble.reducers import reduce_arrays, reduce_levels
from steeldefect.ensemble.tta import tta_views
from steeldefect.errors import SteelDefectError

DEFAULT_CHUNK = 64  # images per chunk when streaming segmenter OOF predictions


def oof_ids(run: Run, view: str = IDENTITY_VIEW) -> list[str]:
    """The validation image ids of a run, in the order of its oof.npz (or a view's oof_<view>.npz)."""
    return [str(i) for i in npz_array(_view_file(run, view), IDS_KEY, mmap=False)]


def _view_file(run: Run, view: str) -> Path:
    path = oof_view_path(run.path, view)
    if view != IDENTITY_VIEW and not path.is_file():
        raise SteelDefectError(f"run {run.name} has no OOF predictions under the {view} view ({path.name}); "
                               "`steeldefect select` and `steeldefect tune --ensemble` make them")
    return path


@dataclass
class OOFPlan:
    """Which OOF rows of which runs make the ensemble's OOF prediction of each image.

    ``folds`` lists, per fold, the image ids and for each segmenter member and view the OOF file and
    the rows of it holding those images. ``cls_probs`` is the classifier combination aligned with
    ``image_ids`` ((N,) for one output, (N, K) for one per class), or None without classifier runs.
    ``reducer`` combines the members and views; ``n_classes`` is K, the segmenters' output channels.
    """

    image_ids: list[str]
    shape: tuple[int, int]
    folds: list[tuple[int, list[str], list[tuple[Path, np.ndarray]]]]
    cls_probs: np.ndarray | None
    segmenter_runs: list[Run]
    classifier_runs: list[Run]
    notes: list[str] = field(default_factory=list)
    reducer: str = "mean"
    views: tuple[str, ...] = (IDENTITY_VIEW,)
    n_classes: int = NUM_CLASSES


def _classifier_average(runs: list[Run], notes: list[str], views=(IDENTITY_VIEW,),
                        reducer: str = "mean", n_classes: int = NUM_CLASSES) -> tuple[dict[str, np.ndarray], int] | None:
    """Image id -> classifier probability combined over members and views (images all members have)."""
    if not runs:
        return None
    per_backbone = []
    n_out = None
    for (backbone, group), view in [(g, v) for g in group_by_backbone(runs).items() for v in views]:
        probs_of: dict[str, np.ndarray] = {}
        for run in group:
            probs = np.asarray(npz_array(_view_file(run, view), PROBS_KEY, mmap=False), dtype=np.float64)
            probs = probs.reshape(len(probs), -1)
            if probs.shape[1] not in (1, n_classes):
                raise SteelDefectError(f"{run.path / OOF_FILE}: classifier probs have {probs.shape[1]} outputs; "
                                       f"expected 1 or {n_classes} (the segmenters' classes)")
            if n_out is not None and probs.shape[1] != n_out:
                raise SteelDefectError(f"{run.path}: {probs.shape[1]}-output classifier mixed with "
                                       f"{n_out}-output ones; keep one kind under RUNS/classifier")
            n_out = probs.shape[1]
            probs_of.update(zip(oof_ids(run, view), probs))
        per_backbone.append(probs_of)
    common = sorted(set(per_backbone[0]).intersection(*per_backbone[1:]))
    if any(len(p) != len(common) for p in per_backbone):
        notes.append(f"classifier OOF: {len(common)} images are predicted by every backbone; others dropped")
    combined = reduce_arrays(reducer, [np.array([p[i] for i in common]) for p in per_backbone], np.float64)
    return dict(zip(common, combined)), n_out


def plan_oof(runs_dir: str | os.PathLike, spec: EnsembleSpec | None = None) -> OOFPlan:
    """Match the OOF predictions of every finished segmenter and classifier run under ``runs_dir``
    (only the members of ``spec``, under its TTA views, when given)."""
    seg_runs = find_runs(runs_dir, "segmenter")
    if not seg_runs:
        raise SteelDefectError(f"no finished segmenter runs (with {OOF_FILE} and {DONE_FILE}) under "
                               f"{Path(runs_dir) / 'segmenter'}; train segmenters first")
    cls_runs = find_runs(runs_dir, "classifier")
    views, reducer = (IDENTITY_VIEW,), "mean"
    if spec is not None:
        seg_runs, cls_runs = spec.pick(seg_runs, "segmenter"), spec.pick(cls_runs, "classifier")
        views, reducer = tuple(v.name for v in tta_views(spec.tta)), spec.reducer
    notes: list[str] = []
    groups = group_by_backbone(seg_runs)
    folds_of = {b: {r.fold: r for r in rs} for b, rs in groups.items()}
    all_folds = sorted(set().union(*[set(f) for f in folds_of.values()]))
    shapes, channels = {}, {}
    for run in seg_runs:
        shape = npz_shape(run.path / OOF_FILE, PROBS_KEY)
        k = channels.setdefault("k", shape[-1] if len(shape) == 4 else None)
        if len(shape) != 4 or shape[-1] != k:
            raise SteelDefectError(f"{run.path / OOF_FILE}: segmenter probs have shape {shape}; "
                                   f"expected (N, h, w, {k}) like the other segmenter runs")
        shapes[run.name] = shape[1:3]
    shape = max(shapes.values(), key=lambda s: (s[0] * s[1], s))
    classifier = _classifier_average(cls_runs, notes, views, reducer, channels["k"])
    folds = []
    for fold in all_folds:
        missing = [b for b in groups if fold not in folds_of[b]]
        if missing:
            notes.append(f"fold {fold} skipped: no finished segmenter run of {', '.join(missing)}")
            continue
        files = [(folds_of[b][fold], view) for b in groups for view in views]
        ids_per_run = [oof_ids(r, view) for r, view in files]
        keep = set(ids_per_run[0]).intersection(*ids_per_run[1:])
        if classifier is not None:
            keep &= set(classifier[0])
        ids = [i for i in ids_per_run[0] if i in keep]
        if len(ids) < len(ids_per_run[0]):
            notes.append(f"fold {fold}: {len(ids_per_run[0]) - len(ids)} images lack a prediction of some run; dropped")
        rows = []
        for (run, view), run_ids in zip(files, ids_per_run):
            index = {i: k for k, i in enumerate(run_ids)}
            rows.append((_view_file(run, view), np.array([index[i] for i in ids], dtype=np.int64)))
        folds.append((fold, ids, rows))
    image_ids = [i for _, ids, _ in folds for i in ids]
    if not image_ids:
        raise SteelDefectError(f"{runs_dir}: no image has an OOF prediction of every backbone")
    cls_probs = None
    if classifier is not None:
        table, n_out = classifier
        cls_probs = np.array([table[i] for i in image_ids], dtype=np.float64).reshape(len(image_ids), n_out)
        cls_probs = cls_probs[:, 0] if n_out == 1 else cls_probs
    return OOFPlan(image_ids, (int(shape[0]), int(shape[1])), folds, cls_probs, seg_runs, cls_runs, notes,
                   reducer, views, int(channels["k"]))


def _resize_levels(q: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """uint8 (n, h, w, C) probability levels -> (n, H, W, C), bilinear (for backbones of other sizes)."""
    if q.shape[1:3] == tuple(shape):
        return q
    return np.stack([cv2.resize(np.ascontiguousarray(x), (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
                     .reshape(shape[0], shape[1], -1) for x in q])


class RowReader:
    """Reads given rows of an oof.npz ``probs`` array in chunks, front to back, without loading it all.

    Uncompressed members are memory-mapped. Compressed ones (``np.savez_compressed``, what training
    writes) are decompressed as a stream when the wanted rows are increasing, which they are when the
    backbones list a fold's images in the same order; otherwise the array is loaded whole.
    """

    def __init__(self, path: Path, rows: np.ndarray, key: str = PROBS_KEY):
        self.rows, self.pos = np.asarray(rows, np.int64), 0
        self._stream, self._array = None, None
        with zipfile.ZipFile(path) as zf:
            stored = zf.getinfo(f"{key}.npy").compress_type == zipfile.ZIP_STORED
        if stored or not self._increasing():
            self._array = npz_array(path, key)  # a memory map when stored, else the whole array
        else:
            self._open_stream(path, key)

    def _increasing(self) -> bool:
        return len(self.rows) < 2 or bool(np.all(np.diff(self.rows) > 0))

    def _open_stream(self, path: Path, key: str) -> None:
        self._zip = zipfile.ZipFile(path)
        self._stream = self._zip.open(f"{key}.npy")
        version = np.lib.format.read_magic(self._stream)
        shape, fortran, dtype = NPY_HEADERS[version](self._stream)
        if fortran or dtype.hasobject:
            self.close()
            self._array = npz_array(path, key)
            return
        self._row_shape, self._dtype = shape[1:], dtype
        self._row_bytes = int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize
        self._next_row = 0  # the first row not yet read from the stream

    def take(self, n: int) -> np.ndarray:
        """The next ``n`` wanted rows, as an in-memory array."""
        want = self.rows[self.pos:self.pos + n]
        self.pos += len(want)
        if self._stream is None:
            return np.asarray(self._array[want])
        last = int(want[-1]) + 1
        data = self._stream.read((last - self._next_row) * self._row_bytes)
        block = np.frombuffer(data, self._dtype).reshape(-1, *self._row_shape)
        out = block[want - self._next_row]
        self._next_row = last
        return out

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._zip.close()
            self._stream = None


def iter_oof(plan: OOFPlan, chunk_size: int = DEFAULT_CHUNK) -> Iterator[tuple[int, list[str], np.ndarray]]:
    """Yield (start, image ids, uint8 levels (n, h, w, 4)) over ``plan.image_ids`` in order.

    Each chunk combines the members' (and views') OOF levels by ``plan.reducer``; memory stays one
    chunk per member and view.
    """
    start = 0
    for _, ids, rows in plan.folds:
        readers = [RowReader(path, idx) for path, idx in rows]
        try:
            for lo in range(0, len(ids), chunk_size):
                hi = min(lo + chunk_size, len(ids))
                q = reduce_levels(plan.reducer, [_resize_levels(reader.take(hi - lo), plan.shape)
                                                 for reader in readers])
                yield start, ids[lo:hi], q
                start += hi - lo
        finally:
            for reader in readers:
                reader.close()
