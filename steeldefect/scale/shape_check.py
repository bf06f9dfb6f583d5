"""One model of a config checked at its real shapes: build, a training step in mixed_bfloat16 and in
float32, save -> load -> same outputs, one prediction, parameters, graph FLOPs and host memory.

``check_case`` runs in the process it is called in; the benchmark calls it in one child process
per model, so each row's peak host memory (``ru_maxrss``) is that model's alone.
"""

from __future__ import annotations

import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np

from steeldefect.config.schema import Config
from steeldefect.constants import NUM_CLASSES
from steeldefect.models.model_io import load_model
from steeldefect.artifacts.run_folder import MODEL_FILE
from steeldefect.scale.graph_stats import graph_stats
from steeldefect.scale.model_cases import ModelCase
from steeldefect.training.device import dtype_policy
from steeldefect.training.model_setup import build_model, compile_model
from steeldefect.training.optim import build_optimizer

SAVE_ATOL = 1e-5  # save -> load must reproduce the outputs to this absolute tolerance (float32)
STEP_BATCH = 1  # the CPU steps take batch 1; GPU batches are estimated from per-image tensors


def peak_rss_gib() -> float:
    """The process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def _targets(case: ModelCase, config: Config, size, rng, batch: int = STEP_BATCH) -> np.ndarray:
    if case.kind == "classifier":
        return rng.integers(0, 2, (batch, config.classifier.n_outputs)).astype(np.float32)
    return (rng.random((batch, size[0], size[1], NUM_CLASSES)) < 0.01).astype(np.float32)


def _images(size, rng, batch: int = STEP_BATCH) -> np.ndarray:
    return rng.integers(0, 256, (batch, size[0], size[1], 3)).astype(np.float32)


def _built(case: ModelCase, config: Config, policy: str):
    """The case's model as training builds it, compiled with its loss and optimizer, under ``policy``."""
    with dtype_policy(policy):
        model = build_model(case.kind, config, case.backbone)
        compile_model(model, case.kind, config, build_optimizer(config.model(case.kind).train))
    return model


def _step(model, case: ModelCase, config: Config, rng) -> tuple[float, float]:
    """One training step at the training size: (loss, seconds, tracing included)."""
    x, y = _images(case.train_size, rng), _targets(case, config, case.train_size, rng)
    t0 = time.perf_counter()
    logs = model.train_on_batch(x, y, return_dict=True)
    return float(logs["loss"]), time.perf_counter() - t0


def check_case(case: ModelCase, config: Config, steps: tuple[str, ...] = ("float32", "mixed_bfloat16")) -> dict:
    """Check ``case`` of ``config`` (weights "none": nothing downloaded); returns the row's figures."""
    config = replace(config, **{case.kind: replace(config.model(case.kind), weights="none")})
    rng = np.random.default_rng(0)
    row: dict = {"case": case.name, "kind": case.kind, "backbone": case.backbone, "head": case.head,
                 "train_size": list(case.train_size), "predict_size": list(case.predict_size),
                 "batch_size": case.batch_size}
    t0 = time.perf_counter()
    keras.utils.set_random_seed(0)
    model = _built(case, config, "float32")
    row["build_s"] = round(time.perf_counter() - t0, 2)
    row["params"] = int(model.count_params())
    stats = graph_stats(model, case.predict_size)
    row["gflops_per_image"] = round(stats.flops / 1e9, 3)
    row["tensor_melements_per_image"] = round(stats.tensor_elements / 1e6, 3)
    if case.train_size != case.predict_size:
        row["tensor_melements_per_train_image"] = round(graph_stats(model, case.train_size).tensor_elements / 1e6, 3)
    row["rss_after_build_gib"] = round(peak_rss_gib(), 3)
    for policy in steps:
        if policy != "float32":
            keras.utils.set_random_seed(0)
            model = _built(case, config, policy)
        loss, seconds = _step(model, case, config, rng)
        row[f"step_{policy}_loss"], row[f"step_{policy}_s"] = round(loss, 5), round(seconds, 2)
        row[f"step_{policy}_finite"] = bool(np.isfinite(loss))
        row[f"rss_after_{policy}_gib"] = round(peak_rss_gib(), 3)
        if policy == "float32":
            row.update(_save_load_predict(model, case, rng, load_model))
    row["peak_rss_gib"] = round(peak_rss_gib(), 3)
    return row


def _save_load_predict(model, case: ModelCase, rng, load_model) -> dict:
    """Save the trained model, load it, compare predictions at the predict size; time one prediction."""
    x = _images(case.predict_size, rng)
    t0 = time.perf_counter()
    before = np.asarray(model.predict_on_batch(x))
    predict_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="steeldefect-shape-") as tmp:
        path = Path(tmp) / MODEL_FILE
        model.save(path)
        after = np.asarray(load_model(path).predict_on_batch(x))
    diff = float(np.max(np.abs(before - after)))
    return {"predict_s": round(predict_s, 2), "predict_shape": list(before.shape),
            "save_load_max_diff": diff, "save_load_same": diff <= SAVE_ATOL}


def step_memory(case: ModelCase, config: Config, batch: int) -> dict:
    """Peak host memory of one float32 training step at ``batch`` (the activation-memory calibration:
    two batch sizes in two processes give the bytes one more image costs)."""
    config = replace(config, **{case.kind: replace(config.model(case.kind), weights="none")})
    rng = np.random.default_rng(0)
    model = _built(case, config, "float32")
    x, y = _images(case.train_size, rng, batch), _targets(case, config, case.train_size, rng, batch)
    model.train_on_batch(x, y)
    return {"case": case.name, "batch": batch, "peak_rss_gib": round(peak_rss_gib(), 3)}
