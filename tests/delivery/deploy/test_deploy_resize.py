"""The in-graph resize reproduces `resize_image` (OpenCV) pixel for pixel when shrinking, eagerly,
inside a tf.function (Grappler) and in ONNX Runtime (tf2onnx's optimisers)."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from steeldefect.delivery.deploy.resize import resize_uint8  # noqa: E402
from steeldefect.pipeline.preprocess import resize_image  # noqa: E402

MAX_IN = (512, 3200)
SHRINKS = [((256, 1600), (64, 384)), ((256, 1600), (32, 192)), ((256, 1600), (128, 800)),
           ((128, 800), (64, 384)), ((200, 1000), (64, 384)), ((256, 1600), (64, 400)), ((96, 300), (96, 192)),
           ((64, 384), (64, 384))]


def _strips(real_dir_or_none, n=3):
    if real_dir_or_none is not None:
        from steeldefect.data.images import read_image

        paths = sorted((real_dir_or_none / "strips").glob("*.jpg"))[:n]
        if paths:
            return np.stack([read_image(p) for p in paths])
    rng = np.random.default_rng(0)  # smooth-ish noise: many exact .5 averages
    return rng.integers(0, 256, (n, 256, 1600, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def strips(request):
    from pathlib import Path

    real = Path(__file__).resolve().parents[3].parent / "shared" / "real"
    return _strips(real if real.is_dir() else None)


@pytest.mark.parametrize("src, size", SHRINKS)
def test_shrink_is_exact_in_a_tf_function(strips, src, size):
    images = np.stack([resize_image(s, src) for s in strips])
    want = np.stack([resize_image(s, size) for s in images])
    fn = tf.function(lambda x: resize_uint8(x, size, MAX_IN))
    assert np.array_equal(fn(tf.constant(images)).numpy(), want)
    assert np.array_equal(resize_uint8(images, size, MAX_IN).numpy(), want)


def test_shrink_is_exact_in_onnx(strips, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    tf2onnx = pytest.importorskip("tf2onnx")
    from steeldefect.delivery.deploy.graph import input_signature

    fn = tf.function(lambda x: resize_uint8(x, (64, 384), MAX_IN), input_signature=input_signature())
    tf2onnx.convert.from_function(fn, input_signature=input_signature(), opset=17, output_path=str(tmp_path / "r.onnx"))
    session = ort.InferenceSession(str(tmp_path / "r.onnx"), providers=["CPUExecutionProvider"])
    for src in [(256, 1600), (128, 800)]:
        images = np.stack([resize_image(s, src) for s in strips])
        want = np.stack([resize_image(s, (64, 384)) for s in images])
        assert np.array_equal(session.run(None, {session.get_inputs()[0].name: images})[0], want)


def test_enlarging_is_within_one_grey_level(strips):
    images = np.stack([resize_image(s, (32, 200)) for s in strips])
    want = np.stack([resize_image(s, (64, 384)) for s in images]).astype(np.int16)
    got = resize_uint8(images, (64, 384), MAX_IN).numpy().astype(np.int16)
    assert np.abs(got - want).max() <= 1
