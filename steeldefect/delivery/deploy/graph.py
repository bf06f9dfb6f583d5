"""The tuned ensemble as one TensorFlow function: uint8 images at the models' input sizes in, gate and
mask probabilities out.

``ensemble_function(ensemble)`` builds, from a loaded ``prediction.keras_ensemble.KerasEnsemble``, the
function that ``export`` saves as a SavedModel and converts to ONNX. It does inside the graph what
``predict`` does around the models once the images are resized: run every classifier and segmenter
on every TTA view (``ensemble.tta``), put segmenter views back in place, bring segmenter maps to the
common output size, and combine models and views with the ensemble's reducer
(``ensemble.reducers.graph_reducer``: the formula predict runs in numpy, here on tensors). Each
backbone normalises its input itself, so the graph feeds the models RGB 0..255 as training did.

Resizing stays outside the graph: the caller resizes every image to each input size with OpenCV as
``predict`` does (``deploy.resize.model_inputs``), so the models see the same pixels, and the graph has
fixed spatial shapes that ONNX Runtime and OpenVINO optimise for. (Format version 1 reproduced
OpenCV's INTER_AREA inside the graph, tap by tap; that cost 488 ms per batch of 8 at 512x3200.)

While the export traces the graph, the models' nearest-neighbour ``UpSampling2D`` layers resize with
``tf.image.resize`` (``nearest_upsampling``): the same pixels for whole factors, one ONNX ``Resize``
instead of the two ``ops.repeat`` Keras uses (Unsqueeze, Tile, Reshape and Transposes on the largest
decoder tensors, twice per layer).

Signature: one uint8 (B, h, w, 3) tensor per model input size, in ``ensemble.input_sizes`` order,
named ``images_{h}x{w}`` (``artifacts.export_manifest.graph_input``) -> {"probs": float32
(B, h, w, K) at the ensemble's output size (K: the classes the segmenters predict), "gate": float32
(B, G) classifier probabilities (G = 1 or K; only with classifiers)}.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

import keras
import tensorflow as tf

from steeldefect.artifacts.export_manifest import GATE_OUTPUT, PROBS_OUTPUT, graph_input
from steeldefect.ensemble.reducers import graph_reducer
from steeldefect.ensemble.tta import tta_views
from steeldefect.models.model_io import all_layers


def _flip(x, axes):
    return tf.reverse(x, axis=list(axes)) if axes else x


def _model_output(model, x):
    out = model(x, training=False)
    out = out[-1] if isinstance(out, (list, tuple)) else out  # a deep-supervision segmenter's mask is last
    return tf.cast(out, tf.float32)


def _nearest(x, height_factor, width_factor, data_format, interpolation="nearest"):
    """UpSampling2D's ``_resize_images`` for channels-last nearest: output pixel i reads source
    floor(i / k), as ``ops.repeat`` does (ONNX: Resize, nearest, asymmetric, floor)."""
    h, w = x.shape[1], x.shape[2]
    size = [h * height_factor, w * width_factor] if h and w else tf.shape(x)[1:3] * [height_factor, width_factor]
    return tf.raw_ops.ResizeNearestNeighbor(images=x, size=size, align_corners=False, half_pixel_centers=False)


@contextmanager
def nearest_upsampling(models):
    """Within the block, the nearest channels-last ``UpSampling2D`` layers of ``models`` resize with
    ``_nearest`` (an attribute of each instance, removed on exit; Keras versions without
    ``_resize_images`` are left as they are)."""
    swapped = []
    for model in models:
        for layer in all_layers(model):
            if (isinstance(layer, keras.layers.UpSampling2D) and layer.interpolation == "nearest"
                    and layer.data_format == "channels_last" and hasattr(layer, "_resize_images")):
                object.__setattr__(layer, "_resize_images", _nearest)  # past Keras' attribute tracking
                swapped.append(layer)
    try:
        yield
    finally:
        for layer in swapped:
            object.__delattr__(layer, "_resize_images")


def ensemble_function(ensemble) -> Callable:
    """The ensemble's forward pass as a Python function of one uint8 batch per input size (see the
    module docstring); ``ensemble`` is a ``KerasEnsemble`` (its classifiers, segmenters, TTA mode,
    reducer, output size, input sizes)."""
    views = tta_views(ensemble.tta)
    reduce = graph_reducer(ensemble.reducer)
    out_h, out_w = (int(v) for v in ensemble.out_size)
    sizes = [tuple(s) for s in ensemble.input_sizes]

    def forward(*images):
        x = {size: tf.cast(batch, tf.float32) for size, batch in zip(sizes, images)}
        outputs = {}
        if ensemble.classifiers:
            votes = [_model_output(m.model, _flip(x[tuple(m.input_size)], v.axes))
                     for m in ensemble.classifiers for v in views]
            outputs[GATE_OUTPUT] = reduce(votes)
        maps = []
        for m in ensemble.segmenters:
            for v in views:
                probs = _flip(_model_output(m.model, _flip(x[tuple(m.input_size)], v.axes)), v.axes)
                if tuple(m.input_size) != (out_h, out_w):
                    probs = tf.image.resize(probs, (out_h, out_w), method="bilinear")
                maps.append(probs)
        outputs[PROBS_OUTPUT] = reduce(maps)
        return outputs

    return forward


def input_signature(sizes) -> list[tf.TensorSpec]:
    """The exported function's inputs: one batch of uint8 RGB images per model input size (h, w)."""
    return [tf.TensorSpec((None, *g.size, 3), tf.uint8, name=g.name) for g in map(graph_input, sizes)]
