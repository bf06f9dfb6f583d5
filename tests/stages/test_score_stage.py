"""`steeldefect score` on an imported dataset: its class names, class count and mixed image sizes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from steeldefect import rle_encode
from steeldefect.artifacts.dataset_file import DatasetSpec, ImageSize, write_dataset
from steeldefect.cli.main import main
from steeldefect.data.images import write_jpeg
from steeldefect.data.labels import write_labels
from steeldefect.errors import SteelDefectError
from steeldefect.stages.score_stage import ScoreArgs, score

NAMES = ("scratch", "pit", "stain")
SIZES = {"a.jpg": (8, 16), "b.jpg": (12, 20)}  # mixed sizes: shapes come from the image files


def _mask(shape, rows, cols) -> str:
    mask = np.zeros(shape, np.uint8)
    mask[rows[0]:rows[1], cols[0]:cols[1]] = 1
    return rle_encode(mask)


@pytest.fixture
def dataset(tmp_path) -> Path:
    write_dataset(DatasetSpec(NAMES, (ImageSize(8, 16, 1), ImageSize(12, 20, 1))), tmp_path / "dataset.yaml")
    (tmp_path / "test_images").mkdir()
    for image_id, shape in SIZES.items():
        write_jpeg(tmp_path / "test_images" / image_id, np.zeros((*shape, 3), np.uint8))
    a, b = SIZES["a.jpg"], SIZES["b.jpg"]
    truth = pd.DataFrame([["a.jpg", _mask(a, (0, 4), (0, 8)), "", ""],
                          ["b.jpg", "", _mask(b, (10, 12), (0, 20)), ""]],
                         columns=["ImageId", "rle_1", "rle_2", "rle_3"])
    write_labels(truth, tmp_path / "test_labels.csv")
    pred = truth.copy()
    pred.loc[0, "rle_1"] = _mask(a, (0, 2), (0, 8))  # half of the 32 px: Dice 2*16/48
    pred.loc[1, "rle_3"] = _mask(b, (0, 1), (0, 1))  # a false positive
    write_labels(pred, tmp_path / "pred.csv")
    return tmp_path


def test_score_follows_the_dataset(dataset):
    result = score(ScoreArgs(truth=dataset / "test_labels.csv", pred=dataset / "pred.csv", data=dataset))
    assert result.report["n_pairs"] == 6
    assert result.mean_dice == pytest.approx((2 / 3 + 1 + 1 + 1 + 1 + 0) / 6)
    plant = result.report["plant"]
    assert list(plant) == list(NAMES)
    assert plant["scratch"]["dice"] == pytest.approx(2 / 3) and plant["scratch"]["iou"] == pytest.approx(0.5)
    assert plant["stain"]["precision"] == 0.0 and plant["stain"]["recall"] is None
    assert plant["pit"]["truth_pixels"] == 40  # 2 rows of the 20-px-wide image
    text = result.text()
    assert "plant metrics" in text and all(name in text for name in NAMES)


def test_the_truth_folder_is_the_default_dataset(dataset):
    result = score(ScoreArgs(truth=dataset / "test_labels.csv", pred=dataset / "pred.csv"))
    assert list(result.report["plant"]) == list(NAMES)


def test_a_run_past_the_image_end_is_refused(dataset):
    bad = pd.DataFrame([["a.jpg", "1 129", "", ""], ["b.jpg", "", "", ""]],
                       columns=["ImageId", "rle_1", "rle_2", "rle_3"])  # 129 px in an 8x16 image
    write_labels(bad, dataset / "bad.csv")
    with pytest.raises(SteelDefectError, match="image a.jpg class 1"):
        score(ScoreArgs(truth=dataset / "test_labels.csv", pred=dataset / "bad.csv", data=dataset))


def test_cli_json_has_the_plant_metrics(dataset, capsys):
    rc = main(["score", "--truth", str(dataset / "test_labels.csv"), "--pred", str(dataset / "pred.csv"),
               "--data", str(dataset), "--json"])
    assert rc == 0
    report = json.loads(capsys.readouterr().out)
    assert list(report["plant"]) == list(NAMES) and report["plant"]["pit"]["dice"] == 1.0
