"""Runtimes that run an exported graph, as a registry: TensorFlow (the SavedModel), ONNX Runtime and
OpenVINO (both on model.onnx). Each takes the graph's feeds {input name: uint8 (B, h, w, 3)} (one
batch per model input size, in the manifest's order) and returns {output name: numpy array}.

``threads`` caps the threads one graph call uses (None: the runtime's default, every core):
ONNX Runtime's ``intra_op_num_threads``, OpenVINO's ``INFERENCE_NUM_THREADS``, TensorFlow's
intra-op pool (process-wide, and only before TensorFlow has run anything: otherwise it is ignored
with a warning). TensorFlow is imported by the 'tf' runtime only, so ONNX Runtime and OpenVINO serve
without it.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from steeldefect.artifacts.export_manifest import GATE_OUTPUT, ONNX_FILE, PROBS_OUTPUT, SAVEDMODEL_DIR, SERVE_ENDPOINT
from steeldefect.errors import SteelDefectError
from steeldefect.registry import Registry

log = logging.getLogger(__name__)


class Runtime(Protocol):
    name: str

    def __call__(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """{input name: uint8 (B, h, w, 3)} -> {"probs": (B, h, w, K), "gate": (B, 1 or K) with classifiers}."""


RUNTIMES: Registry[Callable[..., Runtime]] = Registry("runtime")


def _need(folder: Path, name: str, runtime: str) -> Path:
    path = folder / name
    if not path.exists():
        raise SteelDefectError(f"{folder} has no {name} for --runtime {runtime}; export it with "
                               f"--format {'onnx' if name == ONNX_FILE else 'savedmodel'}")
    return path


def _check_outputs(path: Path, names) -> None:
    unknown = set(names) - {GATE_OUTPUT, PROBS_OUTPUT}
    if unknown:
        raise SteelDefectError(f"{path}: unexpected outputs {sorted(unknown)}; export again")


def _check_threads(threads: int | None) -> int | None:
    if threads is not None and int(threads) < 1:
        raise SteelDefectError(f"--threads {threads}: need 1 or more (or leave it out for every core)")
    return None if threads is None else int(threads)


@RUNTIMES.register("tf")
class TFRuntime:
    """The SavedModel, loaded with TensorFlow."""

    name = "tf"

    def __init__(self, folder: Path, threads: int | None = None):
        import tensorflow as tf  # heavy: TensorFlow (only this runtime needs it)

        if _check_threads(threads):
            try:
                tf.config.threading.set_intra_op_parallelism_threads(threads)
            except RuntimeError:  # TensorFlow has run already in this process: its pools are fixed
                log.warning(f"--threads {threads} ignored: TensorFlow is already running in this process")
        self._tf = tf
        self._loaded = tf.saved_model.load(str(_need(folder, SAVEDMODEL_DIR, self.name)))  # owns the variables
        self._fn = getattr(self._loaded, SERVE_ENDPOINT)

    def __call__(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        # the endpoint takes its inputs by position, in the manifest's order (the order of ``feeds``)
        out = self._fn(*(self._tf.constant(v, self._tf.uint8) for v in feeds.values()))
        return {k: v.numpy() for k, v in out.items()}


@RUNTIMES.register("onnx")
class OnnxRuntime:
    """model.onnx, run with ONNX Runtime on the CPU."""

    name = "onnx"

    def __init__(self, folder: Path, threads: int | None = None):
        try:
            import onnxruntime as ort  # heavy: ONNX Runtime (optional)
        except ImportError:
            raise SteelDefectError("--runtime onnx needs onnxruntime "
                                   "(pip install -r requirements/deploy.txt)") from None
        options = ort.SessionOptions()
        # idle threads sleep instead of spinning: spinning fought the Python pre-processing and other
        # processes for the cores (49 -> 77 images/s at batch 8 in one probe on a shared 2-core machine)
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        # no per-shape memory plans: the server's batches come in every size from 1 to --max-batch, and a
        # plan for each grew RSS by 280 MiB within 10 s of mixed sizes (465 -> 740 MiB, flat after); without
        # them it stays near 530-580 MiB at the same speed (benchmarks/load_test.py, docs/BENCHMARKS.md)
        options.enable_mem_pattern = False
        if _check_threads(threads):
            options.intra_op_num_threads = threads
        path = _need(folder, ONNX_FILE, self.name)
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._outputs = [o.name for o in self._session.get_outputs()]
        _check_outputs(path, self._outputs)

    def __call__(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return dict(zip(self._outputs, self._session.run(self._outputs, feeds)))


@RUNTIMES.register("openvino")
class OpenVinoRuntime:
    """model.onnx, read and compiled by OpenVINO for the CPU (its default latency mode: one stream over
    every core; its throughput mode, two streams, was no faster at batch 8 and slower for one image),
    in float32: OpenVINO would otherwise pick bfloat16 on CPUs that have it, and the answers would
    drift from `predict`'s. One call at a time (a lock): the request is reused."""

    name = "openvino"

    def __init__(self, folder: Path, threads: int | None = None):
        try:
            import openvino as ov  # heavy: OpenVINO (optional, not in requirements)
        except ImportError:
            raise SteelDefectError("--runtime openvino needs openvino (pip install openvino)") from None
        config = {"INFERENCE_PRECISION_HINT": "f32"}
        if _check_threads(threads):
            config["INFERENCE_NUM_THREADS"] = threads
        path = _need(folder, ONNX_FILE, self.name)
        core = ov.Core()
        self._compiled = core.compile_model(core.read_model(str(path)), "CPU", config)
        self._request = self._compiled.create_infer_request()
        self._outputs = [(o, o.get_any_name()) for o in self._compiled.outputs]
        _check_outputs(path, [name for _, name in self._outputs])
        self._lock = threading.Lock()

    def __call__(self, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        with self._lock:
            result = self._request.infer(feeds)
            return {name: np.array(result[port]) for port, name in self._outputs}  # copies: buffers are reused


def load_runtime(folder: str | os.PathLike, name: str, threads: int | None = None) -> Runtime:
    """The runtime ``name`` ('tf', 'onnx' or 'openvino') over the export folder, with at most ``threads``
    threads per call (None: the runtime's default); an unknown name is an error listing the valid ones."""
    return RUNTIMES.get(name)(Path(folder), threads)
