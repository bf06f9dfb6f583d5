"""An exported model folder, loaded: its manifest (checked), thresholds, post-processing settings, the
classes of its dataset and a runtime; ``run`` checks the input contract, resizes images of one size to
the graph's input sizes with OpenCV (``resize.model_inputs``, as ``predict`` does) and runs the graph."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from steeldefect.artifacts.dataset_file import KAGGLE, DatasetSpec
from steeldefect.artifacts.export_manifest import (GATE_OUTPUT, MANIFEST_FILE, PROBS_OUTPUT, ExportManifest,
                                                  ExportSettings, GraphInput, exported_thresholds_path, read_manifest,
                                                  read_settings)
from steeldefect.artifacts.thresholds_file import load_thresholds
from steeldefect.delivery.deploy.resize import model_inputs
from steeldefect.delivery.deploy.runtime import Runtime, load_runtime
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.rules import Thresholds


class InputTooLarge(SteelDefectError):
    """An image beyond the export's input contract (its max height or width)."""


@dataclass
class ExportedModel:
    folder: Path
    manifest: ExportManifest
    thresholds: Thresholds
    settings: ExportSettings  # postprocess.yaml
    runtime: Runtime
    dataset: DatasetSpec = KAGGLE  # the classes (and image sizes) of the dataset the models were trained on

    @property
    def class_names(self) -> tuple[str, ...]:
        """The K classes the model predicts, in id order 1..K."""
        return self.dataset.class_names

    @cached_property
    def graph_inputs(self) -> tuple[GraphInput, ...] | None:
        """The graph's inputs (name, size) from the manifest; None: the runtime takes the images as they
        come (a stand-in runtime that resizes itself; ``load_exported`` refuses such exports)."""
        return self.manifest.graph_inputs(str(self.folder / MANIFEST_FILE))

    @property
    def max_input(self) -> tuple[int, int]:
        return self.settings.max_input

    @property
    def review_band(self) -> tuple[float, float] | None:
        return self.settings.review_band

    def check_image(self, shape, what: str = "image") -> None:
        """One-line errors for an image the graph does not take: not (H, W, 3), or over the max size."""
        if len(shape) != 3 or shape[2] != 3:
            raise SteelDefectError(f"{what}: expected an RGB image (H, W, 3), got shape {tuple(shape)}")
        (h, w), (mh, mw) = shape[:2], self.max_input
        if h > mh or w > mw:
            raise InputTooLarge(f"{what} is {h}x{w}; this model takes images up to {mh}x{mw}")

    def run(self, images: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """uint8 (B, H, W, 3) of one size -> (gate (B,) or (B, K) or None, probs float32 (B, h, w, K)),
        the images resized to each graph input's size as ``predict`` resizes them."""
        images = np.ascontiguousarray(images, np.uint8)
        self.check_image(images.shape[1:], "batch")
        inputs = self.graph_inputs
        out = self.runtime(images if inputs is None else model_inputs(images, inputs))
        gate = out.get(GATE_OUTPUT)
        if gate is not None:
            gate = np.asarray(gate, np.float32)
            gate = gate[:, 0] if gate.shape[1] == 1 else gate
        return gate, np.asarray(out[PROBS_OUTPUT], np.float32)


def load_exported(folder: str | os.PathLike, runtime: str = "onnx", verify: bool = True,
                  threads: int | None = None) -> ExportedModel:
    """Load an export folder (manifest checksums verified) with runtime 'onnx', 'openvino' or 'tf', each
    graph call using at most ``threads`` threads (None: the runtime's default). An export whose graph
    resizes inside (format version 1, before the resize moved to OpenCV) is refused: export it again."""
    folder = Path(folder)
    manifest = read_manifest(folder, verify)
    dataset = manifest.dataset_spec(str(folder))
    thresholds = load_thresholds(exported_thresholds_path(folder))
    if len(thresholds.classes) != dataset.n_classes:
        raise SteelDefectError(f"{folder}: its thresholds have {len(thresholds.classes)} classes but its manifest "
                               f"names {dataset.n_classes} ({', '.join(dataset.class_names)}); export again")
    if manifest.graph_inputs(str(folder / MANIFEST_FILE)) is None:
        raise SteelDefectError(f"{folder} is an older export whose graph resizes images inside (slower, and "
                               "this steeldefect feeds it resized images); export it again with `steeldefect export`")
    return ExportedModel(folder, manifest, thresholds, read_settings(folder), load_runtime(folder, runtime, threads),
                         dataset)
