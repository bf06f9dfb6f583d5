"""dataset.yaml: a dataset's classes and image sizes written and read back; KAGGLE without one; one-line
errors naming the file for wrong ids, names, sizes and a newer format."""

from __future__ import annotations

import pytest
import yaml

from steeldefect.artifacts.dataset_file import (DATASET_FILE, KAGGLE, DatasetSpec, ImageSize, read_dataset,
                                                rle_columns, spec_from_dict, write_dataset)
from steeldefect.constants import IMAGE_SHAPE, NUM_CLASSES
from steeldefect.errors import SteelDefectError

SPEC = DatasetSpec(class_names=("scratch", "pit", "stain"),
                   sizes=(ImageSize(192, 768, 10), ImageSize(160, 640, 4)), name="line3",
                   source={"format": "masks"})


def _yaml(tmp_path, data) -> None:
    (tmp_path / DATASET_FILE).write_text(yaml.safe_dump(data, sort_keys=False))


def _one_line_naming_file(tmp_path, match: str) -> None:
    with pytest.raises(SteelDefectError, match=match) as err:
        read_dataset(tmp_path)
    message = str(err.value)
    assert "\n" not in message and str(tmp_path / DATASET_FILE) in message


def test_write_then_read_round_trips(tmp_path):
    write_dataset(SPEC, tmp_path)  # a folder: the file goes inside it
    assert (tmp_path / DATASET_FILE).is_file()
    back = read_dataset(tmp_path)
    assert back == SPEC
    assert back.n_classes == 3 and back.class_ids == (1, 2, 3)
    assert back.rle_columns == ("rle_1", "rle_2", "rle_3")
    assert back.class_name(2) == "pit"
    assert back.single_shape is None  # mixed sizes
    assert back.sizes[0].shape == (192, 768) and back.sizes[1].images == 4
    assert back.source == {"format": "masks"}


def test_write_to_a_file_path_and_one_size(tmp_path):
    spec = DatasetSpec(class_names=("only",), sizes=(ImageSize(64, 96, 2),))
    write_dataset(spec, tmp_path / DATASET_FILE)
    data = yaml.safe_load((tmp_path / DATASET_FILE).read_text())
    assert data["classes"] == [{"id": 1, "name": "only"}] and "name" not in data
    back = read_dataset(tmp_path)
    assert back.single_shape == (64, 96) and back.n_classes == 1


def test_a_folder_without_dataset_yaml_is_kaggle(tmp_path):
    assert read_dataset(tmp_path) is KAGGLE
    assert read_dataset(None) is KAGGLE
    assert KAGGLE.n_classes == NUM_CLASSES and KAGGLE.single_shape == IMAGE_SHAPE
    assert KAGGLE.rle_columns == rle_columns(NUM_CLASSES)


def test_rle_columns_follow_the_count():
    assert rle_columns(1) == ("rle_1",)
    assert rle_columns(5)[-1] == "rle_5" and len(rle_columns(5)) == 5


def _classes(*names, ids=None):
    ids = ids or range(1, len(names) + 1)
    return [{"id": i, "name": n} for i, n in zip(ids, names)]


@pytest.mark.parametrize("classes, match", [
    (_classes("a", "b", ids=[2, 1]), "ids must be 1..K"),
    (_classes("a", "b", ids=[1, 3]), "ids must be 1..K"),
    (_classes("a", "b", ids=[0, 1]), "ids must be 1..K"),
    (_classes("a", "a"), "used twice"),
    (_classes("a", " "), "empty name"),
    ([], "no classes"),
    ("scratch", "must be a list"),
])
def test_wrong_classes_are_one_line_naming_the_file(tmp_path, classes, match):
    _yaml(tmp_path, {"format_version": 1, "classes": classes})
    _one_line_naming_file(tmp_path, match)


@pytest.mark.parametrize("size, match", [
    ({"height": 0, "width": 768, "images": 1}, "empty"),
    ({"height": -5, "width": 768, "images": 1}, "not a whole number"),
    ({"height": 192.5, "width": 768, "images": 1}, "not a whole number"),
    ({"height": "192", "width": 768, "images": 1}, "not a whole number"),
    ({"height": 192, "width": 768, "images": -1}, "not a whole number"),
    ("192x768", "height, width"),
])
def test_bad_sizes_are_one_line_naming_the_file(tmp_path, size, match):
    _yaml(tmp_path, {"format_version": 1, "classes": _classes("a"), "image_sizes": [size]})
    _one_line_naming_file(tmp_path, match)


def test_a_newer_format_version_is_one_line_naming_the_file(tmp_path):
    write_dataset(SPEC, tmp_path)
    path = tmp_path / DATASET_FILE
    path.write_text(path.read_text().replace("format_version: 1", "format_version: 2"))
    _one_line_naming_file(tmp_path, "newer")


def test_not_a_mapping_is_refused(tmp_path):
    (tmp_path / DATASET_FILE).write_text("- just\n- a list\n")
    _one_line_naming_file(tmp_path, "expected a mapping")


def test_spec_from_dict_names_the_given_source():
    with pytest.raises(SteelDefectError, match=r"^somewhere\.yaml: "):
        spec_from_dict({"classes": _classes("a", "a")}, "somewhere.yaml")
    assert spec_from_dict({"classes": _classes("a", "b")}).class_names == ("a", "b")  # no version: 1


def test_more_than_255_classes_are_refused(tmp_path):
    _yaml(tmp_path, {"classes": _classes(*[f"c{i}" for i in range(256)])})
    _one_line_naming_file(tmp_path, "at most 255")
    _yaml(tmp_path, {"classes": _classes(*[f"c{i}" for i in range(255)])})
    assert read_dataset(tmp_path).n_classes == 255
