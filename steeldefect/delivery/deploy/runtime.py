"""Runtimes that run an exported graph: TensorFlow (the SavedModel) or ONNX Runtime (model.onnx), as a
registry. Each takes uint8 images (B, H, W, 3) of one size and returns {output name: numpy array}."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Protocol

import numpy as np
import tensorflow as tf

from steeldefect.delivery.deploy.graph import GATE_OUTPUT, PROBS_OUTPUT
from steeldefect.artifacts.export_manifest import ONNX_FILE, SAVEDMODEL_DIR, SERVE_ENDPOINT
from steeldefect.errors import SteelDefectError
from steeldefect.registry import Registry


class Runtime(Protocol):
    name: str

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """uint8 (B, H, W, 3) -> {"probs": (B, h, w, K), "gate": (B, 1 or K) when there are classifiers}."""


RUNTIMES: Registry[Callable[[Path], Runtime]] = Registry("runtime")


def _need(folder: Path, name: str, runtime: str) -> Path:
    path = folder / name
    if not path.exists():
        raise SteelDefectError(f"{folder} has no {name} for --runtime {runtime}; export it with "
                               f"--format {'onnx' if name == ONNX_FILE else 'savedmodel'}")
    return path


@RUNTIMES.register("tf")
class TFRuntime:
    """The SavedModel, loaded with TensorFlow."""

    name = "tf"

    def __init__(self, folder: Path):
        self._loaded = tf.saved_model.load(str(_need(folder, SAVEDMODEL_DIR, self.name)))  # owns the variables
        self._fn = getattr(self._loaded, SERVE_ENDPOINT)

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        out = self._fn(tf.constant(images, tf.uint8))
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
        if threads:
            options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(_need(folder, ONNX_FILE, self.name)), options,
                                             providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        self._outputs = [o.name for o in self._session.get_outputs()]
        unknown = set(self._outputs) - {GATE_OUTPUT, PROBS_OUTPUT}
        if unknown:
            raise SteelDefectError(f"{folder / ONNX_FILE}: unexpected outputs {sorted(unknown)}; export again")

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        return dict(zip(self._outputs, self._session.run(self._outputs, {self._input: np.asarray(images, np.uint8)})))


def load_runtime(folder: str | os.PathLike, name: str) -> Runtime:
    """The runtime ``name`` ('tf' or 'onnx') over the export folder; the error lists the valid names."""
    return RUNTIMES.get(name)(Path(folder))
