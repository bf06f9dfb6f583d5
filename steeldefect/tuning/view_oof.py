"""Out-of-fold predictions under the TTA views, for runs that only have the identity's oof.npz.

Training writes oof.npz: the best model on its validation fold, unflipped. Choosing TTA views on OOF
(``steeldefect select``) and tuning for them (``tune --ensemble``) need the same predictions under
each flip, put back in place for segmenters: ``oof_<view>.npz`` beside it (``artifacts.oof.oof_view_path``).
They are made here, once per run and view, by the validation pass training uses (``Validator`` over
``eval_dataset`` of the run's config), so the identity view reproduces oof.npz.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from steeldefect.errors import SteelDefectError
from steeldefect.ensemble.tta import Flip, tta_views
from steeldefect.artifacts.oof import IDENTITY_VIEW, oof_view_path, write_oof
from steeldefect.artifacts.run_folder import Run
from steeldefect.artifacts.run_meta import META_FILE, read_meta
from steeldefect.config import load_config
from steeldefect.models.model_io import load_model
from steeldefect.pipeline.image_sources import open_source
from steeldefect.training.validation import Validator
from steeldefect.tuning.oof_stream import oof_ids


def missing_views(runs: list[Run], tta: str) -> list[tuple[Run, str]]:
    """(run, view) pairs of the TTA mode's views whose OOF file does not exist yet."""
    views = [v.name for v in tta_views(tta) if v.name != IDENTITY_VIEW]
    return [(run, view) for run in runs for view in views if not oof_view_path(run.path, view).is_file()]


class _Viewed:
    """A model seen through a TTA view: the input flipped, a mask output flipped back."""

    def __init__(self, model, view: Flip, invert: bool):
        self.model, self.view, self.invert = model, view, invert

    def predict_on_batch(self, batch):
        out = self.model.predict_on_batch(self.view.apply(np.asarray(batch)))
        out = np.asarray(out[-1] if isinstance(out, (list, tuple)) else out, np.float32)
        return self.view.invert(out) if self.invert else out


def _data_of(run: Run, data: str | os.PathLike | None) -> str:
    where = data or read_meta(run).data
    if not where:
        raise SteelDefectError(f"run {run.name} records no dataset folder in its {META_FILE}; pass --data")
    return str(where)


def write_view_oof(run: Run, views: list[str], data: str | os.PathLike | None = None) -> list[Path]:
    """Predict the run's validation images under each of ``views`` and write oof_<view>.npz; returns the
    files written. ``data``: the dataset the run trained on (default: its meta.json ``data``)."""
    from steeldefect.pipeline.tf_dataset import Spec, eval_dataset, eval_order  # heavy: TensorFlow

    flips = {v.name: v for v in tta_views("both")}
    config = load_config(run.config_path, check=False)
    source = open_source(_data_of(run, data))
    ids = oof_ids(run)
    order = eval_order(source, ids)
    if sorted(order) != sorted(ids):
        raise SteelDefectError(f"run {run.name}: the dataset {source.location} lacks some of its validation images")
    dataset = eval_dataset(source, ids, config, run.kind)
    model = load_model(run.model_path)
    written = []
    for view in views:
        validator = Validator(run.kind, dataset, Spec.of(config, run.kind).batch_size, loss=None)
        probs = validator.predict(_Viewed(model, flips[view], invert=run.kind == "segmenter"))
        written.append(write_oof(run.path, run.kind, order, probs, view))
    return written


def ensure_view_oof(runs: list[Run], tta: str, data: str | os.PathLike | None = None, progress=None) -> int:
    """Make every missing OOF file of the TTA mode's views; returns how many runs were predicted.
    ``progress``: a tqdm-like bar, updated once per run."""
    todo: dict[Run, list[str]] = {}
    for run, view in missing_views(runs, tta):
        todo.setdefault(run, []).append(view)
    if progress is not None and hasattr(progress, "total"):
        progress.total = len(todo)
    for run, views in todo.items():
        write_view_oof(run, views, data)
        if progress is not None:
            progress.update(1)
    return len(todo)
