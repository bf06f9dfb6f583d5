"""Predictions back to the annotation tools: index masks and COCO written from a label table, and
`steeldefect import` reading them back to the same masks, pixel for pixel; `predict --format`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from steeldefect.artifacts.dataset_file import read_dataset, rle_columns
from steeldefect.artifacts.thresholds_file import save_thresholds
from steeldefect.cli.main import main
from steeldefect.data.images import read_image_shape
from steeldefect.data.kaggle_folder import TRAIN_IMAGES, train_labels
from steeldefect.data.rle import rle_decode, rle_encode
from steeldefect.data.submission import read_submission
from steeldefect.errors import SteelDefectError
from steeldefect.importing.class_list import CLASSES_FILE, read_class_list
from steeldefect.postprocess.rules import ClassThresholds, Thresholds
from steeldefect.prediction.tool_formats import (coco_path_for, index_mask, masks_dir_for, write_coco,
                                                 write_index_masks, write_tool_format)
from steeldefect.stages.import_stage import ImportArgs, import_dataset
from testkit.own_dataset import flatten, make_own_dataset, one_hot


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    return make_own_dataset(tmp_path_factory.mktemp("own") / "src", n_images=10, n_test=2)


def _table(truth: dict[str, np.ndarray]) -> pd.DataFrame:
    k = next(iter(truth.values())).shape[-1]
    return pd.DataFrame({"ImageId": list(truth),
                         **{c: [rle_encode(m[..., i]) for m in truth.values()] for i, c in enumerate(rle_columns(k))}})


def _imported_masks(out) -> dict[str, np.ndarray]:
    """{image: (H, W, K) bool} of an imported dataset folder, decoded from its train.csv."""
    spec = read_dataset(out)
    result = {}
    for _, row in train_labels(out).iterrows():
        shape = read_image_shape(out / TRAIN_IMAGES / row["ImageId"])
        result[row["ImageId"]] = np.stack([rle_decode(row[c], shape) > 0 for c in spec.rle_columns], axis=-1)
    return result


def _import(tmp_path, name, **kw):
    out = tmp_path / name
    import_dataset(ImportArgs(out=out, progress=False, **kw))
    return out


def test_index_masks_round_trip_through_import(own, tmp_path):
    write_index_masks(_table(own.truth), own.shapes, tmp_path / "masks", own.class_names)
    assert read_class_list(tmp_path / "masks" / CLASSES_FILE) == own.class_names
    png = np.array(Image.open(tmp_path / "masks/img_001.png"))
    assert png.dtype == np.uint8 and png.tolist() == flatten(own.truth["img_001.jpg"]).tolist()
    out = _import(tmp_path, "data", format="masks", images=own.images, masks=tmp_path / "masks")
    assert read_dataset(out).class_names == own.class_names  # from classes.txt, no --classes needed
    got = _imported_masks(out)
    assert got.keys() == own.truth.keys()
    assert all((got[n] == own.truth[n]).all() for n in own.truth)


def test_index_masks_keep_the_later_class_where_classes_overlap(own, tmp_path):
    masks = np.zeros((3, 4, 3), bool)
    masks[0:2, 0:2, 0] = masks[1:3, 1:3, 2] = True
    assert index_mask(masks).tolist() == [[1, 1, 0, 0], [1, 3, 3, 0], [0, 3, 3, 0]]
    write_index_masks(_table(own.coco_truth), own.shapes, tmp_path / "m")
    out = _import(tmp_path, "data", format="masks", images=own.images, masks=tmp_path / "m")
    assert read_dataset(out).class_names == ("class_1", "class_2", "class_3")
    got = _imported_masks(out)
    assert all((got[n] == one_hot(flatten(own.coco_truth[n]), 3)).all() for n in own.truth)


def test_cvat_colour_masks_round_trip_through_import(own, tmp_path):
    out = _import(tmp_path, "data", format="masks", images=own.images, masks=own.masks_cvat)
    assert read_dataset(out).source["kind"] == "cvat"
    got = _imported_masks(out)
    assert all((got[n] == own.truth[n]).all() for n in own.truth)


def test_coco_with_polygons_holes_and_overlaps_round_trips_through_import(own, tmp_path):
    first = _imported_masks(_import(tmp_path, "one", format="coco", images=own.images, annotations=own.coco))
    assert all((first[n] == own.coco_truth[n]).all() for n in own.truth)
    assert any((m.sum(-1) > 1).any() for m in first.values())  # overlapping classes kept
    write_coco(_table(first), own.shapes, own.class_names, tmp_path / "pred.json")
    doc = json.loads((tmp_path / "pred.json").read_text())
    assert [c["name"] for c in doc["categories"]] == list(own.class_names)
    ann = doc["annotations"][0]
    assert isinstance(ann["segmentation"]["counts"], str) and ann["area"] > 0 and len(ann["bbox"]) == 4
    again = _imported_masks(_import(tmp_path, "two", format="coco", images=own.images, annotations=tmp_path / "pred.json"))
    assert all((again[n] == own.coco_truth[n]).all() for n in own.truth)


def test_writers_refuse_missing_sizes_and_wrong_class_counts(own, tmp_path):
    table = _table(own.truth)
    with pytest.raises(SteelDefectError, match="no image size for"):
        write_coco(table, {}, own.class_names, tmp_path / "x.json")
    with pytest.raises(SteelDefectError, match="2 class names for a table of 3 classes"):
        write_index_masks(table, own.shapes, tmp_path / "m", ("a", "b"))
    assert not (tmp_path / "m").exists() and not (tmp_path / "x.json").exists()
    assert write_tool_format("csv", table, own.shapes, own.class_names, tmp_path / "s.csv") is None
    with pytest.raises(SteelDefectError, match="unknown prediction format 'tiff'"):
        write_tool_format("tiff", table, own.shapes, own.class_names, tmp_path / "s.csv")


class _Banded:
    """A fake ensemble of ``k`` classes: class k predicted in its own band of rows."""

    input_sizes = ((16, 100),)
    n_class_outputs = 1
    fingerprint = "banded"
    out_size = (16, 100)
    classifiers, segmenters = [], [object()]

    def __init__(self, k: int = 4):
        self.k = k

    def classify(self, views):
        return np.ones(len(views[(16, 100)]))

    def segment(self, views):
        out = np.zeros((len(views[(16, 100)]), 16, 100, self.k), np.float32)
        for k in range(self.k):
            out[:, 4 * k: 4 * k + 3, 10 * k: 10 * k + 40, k] = 0.9
        return out


def _fake_models(monkeypatch, k: int = 4) -> None:
    monkeypatch.setattr("steeldefect.prediction.keras_ensemble.load_ensemble", lambda *a, **kw: _Banded(k))
    monkeypatch.setattr("steeldefect.prediction.keras_ensemble.select_runs", lambda runs, models, spec=None: ([], []))


def _thresholds(path, k: int = 4):
    save_thresholds(Thresholds(classes=tuple(ClassThresholds(0.5, 0, 0.5) for _ in range(k)), resolution=(16, 100)),
                    path)
    return path


@pytest.mark.parametrize("fmt", ["masks", "coco"])
def test_predict_format_writes_the_submission_for_the_tools(tiny_dataset, tmp_path, monkeypatch, capsys, fmt):
    _fake_models(monkeypatch)
    th = _thresholds(tmp_path / "t.yaml")
    out = tmp_path / "sub.csv"
    images = tiny_dataset / "test_images"
    assert main(["predict", "--runs", "RUNS", "--images", str(images), "--thresholds", str(th),
                 "--sample", str(tiny_dataset / "sample_submission.csv"), "--out", str(out), "--format", fmt]) == 0
    written = masks_dir_for(out) if fmt == "masks" else coco_path_for(out)
    assert f"-> {written}" in capsys.readouterr().out
    kw = {"masks": written} if fmt == "masks" else {"annotations": written}
    data = _import(tmp_path, "back", format=fmt, images=images, **kw)
    assert read_dataset(data).class_names == tuple(f"class {k}" for k in range(1, 5))
    predicted = read_submission(out).set_index("ImageId").sort_index()
    back = train_labels(data).set_index("ImageId").sort_index()
    assert (predicted != "").to_numpy().sum() > 0
    pd.testing.assert_frame_equal(back, predicted, check_names=False)


def test_predict_on_a_mixed_size_dataset_writes_each_image_at_its_size(own, tmp_path, monkeypatch, capsys):
    data = _import(tmp_path, "data", format="coco", images=own.images, annotations=own.coco, test=own.test_images)
    _fake_models(monkeypatch, k=3)
    monkeypatch.setattr("steeldefect.stages.predict_stage.models_dataset", lambda runs: read_dataset(data))
    out = tmp_path / "sub.csv"
    assert main(["predict", "--runs", "RUNS", "--images", str(data / "test_images"), "--thresholds",
                 str(_thresholds(tmp_path / "t.yaml", 3)), "--sample", str(data / "sample_submission.csv"),
                 "--out", str(out), "--format", "coco"]) == 0  # the sample needs no one size here
    doc = json.loads(coco_path_for(out).read_text())
    assert [c["name"] for c in doc["categories"]] == list(own.class_names)
    assert {(i["height"], i["width"]) for i in doc["images"]} == {(192, 768), (160, 640)}
    back = train_labels(_import(tmp_path, "back", format="coco", images=data / "test_images",
                                annotations=coco_path_for(out))).set_index("ImageId").sort_index()
    pd.testing.assert_frame_equal(back, read_submission(out, n_classes=3, shapes=own.shapes | {
        n: m.shape[:2] for n, m in own.test_truth.items()}).set_index("ImageId").sort_index(), check_names=False)
