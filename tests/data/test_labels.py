"""Label tables from every layout, and their errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from steeldefect.constants import RLE_COLUMNS
from steeldefect.data.labels import label_areas, label_presence, read_labels, write_labels
from steeldefect.errors import RLEError, SteelDefectError


@pytest.fixture()
def small_table():
    return pd.DataFrame({"ImageId": ["a.jpg", "b.jpg", "c.jpg"],
                         "rle_1": ["1 3", "", ""], "rle_2": ["", "", ""],
                         "rle_3": ["", "10 5 20 2", ""], "rle_4": ["", "100 1", ""]})


def test_original_layout_round_trip(tmp_path, small_table):
    write_labels(small_table, tmp_path / "train.csv")
    text = (tmp_path / "train.csv").read_text().splitlines()
    assert text[0] == "ImageId_ClassId,EncodedPixels" and len(text) == 1 + 4 * 3
    assert text[1] == "a.jpg_1,1 3" and text[2] == "a.jpg_2,"
    pd.testing.assert_frame_equal(read_labels(tmp_path / "train.csv"), small_table)


def test_later_layout_takes_image_list_from_folder(tmp_path, small_table):
    (tmp_path / "train_images").mkdir()
    for image_id in small_table["ImageId"]:
        (tmp_path / "train_images" / image_id).write_bytes(b"")
    write_labels(small_table, tmp_path / "train.csv", layout="later")
    lines = (tmp_path / "train.csv").read_text().splitlines()
    assert lines[0] == "ImageId,ClassId,EncodedPixels" and len(lines) == 4  # defect rows only
    table = read_labels(tmp_path / "train.csv")
    pd.testing.assert_frame_equal(table, small_table)  # clean c.jpg comes from the folder


def test_later_layout_without_folder_is_a_clear_error(tmp_path, small_table):
    write_labels(small_table, tmp_path / "train.csv", layout="later")
    with pytest.raises(SteelDefectError, match="image list must come from the image folder"):
        read_labels(tmp_path / "train.csv")


def test_pivot_layout_real(real_dir):
    table = read_labels(real_dir / "train_masks_2515.csv")
    assert len(table) == 2515 and list(table.columns) == ["ImageId", *RLE_COLUMNS]
    presence = label_presence(table)
    assert presence.sum(axis=0).tolist() == [181, 50, 1039, 160]  # 1,430 real masks
    assert (~presence.any(axis=1)).sum() == 1181  # clean images, as the README says


def test_real_submission_counts(real_dir):
    table = read_labels(real_dir / "predictions_stage1.csv")
    assert len(table) == 1801
    assert label_presence(table).sum(axis=0).tolist() == [92, 1, 579, 110]


def test_label_areas_match_real_area_file(real_dir):
    table = read_labels(real_dir / "train_masks_2515.csv")
    areas = pd.read_csv(real_dir / "train_mask_areas.csv").set_index("image_id")
    expected = areas.loc[table["ImageId"], [f"area_class_{c}" for c in range(1, 5)]].to_numpy()
    np.testing.assert_array_equal(label_areas(table), expected)


@pytest.mark.parametrize("content, message", [
    ("foo,bar\n1,2\n", "unrecognised CSV header 'foo,bar'"),
    ("", "the file is empty"),
    ("ImageId_ClassId,EncodedPixels\na.jpg_5,\n", "line 2: class '5' is not one of"),
    ("ImageId_ClassId,EncodedPixels\nnounderscore,\n", "line 2: ImageId_ClassId 'nounderscore'"),
    ("ImageId_ClassId,EncodedPixels\na.jpg_1,1 2\na.jpg_1,\n", "line 3: duplicate row for image a.jpg class 1"),
])
def test_bad_csv_gives_clear_error(tmp_path, content, message):
    path = tmp_path / "train.csv"
    path.write_text(content)
    with pytest.raises(SteelDefectError, match=message) as info:
        read_labels(path)
    assert str(path) in str(info.value)


def test_malformed_rle_names_file_image_and_class(tmp_path):
    path = tmp_path / "train.csv"
    path.write_text("ImageId_ClassId,EncodedPixels\nx.jpg_1,\nx.jpg_2,5 3 2 1\n")
    with pytest.raises(RLEError, match=r"train.csv, image x.jpg class 2"):
        read_labels(path)


def test_missing_file(tmp_path):
    with pytest.raises(SteelDefectError, match="CSV file not found"):
        read_labels(tmp_path / "nope.csv")
