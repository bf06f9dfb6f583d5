"""``Predictor``: the tuned ensemble as a Python object, from an export folder or from runs + thresholds.

::

    from steeldefect import Predictor

    predictor = Predictor.from_export("runs/demo/export")   # what `serve` loads (ONNX Runtime, OpenVINO or TF)
    predictor = Predictor.from_runs("runs/demo", "runs/demo/thresholds.yaml")   # the Keras models
    result = predictor.predict("strip.jpg")           # a path, or a uint8 (H, W, 3) RGB / (H, W) grey array
    result.classes[0].class_name, result.classes[0].decision, result.classes[0].rle, result.masks().shape

Both paths post-process with ``predict``'s code (``ensemble.decide``): the same thresholds, gates,
minimum areas, RLE at the image's own size; images of any size are resized to the models' input. The
classes (K and their names) are those of the dataset the models were trained on: the export manifest's,
or the runs' (``stages._common.models_dataset``); Severstal's four when neither records any.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from steeldefect.artifacts.ensemble_file import load_spec
from steeldefect.artifacts.export_manifest import dataset_of_models
from steeldefect.artifacts.prediction_table import MAX_PROB, classifier_probs, table_class_columns
from steeldefect.artifacts.thresholds_file import load_thresholds
from steeldefect.data.images import read_image
# deploy.results imports steeldefect.delivery.predictor.result, whose package imports this module: the module, not its
# function, so that either may be imported first
from steeldefect.delivery.deploy import results as deploy_results
from steeldefect.ensemble.decide import decide_views
from steeldefect.errors import SteelDefectError
from steeldefect.pipeline.preprocess import resize_image
from steeldefect.postprocess.gating import check_gate
from steeldefect.postprocess.rules import check_resolution
from steeldefect.prediction.keras_ensemble import load_ensemble
from steeldefect.prediction.predict import PredictOptions
from steeldefect.artifacts.dataset_file import models_dataset
from steeldefect.delivery.predictor.result import ImageResult, gate_probability, image_result


def as_rgb(image) -> np.ndarray:
    """uint8 (H, W, 3) RGB from a path (decoded by content), or from an (H, W) grey or (H, W, 3) array."""
    if isinstance(image, (str, os.PathLike)):
        return read_image(image)
    array = np.asarray(image)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    if array.ndim != 3 or array.shape[2] != 3:
        raise SteelDefectError(f"expected an RGB image (H, W, 3) or a grey one (H, W), got shape {array.shape}")
    if array.dtype != np.uint8:
        raise SteelDefectError(f"expected uint8 pixels 0..255, got {array.dtype}")
    return array


class _ExportBackend:
    """An export folder run by its runtime (``deploy.model.ExportedModel``), as ``serve`` runs it."""

    def __init__(self, model):
        self.model = model
        self.class_names = model.class_names

    def run(self, images: list[np.ndarray]) -> list[ImageResult]:
        return deploy_results.predict_results(self.model, images)


class _KerasBackend:
    """Runs loaded with Keras (``prediction.keras_ensemble``), decided by ``ensemble.decide``."""

    def __init__(self, forward, thresholds, options, class_names: tuple[str, ...]):
        self.forward, self.thresholds, self.options = forward, thresholds, options
        self.class_names = class_names

    def run(self, images: list[np.ndarray]) -> list[ImageResult]:
        views = {size: np.stack([resize_image(image, size) for image in images]) for size in self.forward.input_sizes}
        shapes = [image.shape[:2] for image in images]
        options = self.options
        table = decide_views([str(i) for i in range(len(images))], views, self.forward, self.thresholds,
                             options.batch_size, options.use_gate, options.review_band, shapes)
        gates = classifier_probs(table)
        if gates is not None and gates.ndim == 1:
            gates = gates[:, None]  # one output: (N, 1)
        max_probs = table[list(table_class_columns(table, MAX_PROB))].to_numpy(np.float64)
        return [image_result(table.iloc[j], gate_probability(None if gates is None else gates[j].astype(np.float32)),
                             max_probs[j], self.class_names) for j in range(len(images))]


class Predictor:
    """The tuned ensemble: ``predict(image) -> ImageResult``, ``predict_batch(images) -> [ImageResult]``."""

    def __init__(self, backend, description: str):
        self._backend = backend
        self.description = description

    @property
    def class_names(self) -> tuple[str, ...]:
        """The names of the K classes each result has, in id order 1..K (the training dataset's)."""
        return self._backend.class_names

    @classmethod
    def from_export(cls, folder: str | os.PathLike, runtime: str = "onnx", threads: int | None = None) -> "Predictor":
        """An export folder of ``steeldefect export`` (checksums verified), run by 'onnx', 'openvino' or 'tf'
        with at most ``threads`` threads per graph call (None: the runtime's default)."""
        from steeldefect.delivery.deploy.model import load_exported  # heavy: ONNX Runtime, OpenVINO or TensorFlow

        model = load_exported(folder, runtime, threads=threads)
        return cls(_ExportBackend(model), f"export {Path(folder)} ({runtime})")

    @classmethod
    def from_runs(cls, runs: str | os.PathLike, thresholds: str | os.PathLike, tta: str = "none",
                  reducer: str = "mean", ensemble: str | os.PathLike | None = None,
                  review_band: tuple[float, float] | None = None, batch_size: int = 8) -> "Predictor":
        """Every finished run under ``runs`` (or the members of an ``ensemble.yaml``) with ``thresholds.yaml``."""
        tuned = load_thresholds(thresholds)
        spec = load_spec(ensemble) if ensemble else None
        forward = load_ensemble(runs, tta=tta, reducer=reducer, batch_size=batch_size, spec=spec)
        check_resolution(tuned, forward.out_size, str(thresholds))
        check_gate(forward.n_class_outputs, tuned)
        n_classes = sorted({int(m.n_outputs) for m in forward.segmenters})
        if n_classes != [len(tuned.classes)]:
            raise SteelDefectError(f"the segmenters predict {', '.join(map(str, n_classes))} classes and {thresholds} "
                                   f"has {len(tuned.classes)}; tune thresholds on these runs")
        dataset = dataset_of_models(models_dataset([m.run.path for m in forward.segmenters + forward.classifiers]),
                                    len(tuned.classes))
        options = PredictOptions(batch_size=batch_size, review_band=tuple(review_band) if review_band else None)
        options.validate()
        return cls(_KerasBackend(forward, tuned, options, dataset.class_names),
                   f"runs {Path(runs)} with {Path(thresholds)}")

    def predict(self, image) -> ImageResult:
        """One image: a path, or a uint8 (H, W, 3) RGB or (H, W) grey array of any size."""
        return self.predict_batch([image])[0]

    def predict_batch(self, images) -> list[ImageResult]:
        """Several images (any sizes; those of one size go through the models together)."""
        images = [as_rgb(image) for image in images]
        if not images:
            return []
        return self._backend.run(images)

    def __repr__(self) -> str:
        return f"Predictor({self.description})"
