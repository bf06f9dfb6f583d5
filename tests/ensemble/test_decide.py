"""``decide``: the gate keeps images from the segmenters, masks come back at each image's size, and
``decide_views`` is ``decide`` after the classifiers."""

from __future__ import annotations

import numpy as np

from steeldefect.constants import NUM_CLASSES, RLE_COLUMNS
from steeldefect.data.rle import rle_decode
from steeldefect.ensemble.decide import class_max, decide, decide_views
from steeldefect.postprocess.rules import ClassThresholds, Thresholds

OUT = (8, 50)  # (h, w) of the fake segmenter's probabilities


def _thresholds():
    return Thresholds(classes=tuple(ClassThresholds(0.5, 0, 0.5) for _ in range(NUM_CLASSES)), gate_kind="image")


def _segment(seen):
    def segment(idx):
        seen.extend(int(i) for i in idx)
        probs = np.full((len(idx), *OUT, NUM_CLASSES), 0.1, np.float32)
        probs[:, 2:6, 10:30, 1] = 0.9  # a block in class 2
        return probs
    return segment


def test_gated_images_skip_the_segmenters_and_masks_come_at_each_images_size():
    seen = []
    cls = np.array([0.9, 0.1, 0.8])
    shapes = [(256, 1600), (256, 1600), (128, 800)]
    table = decide(["a", "b", "c"], cls, _segment(seen), _thresholds(), batch_size=2, shapes=shapes)
    assert seen == [0, 2]
    assert table["gated"].tolist() == [False, True, False]
    assert table["masks_gated"].tolist() == [0, NUM_CLASSES, 0]
    assert np.isnan(table.loc[1, "max_prob_1"]) and table.loc[0, "max_prob_2"] == np.float32(0.9)
    assert table[RLE_COLUMNS[0]].tolist() == ["", "", ""]
    for i, shape in ((0, (256, 1600)), (2, (128, 800))):
        mask = rle_decode(table.loc[i, RLE_COLUMNS[1]], shape)
        assert mask.sum() == table.loc[i, "area_2"] > 0
        assert (table.loc[i, "height"], table.loc[i, "width"]) == shape


class _Forward:
    input_sizes, out_size, n_class_outputs, fingerprint = ((4, 4),), OUT, 1, "fake"

    def __init__(self):
        self.classified, self.seen = 0, []

    def classify(self, views):
        self.classified += len(views[(4, 4)])
        return views[(4, 4)][:, 0, 0, 0] / 255.0

    def segment(self, views):
        return _segment(self.seen)(np.arange(len(views[(4, 4)])))


def test_decide_views_classifies_in_batches_then_decides():
    views = {(4, 4): np.stack([np.full((4, 4, 3), v, np.uint8) for v in (250, 10, 240)])}
    forward = _Forward()
    table = decide_views(["a", "b", "c"], views, forward, _thresholds(), batch_size=2)
    assert forward.classified == 3 and table["gated"].tolist() == [False, True, False]
    np.testing.assert_allclose(table["cls_prob"], [250 / 255, 10 / 255, 240 / 255])
    ungated = decide_views(["a", "b", "c"], views, _Forward(), _thresholds(), use_gate=False)
    assert "cls_prob" not in ungated and not ungated["gated"].any()


def test_class_max_equals_numpys_max_over_the_image_axes():
    rng = np.random.default_rng(0)
    for shape in [(3, 8, 50, 4), (8, 50, 1), (2, 5, 7, 3)]:
        probs = rng.random(shape, dtype=np.float32)
        np.testing.assert_array_equal(class_max(probs), probs.max(axis=(-3, -2)))
    probs = rng.random((2, 4, 5, 2), dtype=np.float32)
    probs[1, 0, 0, 1] = np.nan  # NaN propagates as in numpy
    np.testing.assert_array_equal(class_max(probs), probs.max(axis=(-3, -2)))
