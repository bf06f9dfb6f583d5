"""Label tables of an imported dataset: K classes other than 4 (3 and 1), RLEs checked at each image's
own size, train_labels of a folder with dataset.yaml and mixed-size images, submissions of K classes."""

from __future__ import annotations

import cv2
import numpy as np
import pandas as pd
import pytest

from steeldefect.artifacts.dataset_file import DatasetSpec, ImageSize, write_dataset
from steeldefect.data.images import read_image_shape
from steeldefect.data.kaggle_folder import TRAIN_CSV, TRAIN_IMAGES, image_shapes, train_labels
from steeldefect.data.labels import (check_rles, empty_table, label_areas, label_presence, long_rows, read_labels,
                                     table_n_classes, table_rle_columns, write_labels)
from steeldefect.data.rle import rle_decode, rle_encode
from steeldefect.data.submission import read_submission, validate_submission, write_submission
from steeldefect.errors import RLEError, SteelDefectError

BIG, SMALL = (192, 768), (160, 640)
PAST_SMALL = f"{SMALL[0] * SMALL[1] - 4} 10"  # inside a 192x768 image, past the end of a 160x640 one


def _table3() -> pd.DataFrame:
    table = empty_table(["a.png", "b.png"], 3)
    table.loc[0, "rle_2"] = "1 5 20 3"
    table.loc[1, "rle_1"] = "7 2"
    table.loc[1, "rle_3"] = "100 10"
    return table


