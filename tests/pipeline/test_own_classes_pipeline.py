"""The pipeline on an imported dataset: K = 3 classes, images of two sizes; masks decoded at each
image's own size, oversampling by class id, segmenter targets of K channels."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pandas as pd
import pytest

from pipeline_fixtures import BRIGHT, DARK, TINY_INPUT, tiny_config
from steeldefect.artifacts.dataset_file import DatasetSpec, ImageSize, write_dataset
from steeldefect.data.labels import label_presence, write_labels
from steeldefect.data.rle import rle_decode, rle_encode
from steeldefect.errors import RLEError
from steeldefect.pipeline.image_sources import FOLDER, TFRECORDS, open_source
from steeldefect.pipeline.oversampling import repeat_factors
from steeldefect.pipeline.preprocess import masks_from_rles, resize_mask
from steeldefect.pipeline.tf_dataset import Spec, eval_dataset, eval_order, train_dataset
from steeldefect.pipeline.tfrecords import write_tfrecords

K = 3
SIZES = ((64, 256), (48, 192))  # both shrink to TINY_INPUT (32x128): by 2 and by 1.5
CLASS_OF = {0: 0, 1: 1, 2: 2, 3: 3, 4: 3, 5: 0}  # image index -> class id painted (0: clean)


def _rect(shape) -> tuple[slice, slice]:
    h, w = shape
    return slice(h // 4, h // 2), slice(w // 4, w // 2)  # the same place relative to each size


def _write(root):
    (root / "train_images").mkdir(parents=True)
    rows = []
    for i, cls in CLASS_OF.items():
        shape = SIZES[i % 2]
        image = np.full((*shape, 3), DARK, np.uint8)
        rles = [""] * K
        if cls:
            mask = np.zeros(shape, np.uint8)
            mask[_rect(shape)] = 1
            image[mask > 0] = BRIGHT
            rles[cls - 1] = rle_encode(mask)
        image_id = f"img{i}.png"
        assert cv2.imwrite(str(root / "train_images" / image_id), image)
        rows.append([image_id, *rles])
    write_dataset(DatasetSpec(("scratch", "pit", "stain"), (ImageSize(*SIZES[0], 3), ImageSize(*SIZES[1], 3))), root)
    write_labels(pd.DataFrame(rows, columns=["ImageId", "rle_1", "rle_2", "rle_3"]), root / "train.csv", layout="later")
    return root


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("own"))


def _arrays(ds):
    xs, ys = zip(*[(x.numpy(), y.numpy()) for x, y in ds])
    return np.concatenate(xs), np.concatenate(ys)


def test_masks_from_three_rles():
    shape = (10, 20)
    a, c = np.zeros(shape, np.uint8), np.zeros(shape, np.uint8)
    a[1:3, 2:5] = 1
    c[5:10, 0:20] = 1
    masks = masks_from_rles([rle_encode(a), "", rle_encode(c).encode()], shape)  # str, empty, bytes
    assert masks.shape == (*shape, 3) and masks.dtype == np.uint8
    np.testing.assert_array_equal(masks[:, :, 0], a)
    assert not masks[:, :, 1].any()
    np.testing.assert_array_equal(masks[:, :, 2], c)
    assert masks_from_rles([], shape).shape == (*shape, 0)


def test_masks_from_rles_name_the_class_past_the_image():
    with pytest.raises(RLEError, match="image x class 3"):
        masks_from_rles(["", "", "195 10"], (10, 20), context="image x")


def test_repeat_factors_by_class_id_of_k3():
    presence = np.array([[0, 0, 0], [1, 0, 0], [0, 0, 1], [0, 1, 1], [1, 0, 1]], bool)
    np.testing.assert_array_equal(repeat_factors(presence, {3: 2}), [1, 1, 2, 2, 2])
    np.testing.assert_array_equal(repeat_factors(presence, {1: 4, 3: 2}), [1, 4, 2, 2, 4])
    np.testing.assert_array_equal(repeat_factors(presence[:, :1], {1: 3}), [1, 3, 1, 1, 3])  # K = 1


def test_the_source_carries_the_datasets_spec(own):
    source = open_source(own)
    assert source.kind == FOLDER and source.spec.n_classes == K
    assert list(source.table.columns) == ["ImageId", "rle_1", "rle_2", "rle_3"]
    spec = Spec.of(tiny_config(), "segmenter", source.spec.n_classes)
    assert spec.n_outputs == K and spec.n_classes == K


def test_eval_targets_have_k_channels_at_each_images_size(own):
    source = open_source(own)
    ids = source.table["ImageId"].tolist()
    x, y = _arrays(eval_dataset(source, ids, tiny_config(), "segmenter"))
    assert x.shape == (len(ids), *TINY_INPUT, 3) and y.shape == (len(ids), *TINY_INPUT, K)
    np.testing.assert_array_equal(y.max(axis=(1, 2)) > 0, label_presence(source.table))
    for i, image_id in enumerate(ids):
        n = int(image_id[3:-4])
        shape = SIZES[n % 2]
        for c in range(K):
            rle = source.table.loc[i, f"rle_{c + 1}"]
            expected = resize_mask(rle_decode(rle, shape)[:, :, None], TINY_INPUT)[:, :, 0]
            np.testing.assert_array_equal(y[i, :, :, c], expected, err_msg=f"{image_id} class {c + 1}")
        if CLASS_OF[n]:  # the defect is bright under its mask, whatever the image's size
            mask = y[i].max(axis=-1) > 0
            assert (x[i].mean(axis=-1)[mask] > (BRIGHT + DARK) / 2).all()
    _, gate = _arrays(eval_dataset(source, ids, tiny_config(), "classifier"))
    assert gate.shape == (len(ids), 1)
    per_class = replace(tiny_config(), classifier=replace(tiny_config().classifier, n_outputs=K))
    _, probs = _arrays(eval_dataset(source, ids, per_class, "classifier"))
    np.testing.assert_array_equal(probs > 0, label_presence(source.table))


def test_train_batches_oversample_class_3(own):
    source = open_source(own)
    ids = source.table["ImageId"].tolist()
    config = tiny_config(oversample={3: 3}, batch_size=2)
    ds, steps = train_dataset(source, ids, config, "segmenter", 0, 1)
    x, y = _arrays(ds)
    assert y.shape[1:] == (*TINY_INPUT, K) and len(x) == steps * 2
    plain, plain_steps = train_dataset(source, ids, tiny_config(oversample={}, batch_size=2), "segmenter", 0, 1)
    assert steps > plain_steps  # two class-3 images, each three times
    holds3 = (y[:, :, :, 2].max(axis=(1, 2)) > 0).sum()
    assert holds3 >= 2 * 3 - 1  # a dropped remainder may cost one


def test_tfrecords_of_three_classes_give_the_folder_pipeline_batches(own, tmp_path):
    """TFRecords of an imported dataset record its class names and hold K RLEs a record: the batches
    equal the folder's, and a Severstal manifest stays without class names."""
    written = write_tfrecords(own, str(tmp_path / "tfr"), shards=2, progress=False)
    assert written.class_names == ("scratch", "pit", "stain")
    folder, records = open_source(own), open_source(tmp_path / "tfr")
    assert records.kind == TFRECORDS and records.spec.class_names == folder.spec.class_names
    assert records.table.equals(folder.table)
    ids = folder.table["ImageId"].tolist()
    for kind in ("segmenter", "classifier"):
        want = dict(zip(eval_order(folder, ids), zip(*_arrays(eval_dataset(folder, ids, tiny_config(), kind)))))
        got = dict(zip(eval_order(records, ids), zip(*_arrays(eval_dataset(records, ids, tiny_config(), kind)))))
        for image_id in ids:
            np.testing.assert_array_equal(want[image_id][0], got[image_id][0])
            np.testing.assert_array_equal(want[image_id][1], got[image_id][1])
