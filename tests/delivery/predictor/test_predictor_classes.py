"""The Predictor follows the dataset the models were trained on: tiny runs of three named classes
(recorded in their meta.json), exported by the `export` stage, answer with three named classes at each
image's own size, from the export and from the runs alike."""

from __future__ import annotations

import numpy as np
import pytest

from steeldefect import Predictor
from steeldefect.artifacts.export_manifest import read_manifest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(class_runs, tmp_path_factory):
    """The three-class runs exported to ONNX by the export stage."""
    pytest.importorskip("tf2onnx")
    from steeldefect.stages import ExportArgs, export

    out = tmp_path_factory.mktemp("export") / "model"
    export(ExportArgs(runs=class_runs.runs, thresholds=class_runs.thresholds, out=out, formats=("onnx",)))
    return out


def test_the_manifest_records_the_three_classes(class_runs, exported):
    manifest = read_manifest(exported)
    assert manifest.class_names == class_runs.names and manifest.n_classes == 3
    assert manifest.outputs["probs"] == [None, *class_runs.input, 3]


def test_results_have_three_named_classes_at_the_images_size(class_runs, exported):
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (192, 768, 3), dtype=np.uint8), rng.integers(0, 256, (100, 300), dtype=np.uint8)]
    from_export = Predictor.from_export(exported)
    from_runs = Predictor.from_runs(class_runs.runs, class_runs.thresholds)
    assert from_export.class_names == from_runs.class_names == class_runs.names
    a, b = from_export.predict_batch(images), from_runs.predict_batch(images)
    assert [(r.height, r.width) for r in a] == [(192, 768), (100, 300)]
    assert a[0].masks().shape == (192, 768, 3) and a[1].masks().shape == (100, 300, 3)
    for x, y in zip(a, b):
        assert [c.class_name for c in x.classes] == list(class_runs.names)
        assert [c.class_id for c in x.classes] == [1, 2, 3]
        assert [c.rle for c in x.classes] == [c.rle for c in y.classes]
        assert x.to_dict()["classes"][2]["class_name"] == "stain"
    assert any(c.area for r in a for c in r.classes)  # the comparison covered real masks


def test_thresholds_of_another_class_count_are_refused(class_runs, tmp_path):
    from steeldefect.artifacts.thresholds_file import save_thresholds
    from steeldefect.errors import SteelDefectError
    from steeldefect.postprocess.rules import Thresholds

    save_thresholds(Thresholds(resolution=class_runs.input), tmp_path / "four.yaml")
    with pytest.raises(SteelDefectError, match="segmenters predict 3 classes and .* has 4"):
        Predictor.from_runs(class_runs.runs, tmp_path / "four.yaml")


def test_export_refuses_thresholds_of_another_class_count(class_runs, tmp_path):
    from steeldefect.artifacts.thresholds_file import save_thresholds
    from steeldefect.errors import SteelDefectError
    from steeldefect.postprocess.rules import Thresholds
    from steeldefect.stages import ExportArgs, export

    save_thresholds(Thresholds(resolution=class_runs.input), tmp_path / "four.yaml")
    with pytest.raises(SteelDefectError, match="four.yaml has 4 classes and the segmenters predict 3"):
        export(ExportArgs(runs=class_runs.runs, thresholds=tmp_path / "four.yaml", out=tmp_path / "x",
                          formats=("onnx",)))
    assert not (tmp_path / "x").exists()
