"""An export folder's manifest.json and postprocess.yaml: written and read back, old and newer manifests, the
dataset's classes it records (K = 3 at 192x768 and 160x640; Severstal's four without one)."""

from __future__ import annotations

import json

import pytest

from steeldefect.artifacts.dataset_file import KAGGLE, DatasetSpec, ImageSize
from steeldefect.artifacts.export_manifest import (FORMAT, FORMAT_VERSION, MANIFEST_FILE, MAX_INPUT, ExportManifest,
                                                   ExportSettings, GraphInput, dataset_entry, dataset_of_models,
                                                   default_max_input, input_entry, read_manifest, read_settings,
                                                   write_manifest, write_settings)
from steeldefect.errors import SteelDefectError


def test_write_then_read_with_checksums(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"graph")
    settings = ExportSettings((0.2, 0.8), (512, 3200), (128, 800), "image", 1)
    write_settings(tmp_path, settings)
    written = write_manifest(tmp_path, ExportManifest(created="now", formats=("onnx",), runs=({"kind": "x"},)))
    back = read_manifest(tmp_path)
    assert back == written and set(back.checksums) == {"model.onnx", "postprocess.yaml"}
    assert read_settings(tmp_path) == settings
    data = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert list(data)[:3] == ["format", "format_version", "created"] and data["formats"] == ["onnx"]
    (tmp_path / "model.onnx").write_bytes(b"other")
    with pytest.raises(SteelDefectError, match="model.onnx does not match its manifest checksum"):
        read_manifest(tmp_path)


def test_an_old_manifest_without_a_version_loads(tmp_path):
    (tmp_path / MANIFEST_FILE).write_text(json.dumps({"format": FORMAT, "checksums": {}}))
    assert read_manifest(tmp_path) == ExportManifest()


def test_a_newer_manifest_is_refused_in_one_line(tmp_path):
    path = tmp_path / MANIFEST_FILE
    path.write_text(json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION + 1, "checksums": {}}))
    with pytest.raises(SteelDefectError) as err:  # the shared ``refused`` fixture expects readers of version 1
        read_manifest(tmp_path)
    message = str(err.value)
    assert "\n" not in message and str(path) in message
    assert "format version 3 is newer than this steeldefect reads (up to 2); upgrade steeldefect" in message


LINE3 = DatasetSpec(("scratch", "pit", "stain"), (ImageSize(192, 768, 10), ImageSize(160, 640, 4)), "line3")


def test_the_dataset_of_three_classes_round_trips(tmp_path):
    written = write_manifest(tmp_path, ExportManifest(created="now", dataset=dataset_entry(LINE3)))
    back = read_manifest(tmp_path)
    assert back == written and back.dataset_spec() == LINE3
    assert back.class_names == ("scratch", "pit", "stain") and back.n_classes == 3
    data = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert data["dataset"] == {"name": "line3", "n_classes": 3, "class_names": ["scratch", "pit", "stain"],
                               "image_sizes": [{"height": 192, "width": 768, "images": 10},
                                               {"height": 160, "width": 640, "images": 4}]}


def test_a_manifest_without_a_dataset_is_severstals(tmp_path):
    (tmp_path / MANIFEST_FILE).write_text(json.dumps({"format": FORMAT, "format_version": 1, "checksums": {}}))
    manifest = read_manifest(tmp_path)
    assert manifest.dataset_spec() == KAGGLE and manifest.n_classes == 4
    assert manifest.class_names == ("class 1", "class 2", "class 3", "class 4")


@pytest.mark.parametrize("entry, needle", [
    ({"n_classes": 2, "class_names": ["a", "b", "c"]}, "says 2 classes but names 3"),
    ({"class_names": ["a", "a"]}, "used twice"),
    ({"names": ["a"]}, "not class names and image sizes"),
    ({"class_names": ["a"], "image_sizes": [{"height": "x", "width": 3}]}, "not class names and image sizes"),
])
def test_a_malformed_dataset_entry_is_refused_in_one_line(tmp_path, entry, needle):
    (tmp_path / MANIFEST_FILE).write_text(json.dumps({"format": FORMAT, "dataset": entry, "checksums": {}}))
    with pytest.raises(SteelDefectError, match=needle) as err:
        read_manifest(tmp_path)
    assert MANIFEST_FILE in str(err.value) and "\n" not in str(err.value)


def test_the_dataset_of_models_follows_their_class_count():
    assert dataset_of_models(LINE3, 3) is LINE3
    assert dataset_of_models(None, 4) == KAGGLE and dataset_of_models(KAGGLE, 4) == KAGGLE
    assert dataset_of_models(None, 3).class_names == ("class_1", "class_2", "class_3")
    assert dataset_of_models(KAGGLE, 2).class_names == ("class_1", "class_2")  # runs that record no dataset
    with pytest.raises(SteelDefectError, match="predict 4 classes but their dataset has 3"):
        dataset_of_models(LINE3, 4)


def test_the_default_max_input_covers_the_datasets_images():
    assert default_max_input(KAGGLE) == MAX_INPUT == (512, 3200)
    assert default_max_input(LINE3) == MAX_INPUT  # smaller images: the default already takes them
    assert default_max_input(DatasetSpec(("a",), (ImageSize(1024, 1024),))) == (2048, 3200)


def test_the_input_contract_names_one_tensor_per_size_resized_outside(tmp_path):
    entry = input_entry([(64, 384), (128, 800)], (512, 3200))
    assert entry["resize"] == "outside" and "INTER_AREA" in entry["resize_method"]
    assert entry["tensors"] == [{"name": "images_64x384", "shape": [None, 64, 384, 3]},
                                {"name": "images_128x800", "shape": [None, 128, 800, 3]}]
    write_manifest(tmp_path, ExportManifest(input=entry))
    data = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert data["format_version"] == FORMAT_VERSION == 2
    assert read_manifest(tmp_path).graph_inputs() == (GraphInput("images_64x384", (64, 384)),
                                                       GraphInput("images_128x800", (128, 800)))


def test_a_version_1_graph_resized_inside_and_has_no_graph_inputs(tmp_path):
    old = {"name": "images", "dtype": "uint8", "shape": [None, None, None, 3], "max_height": 512,
           "resize": "inside the graph, as predict does (OpenCV INTER_AREA shrinking, linear enlarging)"}
    (tmp_path / MANIFEST_FILE).write_text(json.dumps({"format": FORMAT, "format_version": 1, "input": old,
                                                      "checksums": {}}))
    assert read_manifest(tmp_path).graph_inputs() is None
    assert ExportManifest().graph_inputs() is None


def test_tensors_without_a_size_are_refused_in_one_line(tmp_path):
    manifest = ExportManifest(input={"resize": "outside", "tensors": [{"name": "images_1x2"}]})
    with pytest.raises(SteelDefectError, match="no tensors of known size.*export again") as err:
        manifest.graph_inputs()
    assert "\n" not in str(err.value)
