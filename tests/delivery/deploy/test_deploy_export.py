"""The export round trip: the exported graph (SavedModel; ONNX in ONNX Runtime and OpenVINO) gives
`predict`'s probabilities within 1e-4, the submission written from them is byte-identical for the
SavedModel and within MAX_FLIPPED of the mask pixels for the ONNX runtimes (testkit.exactness), and
the manifest records the input contract (images resized outside the graph) and guards the files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from steeldefect.constants import RLE_COLUMNS
from steeldefect.data.images import list_images, read_image, write_jpeg
from steeldefect.data.submission import write_submission
from steeldefect.errors import SteelDefectError
from testkit.exactness import MAX_FLIPPED, flipped_share

pytestmark = pytest.mark.slow

TOLERANCE = 1e-4  # the bound on |exported - predict|
RUNTIMES = ["tf", "onnx", "openvino"]


def _mask_difference(a, b) -> float:
    """The share of mask pixels (256x1600 strips) on which two submissions of the same images disagree."""
    from steeldefect.constants import IMAGE_SHAPE

    x, y = (pd.read_csv(path, keep_default_na=False) for path in (a, b))
    assert list(x["ImageId_ClassId"]) == list(y["ImageId_ClassId"])
    return flipped_share(x["EncodedPixels"], y["EncodedPixels"], IMAGE_SHAPE)


def _load(exported, runtime, threads=None):
    """load_exported, skipping OpenVINO where it is not installed (it is not a requirement)."""
    from steeldefect.delivery.deploy.model import load_exported

    if runtime == "openvino":
        pytest.importorskip("openvino")
    return load_exported(exported, runtime, threads=threads)


@pytest.fixture(scope="module")
def keras_ensemble(deploy_ensemble):
    return deploy_ensemble


def _images(folder):
    ids = list_images(folder)
    return ids, np.stack([read_image(folder / i) for i in ids])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_outputs_match_predict(exported, keras_ensemble, tiny_dataset, runtime):
    from steeldefect.prediction.predict import load_views

    folder = tiny_dataset / "test_images"
    ids, raw = _images(folder)
    views = load_views([folder / i for i in ids], keras_ensemble.input_sizes)
    gate, probs = _load(exported, runtime, threads=1).run(raw)
    assert probs.shape == (len(ids), 32, 192, 4)
    assert np.abs(probs - keras_ensemble.segment(views)).max() <= TOLERANCE
    assert np.abs(gate - keras_ensemble.classify(views)).max() <= TOLERANCE


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_submission_is_byte_identical(exported, keras_ensemble, tiny_dataset, deploy_thresholds, tmp_path, runtime):
    from steeldefect.delivery.deploy.results import outputs_table
    from steeldefect.artifacts.thresholds_file import load_thresholds
    from steeldefect.prediction.predict import PredictOptions, predict_images

    folder = tiny_dataset / "test_images"
    ids, raw = _images(folder)
    thresholds = load_thresholds(deploy_thresholds)
    report = predict_images(ids, folder, keras_ensemble, thresholds, tmp_path / "predict.csv",
                            PredictOptions(batch_size=4))
    model = _load(exported, runtime)
    gate, probs = model.run(raw)
    table = outputs_table(ids, gate, probs, model.thresholds, [im.shape[:2] for im in raw])
    write_submission(table[["ImageId", *RLE_COLUMNS]], tmp_path / "exported.csv")
    if runtime != "tf":  # see testkit.exactness; the probabilities are within TOLERANCE (test above)
        assert _mask_difference(tmp_path / "exported.csv", tmp_path / "predict.csv") <= MAX_FLIPPED
    else:
        assert (tmp_path / "exported.csv").read_bytes() == (tmp_path / "predict.csv").read_bytes()
    rows = pd.read_csv(tmp_path / "predict_images.csv")
    assert rows["gated"].sum() == table["gated"].sum() == report.n_gated


def test_other_image_size_masks_at_input_size(exported, keras_ensemble, tiny_dataset, deploy_thresholds, tmp_path):
    """A 128x800 camera: predict and the exported model (ONNX Runtime) both answer at 128x800, with the
    same masks but for pixels on a threshold (testkit.exactness)."""
    from steeldefect.data.rle import rle_decode
    from steeldefect.delivery.deploy.model import load_exported
    from steeldefect.delivery.deploy.results import predict_json
    from steeldefect.pipeline.preprocess import resize_image
    from steeldefect.artifacts.thresholds_file import load_thresholds
    from steeldefect.prediction.predict import predict_images

    small = tmp_path / "small"
    small.mkdir()
    ids, raw = _images(tiny_dataset / "test_images")
    for i, image in zip(ids, raw):
        write_jpeg(small / i, resize_image(image, (128, 800)))
    predict_images(ids, small, keras_ensemble, load_thresholds(deploy_thresholds), tmp_path / "sub.csv")
    rows = pd.read_csv(tmp_path / "sub_images.csv")
    assert set(rows["height"]) == {128} and set(rows["width"]) == {800}
    sub = pd.read_csv(tmp_path / "sub.csv", keep_default_na=False)
    served = predict_json(load_exported(exported, "onnx"), [read_image(small / i) for i in ids])
    nonempty = 0
    for i, result in zip(ids, served):
        assert (result["height"], result["width"]) == (128, 800)
        for entry in result["classes"]:
            rle = sub.loc[sub["ImageId_ClassId"] == f"{i}_{entry['class_id']}", "EncodedPixels"].item()
            assert flipped_share([entry["rle"]], [rle], (128, 800)) <= MAX_FLIPPED
            assert entry["area"] == int(rle_decode(entry["rle"], (128, 800)).sum())
            nonempty += bool(rle)
    assert nonempty > 0  # the thresholds keep some masks: the comparison covered real RLE


def test_kaggle_path_requires_strip_size(keras_ensemble, tiny_dataset, deploy_thresholds, tmp_path):
    from steeldefect.constants import IMAGE_SHAPE
    from steeldefect.artifacts.thresholds_file import load_thresholds
    from steeldefect.prediction.predict import predict_images

    small = tmp_path / "small"
    small.mkdir()
    write_jpeg(small / "a.jpg", np.zeros((128, 800, 3), np.uint8))
    with pytest.raises(SteelDefectError, match="is 128x800; a Kaggle submission .* needs 256x1600"):
        predict_images(["a.jpg"], small, keras_ensemble, load_thresholds(deploy_thresholds), tmp_path / "s.csv",
                       required_shape=IMAGE_SHAPE)


def test_manifest_records_and_verifies(exported, tmp_path):
    import shutil

    from steeldefect.artifacts.export_manifest import read_manifest

    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["format_version"] == 2
    assert manifest["input"]["dtype"] == "uint8" and manifest["input"]["max_height"] == 512
    assert manifest["input"]["resize"] == "outside"  # the caller resizes with OpenCV, as predict does
    assert manifest["input"]["tensors"] == [{"name": "images_32x192", "shape": [None, 32, 192, 3]}]
    assert {r["kind"] for r in manifest["runs"]} == {"classifier", "segmenter"} and len(manifest["runs"]) == 2
    versions = set(manifest["versions"])
    assert {"keras", "tf2onnx", "onnxruntime"} <= versions and versions & {"tensorflow", "tensorflow-cpu"}
    assert "model.onnx" in manifest["checksums"] and "thresholds.yaml" in manifest["checksums"]
    assert sorted(manifest["onnx"]["outputs"]) == ["gate", "probs"]
    assert manifest["dataset"]["class_names"] == ["class 1", "class 2", "class 3", "class 4"]  # Severstal's
    assert manifest["dataset"]["n_classes"] == manifest["outputs"]["probs"][-1] == 4
    copy = tmp_path / "copy"
    shutil.copytree(exported, copy)
    read_manifest(copy)
    with open(copy / "thresholds.yaml", "a") as fh:
        fh.write("# edited\n")
    with pytest.raises(SteelDefectError, match="thresholds.yaml does not match its manifest checksum"):
        read_manifest(copy)


def test_the_graph_takes_images_at_the_models_size(exported):
    import onnx

    graph = onnx.load(str(exported / "model.onnx")).graph
    dims = [[d.dim_value or d.dim_param for d in i.type.tensor_type.shape.dim] for i in graph.input]
    assert [i.name for i in graph.input] == ["images_32x192"] and dims[0][1:] == [32, 192, 3]


def test_an_older_export_that_resizes_inside_is_refused_in_one_line(exported, tmp_path):
    import shutil

    from steeldefect.delivery.deploy.model import load_exported

    old = tmp_path / "old"
    shutil.copytree(exported, old)
    manifest = json.loads((old / "manifest.json").read_text())
    manifest["format_version"] = 1
    manifest["input"] = {"name": "images", "dtype": "uint8", "shape": [None, None, None, 3], "channels": "RGB",
                         "max_height": 512, "max_width": 3200,
                         "resize": "inside the graph, as predict does (OpenCV INTER_AREA shrinking, linear enlarging)"}
    (old / "manifest.json").write_text(json.dumps(manifest))
    needle = "older export whose graph resizes images inside.*export it again with `steeldefect export`"
    with pytest.raises(SteelDefectError, match=needle) as err:
        load_exported(old, "onnx")
    assert "\n" not in str(err.value)
