"""The Python API: ``Predictor`` from an export folder and from runs + thresholds gives the answers of
`serve` and `predict`, for paths and arrays of any size; bad input is one clear error."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from steeldefect import Predictor
from steeldefect.constants import CLASS_IDS
from steeldefect.errors import SteelDefectError
from testkit.exactness import MAX_FLIPPED, flipped_share

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Tiny runs (a five-convolution backbone), thresholds that keep masks, and their ONNX export."""
    pytest.importorskip("tf2onnx")
    import sys

    from steeldefect.delivery.deploy.export import export_ensemble
    from steeldefect.artifacts.thresholds_file import save_thresholds
    from steeldefect.postprocess.rules import ClassThresholds, Thresholds
    from steeldefect.prediction.keras_ensemble import load_ensemble
    from testkit.tiny_runs import TINY_INPUT, write_tiny_runs

    sys.path.insert(0, str(ROOT / "training"))
    from training_fixtures import register_tiny_backbone

    root = tmp_path_factory.mktemp("predictor")
    runs = write_tiny_runs(root / "runs", backbone=register_tiny_backbone(), folds=1)
    thresholds = root / "thresholds.yaml"
    save_thresholds(Thresholds(classes=tuple(ClassThresholds(0.5, 0, 0.0) for _ in CLASS_IDS), resolution=TINY_INPUT),
                    thresholds)
    export = root / "export"
    export_ensemble(load_ensemble(runs), thresholds, export, ("onnx",), (512, 3200), runs_dir=runs)
    return runs, thresholds, export


def test_from_export_answers_as_serve_does(tiny, tiny_dataset):
    from steeldefect.delivery.deploy.model import load_exported
    from steeldefect.delivery.deploy.results import predict_json
    from steeldefect.data.images import read_image

    _, _, export = tiny
    predictor = Predictor.from_export(export)
    paths = sorted((tiny_dataset / "test_images").iterdir())[:3]
    results = predictor.predict_batch(paths)
    served = predict_json(load_exported(export, "onnx"), [read_image(p) for p in paths])
    assert [r.to_dict() for r in results] == served
    one = predictor.predict(paths[0])
    assert one == results[0] and (one.height, one.width) == (256, 1600)
    assert [c.class_id for c in one.classes] == list(CLASS_IDS)
    assert [c.class_name for c in one.classes] == [f"class {c}" for c in CLASS_IDS] == list(predictor.class_names)
    assert one.masks().shape == (256, 1600, len(CLASS_IDS))
    assert [int(m.sum()) for m in np.moveaxis(one.masks(), -1, 0)] == [c.area for c in one.classes]
    assert any(c.decision == "defect" for r in results for c in r.classes)  # the thresholds keep masks


def test_from_runs_agrees_with_the_export_and_takes_any_size(tiny, tiny_dataset):
    from steeldefect.data.images import read_image
    from steeldefect.pipeline.preprocess import resize_image

    runs, thresholds, export = tiny
    keras_predictor, exported = Predictor.from_runs(runs, thresholds), Predictor.from_export(export)
    image = read_image(sorted((tiny_dataset / "test_images").iterdir())[0])
    small = resize_image(image, (128, 800))
    grey = small[:, :, 0]
    a, b = keras_predictor.predict_batch([image, small]), exported.predict_batch([image, small])
    assert [r.height for r in a] == [256, 128]
    for x, y in zip(a, b):
        assert flipped_share([c.rle for c in x.classes], [c.rle for c in y.classes], (x.height, x.width)) <= MAX_FLIPPED
        assert [c.probability for c in x.classes] == pytest.approx([c.probability for c in y.classes], abs=1e-4)
        assert x.gate_probability == pytest.approx(y.gate_probability, abs=1e-5)
    assert keras_predictor.predict(grey).height == 128  # a grey strip is taken as RGB
    assert "runs" in repr(keras_predictor)


def test_bad_input_is_one_clear_error(tiny, tmp_path):
    _, thresholds, export = tiny
    predictor = Predictor.from_export(export)
    with pytest.raises(SteelDefectError, match=r"expected an RGB image"):
        predictor.predict(np.zeros((4, 5, 2), np.uint8))
    with pytest.raises(SteelDefectError, match="expected uint8"):
        predictor.predict(np.zeros((32, 192, 3), np.float32))
    with pytest.raises(SteelDefectError, match="up to 512x3200"):
        predictor.predict(np.zeros((600, 200, 3), np.uint8))
    assert predictor.predict_batch([]) == []
    with pytest.raises(SteelDefectError):
        Predictor.from_export(tmp_path / "nowhere")
    with pytest.raises(SteelDefectError):
        Predictor.from_runs(tmp_path / "nowhere", thresholds)


@pytest.mark.parametrize("runtime", ["onnx", "openvino"])
def test_from_export_takes_a_runtime_and_a_thread_count(tiny, tiny_dataset, runtime):
    if runtime == "openvino":
        pytest.importorskip("openvino")  # no requirement: installed only where it is wanted
    _, _, export = tiny
    paths = sorted((tiny_dataset / "test_images").iterdir())[:2]
    one = Predictor.from_export(export, runtime=runtime, threads=1)
    assert f"({runtime})" in repr(one)
    default = Predictor.from_export(export).predict_batch(paths)
    for x, y in zip(one.predict_batch(paths), default):
        assert [c.probability for c in x.classes] == pytest.approx([c.probability for c in y.classes], abs=1e-5)
    with pytest.raises(SteelDefectError, match="--threads 0: need 1 or more"):
        Predictor.from_export(export, threads=0)
