"""The exported graph's outputs -> the same rows as ``predict`` (one shared decision sequence,
``ensemble.decide.decide``) and the results the server answers with
(``predictor.result.ImageResult``; its ``to_dict()`` is the JSON).

JSON of one image (one ``classes`` entry per class of the dataset the models were trained on, ids 1..K;
Severstal's four are named "class 1" .. "class 4")::

    {"height": 256, "width": 1600,            # the input's size; RLE and areas are at this size
     "gate_probability": 0.93,                # the classifier's defect probability (null: no classifier)
     "review": false,                         # inside the review band: a person should look
     "classes": [{"class_id": 1,
                  "class_name": "class 1",    # the dataset's name of the class (the export manifest's)
                  "decision": "defect",       # defect (a mask survived), clean, or review
                  "probability": 0.88,        # the class's largest pixel probability (ensemble)
                  "area": 5120,               # mask pixels at the input's size
                  "rle": "1 3 ...",           # Kaggle's RLE (column-major, 1-based) at the input's size
                  "boxes": [{"x": 10, "y": 0, "width": 40, "height": 12, "area": 400}]}, ...]}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from steeldefect.ensemble.decide import class_max, decide
from steeldefect.delivery.predictor.result import ImageResult, gate_probability, image_result


def outputs_table(image_ids: list[str], gate: np.ndarray | None, probs: np.ndarray, thresholds,
                  shapes: list, review_band=None) -> pd.DataFrame:
    """``predict``'s per-image rows (``decide``) from the graph's outputs for these images."""
    return decide(image_ids, gate, lambda idx: probs[idx], thresholds, max(len(image_ids), 1), review_band, shapes)


def image_results(model, gate: np.ndarray | None, probs: np.ndarray, shapes: list) -> list[ImageResult]:
    """One ImageResult per image of a batch from the graph's outputs (``ExportedModel.run``)."""
    table = outputs_table([str(j) for j in range(len(probs))], gate, probs, model.thresholds, shapes,
                          model.review_band)
    peaks = class_max(probs)
    return [image_result(table.iloc[j], gate_probability(None if gate is None else gate[j]),
                         peaks[j], model.class_names) for j in range(len(probs))]


def predict_results(model, images: list[np.ndarray]) -> list[ImageResult]:
    """Run decoded uint8 RGB images (any sizes) through an ``ExportedModel``; one ImageResult each."""
    results: list[ImageResult | None] = [None] * len(images)
    by_shape: dict[tuple, list[int]] = {}
    for i, image in enumerate(images):
        model.check_image(image.shape, f"image {i + 1}")
        by_shape.setdefault(image.shape, []).append(i)
    for shape, idx in by_shape.items():
        gate, probs = model.run(np.stack([images[i] for i in idx]))
        for i, result in zip(idx, image_results(model, gate, probs, [shape[:2]] * len(idx))):
            results[i] = result
    return results


def predict_json(model, images: list[np.ndarray]) -> list[dict]:
    """``predict_results`` as the JSON the server answers with."""
    return [result.to_dict() for result in predict_results(model, images)]


def batch_json(model, images: np.ndarray, gate, probs: np.ndarray) -> list[dict]:
    """The JSON of each image of a batch of one size (uint8 (B, H, W, 3)) from its graph outputs
    (``ExportedModel.run``): the server's post-processing of a micro-batch, one call per batch."""
    return [result.to_dict() for result in image_results(model, gate, probs, [images.shape[1:3]] * len(images))]
