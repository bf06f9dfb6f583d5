"""The own-dataset generator (testkit.own_dataset) writes consistent exports of learnable images."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from steeldefect.importing.class_list import read_class_list
from steeldefect.importing.labelmap import read_labelmap
from steeldefect.importing.masks_source import read_index_mask
from testkit.own_dataset import CLASS_GREYS, flatten, make_own_dataset


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    return make_own_dataset(tmp_path_factory.mktemp("own"), n_images=12, n_test=3, seed=1)


def test_every_export_and_truth_is_there(own):
    assert sorted(p.name for p in own.images.iterdir()) == sorted(own.truth) and len(own.truth) == 12
    assert sorted(p.name for p in own.test_images.iterdir()) == sorted(own.test_truth) and len(own.test_truth) == 3
    assert {m.shape for m in own.truth.values()} == {(192, 768, 3), (160, 640, 3)}
    assert read_class_list(own.masks_index / "classes.txt") == own.class_names
    assert read_labelmap(own.labelmap).class_names == own.class_names
    for name, truth in own.truth.items():
        assert read_index_mask(own.masks_index / name.replace(".jpg", ".png")).tolist() == flatten(truth).tolist()


def test_coco_holds_polygons_both_rles_a_hole_and_overlaps(own):
    doc = json.loads(own.coco.read_text())
    kinds = {("polygon" if isinstance(a["segmentation"], list) else type(a["segmentation"]["counts"]).__name__)
             for a in doc["annotations"]}
    assert kinds == {"polygon", "str", "list"}
    assert any((m.sum(-1) > 1).any() for m in own.coco_truth.values())  # overlapping classes
    assert not any((m.sum(-1) > 1).any() for m in own.truth.values())  # masks cannot overlap
    ring = own.truth["img_001.jpg"][..., 2]
    ys, xs = np.nonzero(ring)
    assert not ring[(ys.min() + ys.max()) // 2, (xs.min() + xs.max()) // 2]  # the hole


def test_each_class_has_its_own_brightness(own):
    for name, truth in own.truth.items():
        grey = np.array(Image.open(own.images / name).convert("L"), float)
        for k in range(truth.shape[-1]):
            inner = truth[..., k]
            if inner.sum() > 200:
                assert abs(np.median(grey[inner]) - CLASS_GREYS[k]) < 20


def test_the_same_seed_gives_the_same_dataset(own, tmp_path):
    again = make_own_dataset(tmp_path, n_images=12, n_test=3, seed=1)
    assert all((again.truth[n] == own.truth[n]).all() for n in own.truth)
    assert (again.images / "img_003.jpg").read_bytes() == (own.images / "img_003.jpg").read_bytes()
