"""Fixtures of the app tests: the ten real images with real labels, and real and derived submissions."""

from __future__ import annotations

import shutil

import pytest

from steeldefect.analysis.app.index import build_app_data
from steeldefect.analysis.app.render import ImageStore
from steeldefect.constants import RLE_COLUMNS
from steeldefect.data.kaggle_folder import TRAIN_CSV
from steeldefect.data.labels import read_labels
from steeldefect.data.submission import write_submission
from testkit.recycled_labels import write_demo_folder

CHANGED_IMAGE = "0046839bd.jpg"  # class 3 in the truth; the derived prediction drops its mask
ADDED_IMAGE = "000789191.jpg"  # clean in the truth; the derived prediction adds a class 1 mask


@pytest.fixture(scope="session")
def demo(real_dir, tmp_path_factory) -> dict:
    """Paths: data folder (train_images/ + train.csv), a prediction of its images that differs on two
    images, and the real stage-1 predictions (whose test images are absent)."""
    root = tmp_path_factory.mktemp("app_demo")
    data = write_demo_folder(real_dir, root / "data")
    truth = read_labels(data / TRAIN_CSV)
    pred = truth.copy()
    pred.loc[pred["ImageId"] == CHANGED_IMAGE, RLE_COLUMNS[2]] = ""
    pred.loc[pred["ImageId"] == ADDED_IMAGE, RLE_COLUMNS[0]] = "1000 50 1300 50"
    write_submission(pred, root / "pred_train.csv")
    shutil.copyfile(real_dir / "predictions_stage1.csv", root / "predictions_stage1.csv")
    return {"data": data, "pred_train": root / "pred_train.csv", "stage1": root / "predictions_stage1.csv",
            "real": real_dir, "root": root, "changed": CHANGED_IMAGE, "added": ADDED_IMAGE}


@pytest.fixture()
def app_data(demo):
    """Fresh AppData (uploads mutate it): truth, pred1 = derived prediction, pred2 = real stage 1."""
    return build_app_data(demo["data"], preds=[str(demo["pred_train"]), str(demo["stage1"])])


@pytest.fixture()
def store(app_data):
    return ImageStore(app_data.image_dirs)


def key_of(data, name: str) -> str:
    return next(k for k, s in data.sets().items() if s.name == name)


@pytest.fixture()
def keys(app_data) -> dict:
    return {"truth": "truth", "train": key_of(app_data, "pred_train.csv"),
            "stage1": key_of(app_data, "predictions_stage1.csv")}


TEST_SHARE = 4  # images of the demo moved to the test split of ``split_demo``


@pytest.fixture(scope="session")
def split_demo(demo, tmp_path_factory) -> dict:
    """A run_all-like data folder: train.csv and train_images/ of six images, test_labels.csv,
    test_images/ and sample_submission.csv of four others, and a submission of those four."""
    from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION, TEST_IMAGES, TEST_LABELS
    from steeldefect.data.labels import empty_table, write_labels

    root = tmp_path_factory.mktemp("app_split")
    data = root / "data"
    truth = read_labels(demo["data"] / TRAIN_CSV)
    train, test = truth.iloc[:-TEST_SHARE], truth.iloc[-TEST_SHARE:]
    for folder, table in (("train_images", train), (TEST_IMAGES, test)):
        (data / folder).mkdir(parents=True)
        for name in table["ImageId"]:
            shutil.copyfile(demo["data"] / "train_images" / name, data / folder / name)
    write_labels(train, data / TRAIN_CSV)
    write_labels(test, data / TEST_LABELS)
    write_submission(empty_table(list(test["ImageId"])), data / SAMPLE_SUBMISSION)
    pred = test.copy()
    pred[RLE_COLUMNS[0]] = ["" for _ in range(len(pred))]  # every class 1 mask missed
    write_submission(pred, root / "submission.csv")
    return {"data": data, "submission": root / "submission.csv", "test_ids": list(test["ImageId"])}
