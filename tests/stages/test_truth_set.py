"""truth_set: the truth OOF predictions are scored against, for runs trained on an imported dataset of
mixed image sizes: its label table, each image's own size and the reference size of minimum areas."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from steeldefect.artifacts.dataset_file import DatasetSpec, ImageSize, write_dataset
from steeldefect.artifacts.run_folder import DONE_FILE
from steeldefect.artifacts.run_meta import RunMeta, write_meta
from steeldefect.constants import IMAGE_SHAPE
from steeldefect.data.kaggle_folder import TRAIN_CSV, TRAIN_IMAGES
from steeldefect.data.labels import empty_table, write_labels
from steeldefect.errors import RLEError, SteelDefectError
from steeldefect.stages._common import truth_labels, truth_set
from steeldefect.artifacts.dataset_file import models_dataset, runs_dataset

BIG, SMALL = (48, 192), (40, 160)  # the most common size first in dataset.yaml
PAST_SMALL = f"{SMALL[0] * SMALL[1] - 2} 6"  # inside a BIG image, past the end of a SMALL one
IMAGES = {"a.png": BIG, "b.png": SMALL, "c.png": BIG}


def _dataset(folder: Path, images=IMAGES, sizes=(ImageSize(*BIG, 2), ImageSize(*SMALL, 1)), b_rle="1 4") -> Path:
    (folder / TRAIN_IMAGES).mkdir(parents=True)
    for name, (h, w) in images.items():
        assert cv2.imwrite(str(folder / TRAIN_IMAGES / name), np.zeros((h, w), np.uint8))
    write_dataset(DatasetSpec(("scratch", "pit", "stain"), tuple(sizes)), folder)
    table = empty_table(sorted(images), 3)
    table.loc[0, "rle_3"] = PAST_SMALL
    table.loc[1, "rle_2"] = b_rle
    write_labels(table, folder / TRAIN_CSV, layout="later")
    return folder


def _runs(folder: Path, meta: RunMeta, kinds=("segmenter",)) -> Path:
    for kind in kinds:
        run = folder / kind / "efficientnetb0" / "fold0"
        run.mkdir(parents=True)
        write_meta(run, meta)
        (run / DONE_FILE).write_text("done\n")
    return folder


def test_runs_meta_names_a_mixed_size_dataset(tmp_path):
    data = _dataset(tmp_path / "line3")
    runs = _runs(tmp_path / "runs", RunMeta(kind="segmenter", data=str(data)), ("segmenter", "classifier"))
    truth, source = truth_set(runs, None, None)
    assert source == str(data / TRAIN_CSV)
    assert truth.table["ImageId"].tolist() == ["a.png", "b.png", "c.png"]
    assert list(truth.table.columns) == ["ImageId", "rle_1", "rle_2", "rle_3"] and truth.n_classes == 3
    assert truth.table.loc[0, "rle_3"] == PAST_SMALL and truth.table.loc[1, "rle_2"] == "1 4"
    assert truth.shapes == IMAGES  # each image's own size, read from its file
    assert truth.shape_of("b.png") == SMALL
    assert truth.reference == BIG  # the most common size
    table, where = truth_labels(runs, None, None)
    assert where == source and table.equals(truth.table)


def test_data_given_wins_over_the_runs(tmp_path):
    data = _dataset(tmp_path / "line3")
    runs = _runs(tmp_path / "runs", RunMeta(kind="segmenter", data=str(tmp_path / "elsewhere")))
    truth, source = truth_set(runs, None, data)
    assert source == str(data / TRAIN_CSV) and truth.shapes == IMAGES and truth.reference == BIG


def test_labels_given_are_read_with_the_datasets_k_and_checked_at_each_size(tmp_path):
    data = _dataset(tmp_path / "line3")
    runs = _runs(tmp_path / "runs", RunMeta(kind="segmenter", data=str(data)))
    truth, source = truth_set(runs, data / TRAIN_CSV, None)
    assert source == str(data / TRAIN_CSV) and truth.n_classes == 3 and truth.shapes == IMAGES
    bad = _dataset(tmp_path / "bad", b_rle=PAST_SMALL)  # fits a BIG image, not b.png (SMALL)
    with pytest.raises(RLEError, match="b.png class 2"):
        truth_set(runs, bad / TRAIN_CSV, None)


def test_one_recorded_size_is_one_shape_for_all(tmp_path):
    images = {"a.png": BIG, "b.png": BIG}
    data = _dataset(tmp_path / "one", images=images, sizes=(ImageSize(*BIG, 2),))
    runs = _runs(tmp_path / "runs", RunMeta(kind="segmenter", data=str(data)))
    truth, _ = truth_set(runs, None, None)
    assert truth.shapes == BIG and truth.reference == BIG and truth.shape_of("a.png") == BIG


def test_a_dataset_past_its_image_size_is_refused(tmp_path):
    data = _dataset(tmp_path / "bad", b_rle=PAST_SMALL)
    runs = _runs(tmp_path / "runs", RunMeta(kind="segmenter", data=str(data)))
    with pytest.raises(RLEError, match="b.png class 2"):
        truth_set(runs, None, None)


def test_no_truth_anywhere_is_one_line(tmp_path):
    runs = _runs(tmp_path / "runs", RunMeta(kind="segmenter"))
    with pytest.raises(SteelDefectError, match="tell select where the truth is") as err:
        truth_set(runs, None, None, stage="select")
    assert "\n" not in str(err.value)


def test_severstal_runs_default_to_256x1600(tmp_path):
    data = tmp_path / "kaggle"
    data.mkdir()
    table = empty_table(["x.jpg"], 4)
    table.loc[0, "rle_4"] = f"{IMAGE_SHAPE[0] * IMAGE_SHAPE[1] - 9} 10"
    write_labels(table, data / TRAIN_CSV)  # original layout: needs no image folder
    runs = _runs(tmp_path / "runs", RunMeta(kind="segmenter", data=str(data)))
    truth, _ = truth_set(runs, None, None)
    assert truth.shapes == IMAGE_SHAPE and truth.reference == IMAGE_SHAPE and truth.n_classes == 4


def test_models_dataset_from_recorded_class_names(tmp_path):
    runs = _runs(tmp_path / "runs", RunMeta(kind="segmenter", class_names=("scratch", "pit")))
    spec = runs_dataset(runs)
    assert spec.class_names == ("scratch", "pit") and spec.sizes == ()
    data = _dataset(tmp_path / "line3")
    assert models_dataset([], data).class_names == ("scratch", "pit", "stain")


def test_labels_elsewhere_with_data_given_take_sizes_from_the_data_folder(tmp_path):
    data = _dataset(tmp_path / "line3")
    runs = _runs(tmp_path / "runs", RunMeta(kind="segmenter", data=str(data)))
    labels = tmp_path / "labels" / "holdout.csv"
    labels.parent.mkdir()
    # a copy of the labels outside the dataset folder (original layout: it lists its images itself)
    table = empty_table(["a.png", "b.png"], 3)
    table.loc[1, "rle_2"] = "1 4"
    write_labels(table, labels)
    truth, source = truth_set(runs, labels, data)
    assert source == str(labels)
    assert truth.shapes == {"a.png": BIG, "b.png": SMALL} and truth.reference == BIG
