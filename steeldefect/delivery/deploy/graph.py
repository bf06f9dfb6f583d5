"""The tuned ensemble as one TensorFlow function: uint8 images in, gate and mask probabilities out.

``ensemble_function(ensemble)`` builds, from a loaded ``prediction.keras_ensemble.KerasEnsemble``, the
function that ``export`` saves as a SavedModel and converts to ONNX. It does inside the graph what
``predict`` does around the models: resize each image to every model's input size (``resize``), run
every classifier and segmenter on every TTA view (``ensemble.tta``), put segmenter views back in
place, bring segmenter maps to the common output size, and combine models and views with the
ensemble's reducer (``ensemble.reducers.graph_reducer``: the formula predict runs in numpy, here on
tensors). Each backbone normalises its input
itself, so the graph feeds the models RGB 0..255 as training did.

Signature: ``images`` uint8 (B, H, W, 3), any H and W -> {"probs": float32 (B, h, w, K) at the
ensemble's output size (K: the classes the segmenters predict), "gate": float32 (B, G) classifier
probabilities (G = 1 or K; only with classifiers)}.
"""

from __future__ import annotations

from typing import Callable

import tensorflow as tf

from steeldefect.delivery.deploy.resize import resize_uint8
from steeldefect.ensemble.reducers import graph_reducer
from steeldefect.ensemble.tta import tta_views

PROBS_OUTPUT = "probs"  # (B, h, w, C) segmenter probabilities at the ensemble's output size
GATE_OUTPUT = "gate"  # (B, 1) or (B, K) classifier probabilities
INPUT_NAME = "images"  # uint8 (B, H, W, 3)


def _flip(x, axes):
    return tf.reverse(x, axis=list(axes)) if axes else x


def _model_output(model, x):
    out = model(x, training=False)
    out = out[-1] if isinstance(out, (list, tuple)) else out  # a deep-supervision segmenter's mask is last
    return tf.cast(out, tf.float32)


def ensemble_function(ensemble, max_input: tuple[int, int]) -> Callable:
    """The ensemble's forward pass as a Python function of uint8 images (see the module docstring).

    ``ensemble`` is a ``KerasEnsemble`` (its classifiers, segmenters, TTA mode, reducer, output size);
    images may be up to ``max_input`` (h, w) (the resize gathers that many source pixels per output).
    """
    views = tta_views(ensemble.tta)
    reduce = graph_reducer(ensemble.reducer)
    out_h, out_w = (int(v) for v in ensemble.out_size)
    sizes = ensemble.input_sizes

    def forward(images):
        x = {size: resize_uint8(images, size, max_input) for size in sizes}
        outputs = {}
        if ensemble.classifiers:
            votes = [_model_output(m.model, _flip(x[m.input_size], v.axes))
                     for m in ensemble.classifiers for v in views]
            outputs[GATE_OUTPUT] = reduce(votes)
        maps = []
        for m in ensemble.segmenters:
            for v in views:
                probs = _flip(_model_output(m.model, _flip(x[m.input_size], v.axes)), v.axes)
                if tuple(m.input_size) != (out_h, out_w):
                    probs = tf.image.resize(probs, (out_h, out_w), method="bilinear")
                maps.append(probs)
        outputs[PROBS_OUTPUT] = reduce(maps)
        return outputs

    return forward


def input_signature() -> list[tf.TensorSpec]:
    """The one input of the exported function: a batch of uint8 RGB images of any size."""
    return [tf.TensorSpec((None, None, None, 3), tf.uint8, name=INPUT_NAME)]
