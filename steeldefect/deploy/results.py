"""The exported graph's outputs -> the same rows as ``predict`` (one shared post-processing, from
``prediction.predict.chunk_table``) and the JSON the server answers with.

JSON of one image::

    {"height": 256, "width": 1600,            # the input's size; RLE and areas are at this size
     "gate_probability": 0.93,                # the classifier's defect probability (null: no classifier)
     "review": false,                         # inside the review band: a person should look
     "classes": [{"class_id": 1,
                  "decision": "defect",       # defect (a mask survived), clean, or review
                  "probability": 0.88,        # the class's largest pixel probability (ensemble)
                  "area": 5120,               # mask pixels at the input's size
                  "rle": "1 3 ...",           # Kaggle's RLE (column-major, 1-based) at the input's size
                  "boxes": [{"x": 10, "y": 0, "width": 40, "height": 12, "area": 400}]}, ...]}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from steeldefect.constants import CLASS_IDS, RLE_COLUMNS
from steeldefect.data.rle import rle_decode
from steeldefect.postprocess.gating import image_probability
from steeldefect.postprocess.masks import component_table
from steeldefect.prediction.predict import PredictOptions, chunk_table

DEFECT, CLEAN, REVIEW = "defect", "clean", "review"  # per-class decisions


def outputs_table(image_ids: list[str], gate: np.ndarray | None, probs: np.ndarray, thresholds,
                  shapes: list, review_band=None) -> pd.DataFrame:
    """``predict``'s per-image rows (``chunk_table``) from the graph's outputs for these images."""
    options = PredictOptions(batch_size=max(len(image_ids), 1), review_band=review_band)
    return chunk_table(image_ids, gate, lambda idx: probs[idx], thresholds, options, shapes)


def boxes_of(rle: str, shape: tuple[int, int]) -> list[dict]:
    """Bounding boxes of a mask's connected components (8-connected), in pixels of ``shape``."""
    if not rle:
        return []
    import cv2

    mask = rle_decode(rle, shape)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    return [{"x": int(s[cv2.CC_STAT_LEFT]), "y": int(s[cv2.CC_STAT_TOP]), "width": int(s[cv2.CC_STAT_WIDTH]),
             "height": int(s[cv2.CC_STAT_HEIGHT]), "area": int(s[cv2.CC_STAT_AREA])} for s in stats[1:n]]


def image_json(row: pd.Series, gate_row: np.ndarray | None, probs: np.ndarray) -> dict:
    """The JSON of one image from its ``outputs_table`` row, its gate output and its probability maps."""
    shape = (int(row["height"]), int(row["width"]))
    review = bool(row["review"])
    classes = []
    for k, c in enumerate(CLASS_IDS):
        rle = str(row[RLE_COLUMNS[k]] or "")
        area = int(row[f"area_{c}"])
        classes.append({"class_id": c, "decision": REVIEW if review else DEFECT if area else CLEAN,
                        "probability": round(float(probs[:, :, k].max()), 6), "area": area, "rle": rle,
                        "boxes": boxes_of(rle, shape)})
    gate_p = None if gate_row is None else round(float(image_probability(np.atleast_2d(gate_row))[0]), 6)
    return {"height": shape[0], "width": shape[1], "gate_probability": gate_p, "review": review, "classes": classes}


def predict_json(model, images: list[np.ndarray]) -> list[dict]:
    """Run decoded uint8 RGB images (any sizes) through an ``ExportedModel``; one JSON dict each."""
    results: list[dict | None] = [None] * len(images)
    by_shape: dict[tuple, list[int]] = {}
    for i, image in enumerate(images):
        model.check_image(image.shape, f"image {i + 1}")
        by_shape.setdefault(image.shape, []).append(i)
    for shape, idx in by_shape.items():
        gate, probs = model.run(np.stack([images[i] for i in idx]))
        results_for_shape(model, idx, gate, probs, [shape[:2]] * len(idx), results)
    return results


def results_for_shape(model, idx: list[int], gate, probs, shapes, results: list) -> None:
    """Fill ``results[idx[j]]`` from the graph outputs of a batch (j indexes the batch)."""
    table = outputs_table([str(i) for i in idx], gate, probs, model.thresholds, shapes, model.review_band)
    for j, i in enumerate(idx):
        results[i] = image_json(table.iloc[j], None if gate is None else gate[j], probs[j])