def _images(folder, shapes: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (h, w) in shapes.items():
        assert cv2.imwrite(str(folder / name), np.full((h, w), 90, np.uint8))


def test_empty_table_and_columns_follow_k():
    for k in (1, 3):
        table = empty_table(["x.jpg"], k)
        assert list(table.columns) == ["ImageId", *[f"rle_{c}" for c in range(1, k + 1)]]
        assert table_n_classes(table) == k and len(table_rle_columns(table)) == k


def test_a_table_without_rle_columns_is_refused():
    with pytest.raises(SteelDefectError, match="rle_1 .. rle_K"):
        table_rle_columns(pd.DataFrame({"ImageId": ["a"]}))


@pytest.mark.parametrize("layout", ["original", "later"])
def test_k3_write_then_read_in_both_layouts(tmp_path, layout):
    table = _table3()
    _images(tmp_path / TRAIN_IMAGES, {"a.png": (8, 16), "b.png": (8, 16)})
    write_labels(table, tmp_path / TRAIN_CSV, layout=layout)
    back = read_labels(tmp_path / TRAIN_CSV, n_classes=3, shapes=(8, 16))
    pd.testing.assert_frame_equal(back, table)


def test_k3_original_layout_has_three_rows_per_image(tmp_path):
    write_labels(_table3(), tmp_path / TRAIN_CSV)
    lines = (tmp_path / TRAIN_CSV).read_text().splitlines()
    assert len(lines) == 1 + 2 * 3
    assert [line.split(",")[0] for line in lines[1:4]] == ["a.png_1", "a.png_2", "a.png_3"]


@pytest.mark.parametrize("layout", ["original", "later"])
def test_k1_write_then_read(tmp_path, layout):
    table = empty_table(["a.png", "b.png"], 1)
    table.loc[1, "rle_1"] = "3 4"
    _images(tmp_path / TRAIN_IMAGES, {"a.png": (8, 16), "b.png": (8, 16)})
    write_labels(table, tmp_path / TRAIN_CSV, layout=layout)
    pd.testing.assert_frame_equal(read_labels(tmp_path / TRAIN_CSV, n_classes=1, shapes=(8, 16)), table)


def test_k1_later_layout_lists_images_from_the_folder(tmp_path):
    _images(tmp_path / TRAIN_IMAGES, {"a.png": (8, 16), "b.png": (8, 16), "c.png": (8, 16)})
    (tmp_path / TRAIN_CSV).write_text("ImageId,ClassId,EncodedPixels\nb.png,1,3 4\n")
    table = read_labels(tmp_path / TRAIN_CSV, n_classes=1, shapes=(8, 16))
    assert list(table.columns) == ["ImageId", "rle_1"]
    assert table["ImageId"].tolist() == ["a.png", "b.png", "c.png"]
    assert table["rle_1"].tolist() == ["", "3 4", ""]


def test_long_rows_presence_and_areas_of_k3():
    table = _table3()
    rows = long_rows(table)
    assert len(rows) == 6
    assert rows["ClassId"].tolist() == [1, 2, 3, 1, 2, 3]
    assert rows["EncodedPixels"].tolist() == ["", "1 5 20 3", "", "7 2", "", "100 10"]
    np.testing.assert_array_equal(label_presence(table), [[False, True, False], [True, False, True]])
    areas = label_areas(table)
    assert areas.shape == (2, 3) and areas.dtype == np.int64
    np.testing.assert_array_equal(areas, [[0, 8, 0], [2, 0, 10]])


def test_areas_and_presence_of_k1_agree_with_decoded_masks():
    mask = np.zeros(SMALL, np.uint8)
    mask[3:9, 100:140] = 1
    table = empty_table(["a.png", "b.png"], 1)
    table.loc[1, "rle_1"] = rle_encode(mask)
    assert label_presence(table).shape == (2, 1)
    np.testing.assert_array_equal(label_areas(table), [[0], [int(mask.sum())]])


@pytest.mark.parametrize("layout, row", [
    ("original", "a.png_4,1 2"),
    ("later", "a.png,4,1 2"),
])
def test_a_class_id_above_k_names_file_and_line(tmp_path, layout, row):
    header = "ImageId_ClassId,EncodedPixels" if layout == "original" else "ImageId,ClassId,EncodedPixels"
    first = "a.png_1," if layout == "original" else "a.png,1,1 2"
    _images(tmp_path / TRAIN_IMAGES, {"a.png": (8, 16)})
    path = tmp_path / TRAIN_CSV
    path.write_text(f"{header}\n{first}\n{row}\n")
    with pytest.raises(SteelDefectError, match=r"line 3: class '4' is not one of \[1, 2, 3\]") as err:
        read_labels(path, n_classes=3, shapes=(8, 16))
    assert str(path) in str(err.value) and "\n" not in str(err.value)
    assert table_n_classes(read_labels(path, n_classes=4, shapes=(8, 16))) == 4  # the same file at K=4


def test_check_rles_at_per_image_shapes():
    table = empty_table(["big.png", "small.png"], 3)
    table.loc[0, "rle_2"] = PAST_SMALL
    check_rles(table, "train.csv", {"big.png": BIG, "small.png": SMALL})  # fine at 192x768
    rle_decode(PAST_SMALL, BIG)
    table.loc[1, "rle_3"] = PAST_SMALL
    with pytest.raises(RLEError, match="past the image end") as err:
        check_rles(table, "train.csv", {"big.png": BIG, "small.png": SMALL})
    message = str(err.value)
    assert "small.png" in message and "class 3" in message and "train.csv" in message and "big.png" not in message


def test_check_rles_one_shape_for_all_and_default():
    table = empty_table(["a.png"], 2)
    table.loc[0, "rle_2"] = PAST_SMALL
    check_rles(table, "t", BIG)
    check_rles(table, "t")  # 256x1600 holds it too
    with pytest.raises(RLEError, match="a.png class 2"):
        check_rles(table, "t", SMALL)


def test_read_image_shape_reads_the_header(tmp_path):
    _images(tmp_path, {"a.png": (12, 34)})
    assert read_image_shape(tmp_path / "a.png") == (12, 34)
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(SteelDefectError, match="bad.png"):
        read_image_shape(tmp_path / "bad.png")
    with pytest.raises(SteelDefectError, match="not found"):
        read_image_shape(tmp_path / "missing.png")


def _mixed_folder(tmp_path, rows: str):
    _images(tmp_path / TRAIN_IMAGES, {"big.png": BIG, "small.png": SMALL, "clean.png": SMALL})
    write_dataset(DatasetSpec(("scratch", "pit", "stain"), (ImageSize(*BIG, 1), ImageSize(*SMALL, 2))), tmp_path)
    (tmp_path / TRAIN_CSV).write_text("ImageId,ClassId,EncodedPixels\n" + rows)
    return tmp_path


def test_train_labels_of_a_mixed_size_folder(tmp_path):
    data = _mixed_folder(tmp_path, f"big.png,3,{PAST_SMALL}\nsmall.png,1,1 5\n")
    table = train_labels(data)
    assert list(table.columns) == ["ImageId", "rle_1", "rle_2", "rle_3"]
    assert table["ImageId"].tolist() == ["big.png", "clean.png", "small.png"]
    assert table.loc[0, "rle_3"] == PAST_SMALL and table.loc[2, "rle_1"] == "1 5"
    spec = DatasetSpec(("a", "b", "c"), (ImageSize(*BIG), ImageSize(*SMALL)))
    assert image_shapes(data / TRAIN_IMAGES, table["ImageId"], spec) == {
        "big.png": BIG, "clean.png": SMALL, "small.png": SMALL}


def test_train_labels_refuses_an_rle_past_its_own_image(tmp_path):
    data = _mixed_folder(tmp_path, f"big.png,3,{PAST_SMALL}\nsmall.png,2,{PAST_SMALL}\n")
    with pytest.raises(RLEError, match="past the image end") as err:
        train_labels(data)
    assert "small.png class 2" in str(err.value) and TRAIN_CSV in str(err.value)


def test_train_labels_refuses_a_class_above_the_dataset_k(tmp_path):
    data = _mixed_folder(tmp_path, "big.png,4,1 5\n")
    with pytest.raises(SteelDefectError, match="line 2: class '4'"):
        train_labels(data)


def test_image_shapes_of_one_recorded_size_skip_the_files():
    spec = DatasetSpec(("a",), (ImageSize(*SMALL),))
    assert image_shapes(None, ["x.png", "y.png"], spec) == {"x.png": SMALL, "y.png": SMALL}
    with pytest.raises(SteelDefectError, match="give the image folder"):
        image_shapes(None, ["x.png"], DatasetSpec(("a",), (ImageSize(*BIG), ImageSize(*SMALL))))


@pytest.mark.parametrize("layout", ["original", "later"])
def test_submission_of_k3_round_trips_and_validates(tmp_path, layout):
    table = empty_table(["big.png", "small.png"], 3)
    table.loc[0, "rle_1"] = PAST_SMALL
    table.loc[1, "rle_3"] = "1 5"
    shapes = {"big.png": BIG, "small.png": SMALL}
    path = tmp_path / "sub.csv"
    write_submission(table, path, layout=layout)
    assert len(path.read_text().splitlines()) == 1 + 2 * 3
    pd.testing.assert_frame_equal(read_submission(path, n_classes=3, shapes=shapes), table)
    report = validate_submission(path, None, n_classes=3, shapes=shapes)
    assert report.ok, report.problems
    sample = tmp_path / "sample.csv"
    write_submission(empty_table(["big.png", "small.png"], 3), sample, layout=layout)
    assert validate_submission(path, sample, n_classes=3, shapes=shapes).ok


def test_submission_rle_past_its_image_is_reported(tmp_path):
    table = empty_table(["big.png", "small.png"], 3)
    table.loc[1, "rle_2"] = PAST_SMALL
    path = tmp_path / "sub.csv"
    write_submission(table, path)
    shapes = {"big.png": BIG, "small.png": SMALL}
    with pytest.raises(RLEError, match="small.png class 2"):
        read_submission(path, n_classes=3, shapes=shapes)
    report = validate_submission(path, None, n_classes=3, shapes=shapes)
    assert report.n_problems == 1 and "small.png class 2" in report.problems[0]
    assert "past the image end" in report.problems[0]


def test_submission_with_a_fourth_class_is_refused_for_k3(tmp_path):
    path = tmp_path / "sub.csv"
    write_submission(empty_table(["a.png"], 4), path)
    report = validate_submission(path, None, n_classes=3, shapes=(8, 16))
    assert not report.ok
    assert any("class '4'" in p for p in report.problems)
    with pytest.raises(SteelDefectError, match="class '4'"):
        read_submission(path, n_classes=3, shapes=(8, 16))


def test_submission_missing_a_class_of_k3(tmp_path):
    path = tmp_path / "sub.csv"
    write_submission(empty_table(["a.png"], 2), path)  # classes 1, 2 only
    report = validate_submission(path, None, n_classes=3, shapes=(8, 16))
    assert report.problems == ["missing row for image a.png class 3"]
