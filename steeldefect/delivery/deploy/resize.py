"""The exported graph's pre-processing: every image resized to each graph input's size with OpenCV,
by the function ``predict`` uses (``pipeline.preprocess.resize_image``: INTER_AREA when shrinking,
INTER_LINEAR otherwise, unchanged at the size already), so the models see the same pixels as in
``predict`` (``prediction.predict.load_views``) bit for bit, shrinking and enlarging alike.

Shapes: uint8 (B, H, W, 3) -> {graph input name: uint8 (B, h, w, 3)}.
"""

from __future__ import annotations

import numpy as np

from steeldefect.artifacts.export_manifest import GraphInput
from steeldefect.pipeline.preprocess import resize_image


def resize_batch(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """uint8 (B, H, W, 3) -> uint8 (B, h, w, 3), each image as ``resize_image`` gives it."""
    h, w = int(size[0]), int(size[1])
    if images.shape[1:3] == (h, w):
        return images
    out = np.empty((len(images), h, w, images.shape[3]), np.uint8)
    for i, image in enumerate(images):
        out[i] = resize_image(image, (h, w))
    return out


def model_inputs(images: np.ndarray, inputs: tuple[GraphInput, ...]) -> dict[str, np.ndarray]:
    """uint8 (B, H, W, 3) images -> the graph's feeds {input name: uint8 (B, h, w, 3)}, in ``inputs`` order."""
    return {g.name: resize_batch(images, g.size) for g in inputs}
