"""The service follows the dataset: K classes named by the export manifest, masks at each image's own
size. An ``ExportedModel`` with a scripted runtime (no graph) stands in for an export, so the JSON and
the HTTP app are checked in seconds; ``test_deploy_server.py`` runs the real one."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from steeldefect.artifacts.dataset_file import KAGGLE, DatasetSpec, ImageSize
from steeldefect.artifacts.export_manifest import (ExportManifest, ExportSettings, dataset_entry,
                                                   exported_thresholds_path, write_manifest, write_settings)
from steeldefect.artifacts.thresholds_file import save_thresholds
from steeldefect.data.rle import rle_decode
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.rules import ClassThresholds, Thresholds

pytest.importorskip("tensorflow")
from steeldefect.delivery.deploy.model import ExportedModel, load_exported  # noqa: E402  (needs TensorFlow)
from steeldefect.delivery.deploy.results import predict_json  # noqa: E402

OUT_SIZE = (32, 192)  # the scripted segmenters' output size
LINE3 = DatasetSpec(("scratch", "pit", "stain"), (ImageSize(192, 768, 10), ImageSize(160, 640, 4)), "line3")
JSON_KEYS = ["class_id", "class_name", "decision", "probability", "area", "rle", "boxes"]


class ScriptedRuntime:
    """Probability maps of K classes at OUT_SIZE: class 1 a block, class 2 nothing, class 3 a block on
    bright images only; a one-output gate of 0.9."""

    name = "scripted"

    def __init__(self, n_classes: int):
        self.n_classes = n_classes

    def __call__(self, images: np.ndarray) -> dict[str, np.ndarray]:
        probs = np.full((len(images), *OUT_SIZE, self.n_classes), 0.05, np.float32)
        probs[:, 4:12, 10:50, 0] = 0.9
        bright = images.reshape(len(images), -1).mean(axis=1) > 100
        probs[bright, 20:28, 100:180, -1] = 0.8
        return {"probs": probs, "gate": np.full((len(images), 1), 0.9, np.float32)}


def scripted_model(folder, dataset: DatasetSpec) -> ExportedModel:
    """An ExportedModel of ``dataset``'s classes whose runtime is ScriptedRuntime."""
    thresholds = Thresholds(classes=tuple(ClassThresholds(0.5, 0, 0.0) for _ in dataset.class_names),
                            resolution=OUT_SIZE)
    settings = ExportSettings(None, (512, 3200), OUT_SIZE, "image", 1)
    manifest = ExportManifest(dataset=dataset_entry(dataset))
    return ExportedModel(folder, manifest, thresholds, settings, ScriptedRuntime(dataset.n_classes), dataset)


def _image(shape, value: int) -> np.ndarray:
    return np.full((*shape, 3), value, np.uint8)


def test_json_names_the_k_classes_at_each_images_size(tmp_path):
    model = scripted_model(tmp_path, LINE3)
    answers = predict_json(model, [_image((192, 768), 200), _image((160, 640), 10), _image((192, 768), 10)])
    assert [(a["height"], a["width"]) for a in answers] == [(192, 768), (160, 640), (192, 768)]
    for a in answers:
        assert [c["class_id"] for c in a["classes"]] == [1, 2, 3]
        assert [c["class_name"] for c in a["classes"]] == ["scratch", "pit", "stain"]
        assert all(list(c) == JSON_KEYS for c in a["classes"])
        for c in a["classes"]:
            mask = rle_decode(c["rle"], (a["height"], a["width"]))
            assert mask.sum() == c["area"] == sum(b["area"] for b in c["boxes"])
    first = answers[0]["classes"]
    assert [c["decision"] for c in first] == ["defect", "clean", "defect"]
    assert [c["decision"] for c in answers[2]["classes"]] == ["defect", "clean", "clean"]  # dark: no class 3
    box = first[0]["boxes"][0]  # the block at rows 4:12, cols 10:50 of 32x192, scaled 6x and 4x
    assert (box["y"], box["height"]) == (24, 48) and (box["x"], box["width"]) == (40, 160)


def test_results_api_gives_masks_at_the_images_size(tmp_path):
    from steeldefect.delivery.deploy.results import predict_results

    result = predict_results(scripted_model(tmp_path, LINE3), [_image((160, 640), 200)])[0]
    assert result.masks().shape == (160, 640, 3)
    assert [c.class_name for c in result.classes] == list(LINE3.class_names)
    assert [int(m.sum()) for m in np.moveaxis(result.masks(), -1, 0)] == [c.area for c in result.classes]


def test_severstal_json_only_gains_the_class_name(tmp_path):
    answer = predict_json(scripted_model(tmp_path, KAGGLE), [_image((256, 1600), 200)])[0]
    assert list(answer) == ["height", "width", "gate_probability", "review", "classes"]
    assert [c["class_name"] for c in answer["classes"]] == ["class 1", "class 2", "class 3", "class 4"]
    assert all(list(c) == JSON_KEYS for c in answer["classes"])


def test_load_refuses_thresholds_of_another_class_count(tmp_path):
    write_settings(tmp_path, ExportSettings(None, (512, 3200), OUT_SIZE, "image", 1))
    save_thresholds(Thresholds(resolution=OUT_SIZE), exported_thresholds_path(tmp_path))  # Severstal's four
    write_manifest(tmp_path, ExportManifest(dataset=dataset_entry(LINE3)))
    with pytest.raises(SteelDefectError, match="thresholds have 4 classes but its manifest names 3"):
        load_exported(tmp_path, "onnx")


@pytest.fixture
def client(tmp_path):
    testclient = pytest.importorskip("fastapi.testclient")
    pytest.importorskip("prometheus_client")
    from steeldefect.delivery.deploy.app import create_app

    with testclient.TestClient(create_app(scripted_model(tmp_path, LINE3), max_batch=4)) as c:
        yield c


def test_the_app_answers_with_class_names_at_the_uploads_size(client):
    png = cv2.imencode(".png", _image((192, 768), 200))[1].tobytes()
    r = client.post("/v1/predict", files={"image": ("a.png", png, "image/png")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["height"], body["width"]) == (192, 768)
    assert [c["class_name"] for c in body["classes"]] == ["scratch", "pit", "stain"]
    small = cv2.imencode(".png", _image((160, 640), 200))[1].tobytes()
    r = client.post("/v1/predict/batch", files=[("images", ("a.png", png, "image/png")),
                                                ("images", ("b.png", small, "image/png"))])
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [(x["height"], x["width"]) for x in results] == [(192, 768), (160, 640)]
    assert results[1]["classes"][2]["class_name"] == "stain" and results[1]["classes"][2]["area"] > 0


def test_openapi_describes_the_class_name(client):
    spec = json.loads(client.get("/openapi.json").text)
    for path in ("/v1/predict", "/v1/predict/batch"):
        assert "class_name" in spec["paths"][path]["post"]["description"]
    assert "3 classes" in spec["info"]["description"] and "'scratch'" in spec["info"]["description"]


def test_warmup_is_at_the_datasets_most_common_size(tmp_path):
    from steeldefect.delivery.deploy.app import warmup_shape

    assert warmup_shape(scripted_model(tmp_path, LINE3)) == (192, 768, 3)
    assert warmup_shape(scripted_model(tmp_path, DatasetSpec(("a",)))) == (256, 1600, 3)  # sizes unrecorded
