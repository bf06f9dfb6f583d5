"""The exported graph's pre-processing (OpenCV, outside the graph) gives the models exactly the pixels
`predict` gives them (``load_views``), shrinking and enlarging, one batch per graph input size."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from steeldefect.artifacts.export_manifest import graph_input
from steeldefect.delivery.deploy.resize import model_inputs, resize_batch
from steeldefect.pipeline.preprocess import resize_image
from steeldefect.prediction.predict import load_views

SIZES = [(64, 384), (32, 192), (128, 800), (256, 1600), (300, 2000)]  # shrink, shrink, 2x, as is, enlarge
SOURCES = [(256, 1600), (200, 1000), (96, 300)]


def _strips(shape, n=3):
    real = Path(__file__).resolve().parents[3].parent / "shared" / "real" / "strips"
    paths = sorted(real.glob("*.jpg"))[:n] if real.is_dir() else []
    if paths:
        from steeldefect.data.images import read_image

        return np.stack([resize_image(read_image(p), shape) for p in paths])
    return np.random.default_rng(0).integers(0, 256, (n, *shape, 3), dtype=np.uint8)


@pytest.mark.parametrize("src", SOURCES)
def test_feeds_equal_predicts_views_bit_for_bit(src, tmp_path):
    images = _strips(src)
    paths = []
    for i, image in enumerate(images):
        paths.append(tmp_path / f"{i}.png")
        cv2.imwrite(str(paths[-1]), image[:, :, ::-1])  # lossless, RGB stored as OpenCV's BGR
    views = load_views(paths, SIZES)
    feeds = model_inputs(images, tuple(graph_input(s) for s in SIZES))
    assert list(feeds) == [f"images_{h}x{w}" for h, w in SIZES]  # in the graph's input order
    for size in SIZES:
        got = feeds[graph_input(size).name]
        assert got.dtype == np.uint8 and got.shape == (len(images), *size, 3)
        assert np.array_equal(got, views[size])


def test_a_batch_already_at_the_size_is_passed_through():
    images = _strips((64, 384))
    assert resize_batch(images, (64, 384)) is images
