"""The Keras forward pass of an ensemble: every finished classifier and segmenter run, TTA, a reducer.

``KerasEnsemble`` implements ``ensemble.decide.Forward``. Models take RGB 0..255 images at their input size
(each backbone normalises its input itself); a deep-supervision segmenter's last output is the mask.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from steeldefect.ensemble.reducers import get_reducer
from steeldefect.ensemble.tta import tta_apply, tta_views
from steeldefect.errors import SteelDefectError
from steeldefect.models.model_io import load_model
from steeldefect.artifacts.run_folder import DONE_FILE, MODEL_FILE, Run, find_runs, require_done, run_from_path
from steeldefect.artifacts.run_meta import run_input_size


@dataclass
class LoadedModel:
    """One run's model and the input size it takes."""

    run: Run
    model: object
    input_size: tuple[int, int]
    n_outputs: int


def _input_size(run: Run, model) -> tuple[int, int]:
    """(h, w) of a run's model: the run's recorded input size (``run_meta.run_input_size``), which a
    model with a static input shape must agree with."""
    size = run_input_size(run)
    shape = tuple(model.input_shape)
    if shape[1] is not None and shape[2] is not None and (int(shape[1]), int(shape[2])) != size:
        raise SteelDefectError(f"{run.path}: the model takes {shape[1]}x{shape[2]} images but the run records "
                               f"input_size {size[0]}x{size[1]}; the run folder is inconsistent, retrain it")
    return size


def out_size_of(sizes) -> tuple[int, int]:
    """The size the segmenter probabilities are averaged at: the largest of the segmenters' input sizes."""
    return tuple(max(sizes, key=lambda s: (s[0] * s[1], s)))


def planned_out_size(segmenter_runs: list[Run]) -> tuple[int, int]:
    """The segmenters' output size read from their runs' meta.json, without loading a model (to check
    thresholds before minutes of loading)."""
    return out_size_of([run_input_size(run) for run in segmenter_runs])


def _output_width(model) -> int:
    shape = model.output_shape[-1] if isinstance(model.output_shape, list) else model.output_shape
    return int(shape[-1])


def load_runs(runs: list[Run]) -> list[LoadedModel]:
    """Load the model.keras of each run (one clear error for a missing or unreadable file)."""
    loaded = []
    for run in runs:
        model = load_model(run.model_path)
        loaded.append(LoadedModel(run, model, _input_size(run, model), _output_width(model)))
    return loaded


def select_runs(runs_dir: str | os.PathLike | None, run_dirs=None, spec=None) -> tuple[list[Run], list[Run]]:
    """(classifier runs, segmenter runs): every finished run under ``runs_dir``, or the given folders;
    only the members of the ensemble spec ``spec`` when given."""
    if run_dirs:
        runs = require_done([run_from_path(p) for p in run_dirs])
        classifiers, segmenters = [r for r in runs if r.kind == "classifier"], [r for r in runs if r.kind == "segmenter"]
    else:
        classifiers, segmenters = find_runs(runs_dir, "classifier"), find_runs(runs_dir, "segmenter")
    if spec is not None:
        classifiers, segmenters = spec.pick(classifiers, "classifier"), spec.pick(segmenters, "segmenter")
    return classifiers, segmenters


def _fingerprint(models: list[LoadedModel]) -> str:
    h = hashlib.sha256()
    for m in models:
        stat = m.run.model_path.stat()
        h.update(f"{m.run.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return h.hexdigest()


class KerasEnsemble:
    """Classifiers and segmenters averaged (by a reducer) over models and TTA views."""

    def __init__(self, classifiers: list[LoadedModel], segmenters: list[LoadedModel], tta: str = "none",
                 reducer: str = "mean", out_size: tuple[int, int] | None = None, batch_size: int = 8):
        if not segmenters:
            raise SteelDefectError("no finished segmenter runs to predict with; train segmenters first")
        tta_views(tta)
        get_reducer(reducer)
        outs = {m.n_outputs for m in classifiers}
        if len(outs) > 1:
            raise SteelDefectError(f"classifier runs mix {sorted(outs)} outputs; keep one kind")
        self.classifiers, self.segmenters = classifiers, segmenters
        self.tta, self.reducer = tta, reducer
        self.batch_size = batch_size  # smaller batches are padded to it: one traced shape per model
        self.n_class_outputs = outs.pop() if outs else None
        sizes = [m.input_size for m in segmenters]
        self.out_size = tuple(out_size) if out_size else out_size_of(sizes)
        self.input_sizes = tuple(sorted({m.input_size for m in classifiers + segmenters}))
        self.fingerprint = f"{_fingerprint(classifiers + segmenters)}:{tta}:{reducer}:{self.out_size}"

    def _call(self, model, batch: np.ndarray) -> np.ndarray:
        n = len(batch)
        if n < self.batch_size:  # a new batch shape would retrace the predict function (seconds)
            batch = np.concatenate([batch, np.zeros((self.batch_size - n, *batch.shape[1:]), batch.dtype)])
        out = model.predict_on_batch(batch.astype(np.float32))
        return np.asarray(out[-1] if isinstance(out, (list, tuple)) else out, np.float32)[:n]

    def classify(self, views: dict) -> np.ndarray:
        """(B,) or (B, 4) classifier probabilities."""
        reducer = get_reducer(self.reducer)
        for m in self.classifiers:
            tta_apply(lambda b, m=m: self._call(m.model, b), views[m.input_size], self.tta, reducer.add, invert=False)
        out = reducer.result()
        return out[:, 0] if out.shape[1] == 1 else out

    def segment(self, views: dict) -> np.ndarray:
        """(B, h, w, 4) segmenter probabilities at ``out_size``."""
        reducer = get_reducer(self.reducer)
        for m in self.segmenters:
            def run(b, m=m):
                probs = self._call(m.model, b)
                if probs.shape[1:3] != self.out_size:
                    h, w = self.out_size
                    probs = np.stack([cv2.resize(p, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1)
                                      for p in probs])
                return probs
            tta_apply(run, views[m.input_size], self.tta, reducer.add, invert=True)
        return reducer.result()


def load_ensemble(runs_dir=None, run_dirs=None, tta: str = "none", reducer: str = "mean", use_classifiers: bool = True,
                  out_size=None, batch_size: int = 8, spec=None) -> KerasEnsemble:
    """Load every finished run under ``runs_dir`` (or the ``run_dirs`` given) into a KerasEnsemble; with an
    ensemble spec, only its members, with its TTA mode and reducer."""
    if spec is not None:
        tta, reducer = spec.tta, spec.reducer
    cls_runs, seg_runs = select_runs(runs_dir, run_dirs, spec)
    if not seg_runs:
        where = Path(runs_dir) / "segmenter" if runs_dir else "the runs given"
        raise SteelDefectError(f"no finished segmenter runs ({MODEL_FILE} and {DONE_FILE}) in {where}")
    classifiers = load_runs(cls_runs) if use_classifiers else []
    return KerasEnsemble(classifiers, load_runs(seg_runs), tta, reducer, out_size, batch_size)
