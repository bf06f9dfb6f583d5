"""The export's graph: the nearest UpSampling2D layers trace as one resize (an ONNX Resize, no Tile)
with the same outputs as Keras' ``ops.repeat``, and the swap ends with the block."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
keras = pytest.importorskip("keras")

from steeldefect.delivery.deploy.graph import nearest_upsampling  # noqa: E402


def _model():
    inputs = keras.Input((6, 10, 3))
    inner = keras.Sequential([keras.layers.UpSampling2D(3, interpolation="nearest")], name="inner")
    x = keras.layers.UpSampling2D(2, interpolation="nearest")(inputs)
    return keras.Model(inputs, [inner(x), keras.layers.UpSampling2D(2, interpolation="bilinear")(inputs)])


def test_nearest_upsampling_gives_the_same_pixels_as_one_resize():
    model = _model()
    x = np.random.default_rng(0).random((2, 6, 10, 3)).astype(np.float32)
    want = [np.asarray(o) for o in model(x)]
    spec = [tf.TensorSpec((None, 6, 10, 3), tf.float32)]
    with nearest_upsampling([model]):
        fn = tf.function(lambda t: model(t), input_signature=spec)
        ops = {op.type for op in fn.get_concrete_function().graph.get_operations()}
        got = [o.numpy() for o in fn(tf.constant(x))]
    assert "ResizeNearestNeighbor" in ops and "Tile" not in ops  # the nested model's layer too
    assert got[0].shape == (2, 36, 60, 3)
    for a, b in zip(got, want):
        assert np.array_equal(a, b)
    layers = model.layers + model.get_layer("inner").layers
    assert not any("_resize_images" in vars(layer) for layer in layers)  # back to Keras' own


def test_the_exported_onnx_has_no_tile(exported):
    onnx = pytest.importorskip("onnx")
    ops = {node.op_type for node in onnx.load(str(exported / "model.onnx")).graph.node}
    assert "Resize" in ops and "Tile" not in ops
