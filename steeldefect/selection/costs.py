"""What prediction costs per image: each member's fold model under one view, and the fixed part.

A costs file (YAML) holds them, measured on one machine::

    machine: 2-core x86_64 CPU, tensorflow 2.20   # where they were measured
    overhead_s: 0.004          # per image: JPEG decode, resize, post-processing, RLE
    models:                    # per image, one fold model, one TTA view
      segmenter/efficientnetb0: 0.031
      classifier/efficientnetb0: 0.012

``measure_costs`` times them here; a file measured elsewhere (a GPU, Kaggle's P100) is read with
``load_costs``. The time of an ensemble on N images is then
``N * (overhead_s + views * sum(folds(m) * models[m]))``, counting every image through every
segmenter (a hard gate skipping some is a saving the estimate does not count on).
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from steeldefect.data.io import atomic_write, read_yaml
from steeldefect.ensemble.decide import decide_views
from steeldefect.errors import SteelDefectError
from steeldefect.models.model_io import load_model
from steeldefect.postprocess.rules import default_thresholds
from steeldefect.prediction.predict import load_views
from steeldefect.artifacts.run_folder import Run, group_by_backbone
from steeldefect.artifacts.oof import dequantise
from steeldefect.artifacts.run_meta import run_input_size
from steeldefect.tuning.oof_stream import RowReader, oof_ids

TIMED_CALLS = 3  # model calls timed per member after one warm-up call; the median counts


def member_key(kind: str, member: str) -> str:
    return f"{kind}/{member}"


@dataclass(frozen=True)
class Costs:
    """Seconds per image: ``overhead_s`` once per image, ``models[kind/member]`` per fold model and view."""

    overhead_s: float
    models: dict[str, float] = field(default_factory=dict)
    machine: str = ""

    def model_s(self, kind: str, member: str) -> float:
        key = member_key(kind, member)
        if key not in self.models:
            raise SteelDefectError(f"the costs name no {key}; measure them again (drop --costs) or add it")
        return self.models[key]

    def ensemble_s(self, n_images: int, n_views: int, members: list[tuple[str, str, int]]) -> float:
        """Seconds for ``n_images`` through ``members`` [(kind, member, n_folds)] under ``n_views`` views."""
        per_view = sum(n_folds * self.model_s(kind, member) for kind, member, n_folds in members)
        return n_images * (self.overhead_s + n_views * per_view)


def machine_text() -> str:
    import tensorflow as tf  # heavy: TensorFlow, only when this runs

    gpus = tf.config.list_physical_devices("GPU")
    where = f"{len(gpus)} GPU" if gpus else f"{os.cpu_count()}-core {platform.machine()} CPU"
    return f"{where}, tensorflow {tf.__version__}"


def costs_to_dict(costs: Costs) -> dict:
    return {"machine": costs.machine, "overhead_s": round(costs.overhead_s, 6),
            "models": {k: round(v, 6) for k, v in sorted(costs.models.items())}}


def save_costs(costs: Costs, path: str | os.PathLike) -> None:
    with atomic_write(Path(path)) as tmp:
        tmp.write_text(yaml.safe_dump(costs_to_dict(costs), sort_keys=False))


def _seconds(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < float("inf"):
        raise SteelDefectError(f"{where}: expected seconds >= 0, got {value!r}")
    return float(value)


def load_costs(path: str | os.PathLike) -> Costs:
    """Read a costs file; one-line errors name the file and the key."""
    path = Path(path)
    data = read_yaml(path, "costs file")
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise SteelDefectError(f"{path}: expected overhead_s and a models mapping of <kind>/<member>: seconds")
    models = {str(k): _seconds(v, f"{path}: models.{k}") for k, v in data["models"].items()}
    return Costs(_seconds(data.get("overhead_s", 0.0), f"{path}: overhead_s"), models, str(data.get("machine", "")))


def time_model(model, size: tuple[int, int], batch_size: int, calls: int = TIMED_CALLS) -> float:
    """Median seconds per image of ``model.predict_on_batch`` on a batch of random images at ``size``."""
    rng = np.random.default_rng(0)
    batch = rng.integers(0, 256, (batch_size, size[0], size[1], 3)).astype(np.float32)
    model.predict_on_batch(batch)  # traces the function
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        model.predict_on_batch(batch)
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) / batch_size


class _OOFForward:
    """A stand-in for the models: returns a run's OOF probabilities, so the overhead pass post-processes
    and encodes realistic masks."""

    n_class_outputs = None

    def __init__(self, probs: np.ndarray):
        self.probs, self.pos = probs, 0

    def segment(self, views):
        n = len(next(iter(views.values())))
        out = self.probs[self.pos:self.pos + n]
        self.pos += n
        return out


def time_overhead(run: Run, image_dir: Path, n_images: int = 16, thresholds=None) -> float:
    """Seconds per image of what prediction does besides the models: read and resize the images, then
    post-process and run-length encode (a segmenter run's own OOF probabilities stand in for the model)."""
    ids = oof_ids(run)[:n_images]
    paths = [image_dir / i for i in ids]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise SteelDefectError(f"cannot time the overhead: {missing[0]} is missing")
    reader = RowReader(run.oof_path, np.arange(len(ids)))  # the first rows only, never the whole OOF array
    probs = dequantise(reader.take(len(ids)))
    reader.close()
    t0 = time.perf_counter()
    views = load_views(paths, [run_input_size(run)])
    decide_views(ids, views, _OOFForward(probs), thresholds or default_thresholds(probs.shape[-1]), use_gate=False)
    return (time.perf_counter() - t0) / len(ids)


def measure_costs(runs: list[Run], image_dir: Path, batch_size: int = 8, thresholds=None, progress=None) -> Costs:
    """Time one fold model of every member in ``runs`` and the per-image overhead, on this machine."""
    models = {}
    for kind in ("classifier", "segmenter"):
        for member, group in group_by_backbone([r for r in runs if r.kind == kind]).items():
            run = group[0]
            models[member_key(kind, member)] = time_model(load_model(run.model_path), run_input_size(run), batch_size)
            if progress is not None:
                progress.update(1)
    segmenter = next(r for r in runs if r.kind == "segmenter")
    overhead = time_overhead(segmenter, image_dir, thresholds=thresholds)
    return Costs(overhead, models, machine_text())
