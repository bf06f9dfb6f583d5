"""An ensemble whose members take different input sizes (a 32x192 classifier, a 64x384 segmenter):
the graph takes one input per size, the service resizes each image to both with OpenCV, and the
answers equal `predict`'s."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from steeldefect.data.images import list_images, read_image

pytestmark = pytest.mark.slow

TOLERANCE = 1e-4  # the bound on |exported - predict|
CLASSIFIER_INPUT, SEGMENTER_INPUT = (32, 192), (64, 384)


@pytest.fixture(scope="module")
def two_sizes(tmp_path_factory):
    """(runs, ensemble, export folder): the classifier of tiny runs at 32x192, the segmenter of tiny runs at 64x384."""
    pytest.importorskip("tf2onnx")
    from steeldefect.artifacts.thresholds_file import save_thresholds
    from steeldefect.delivery.deploy.export import export_ensemble
    from steeldefect.postprocess.rules import ClassThresholds, Thresholds
    from steeldefect.prediction.keras_ensemble import load_ensemble
    from testkit.tiny_runs import write_tiny_runs

    root = tmp_path_factory.mktemp("sizes")
    small = write_tiny_runs(root / "small", input_size=CLASSIFIER_INPUT, folds=1)
    large = write_tiny_runs(root / "large", input_size=SEGMENTER_INPUT, folds=1, classifier_outputs=None, seed=1)
    runs = root / "runs"
    shutil.copytree(small / "classifier", runs / "classifier")
    shutil.copytree(large / "segmenter", runs / "segmenter")
    thresholds = root / "thresholds.yaml"
    save_thresholds(Thresholds(classes=tuple(ClassThresholds(0.5, 0, 0.0) for _ in range(4)),
                               resolution=SEGMENTER_INPUT), thresholds)
    ensemble = load_ensemble(runs, tta="hflip", reducer="mean")
    out = root / "export"
    export_ensemble(ensemble, thresholds, out, ("savedmodel", "onnx"), (512, 3200), runs_dir=runs)
    return runs, ensemble, out


def test_the_manifest_names_one_input_per_size(two_sizes):
    from steeldefect.artifacts.export_manifest import read_manifest

    _, _, out = two_sizes
    inputs = read_manifest(out).graph_inputs()
    assert [(g.name, g.size) for g in inputs] == [("images_32x192", CLASSIFIER_INPUT),
                                                  ("images_64x384", SEGMENTER_INPUT)]


@pytest.mark.parametrize("runtime", ["tf", "onnx"])
def test_outputs_match_predict_at_both_sizes(two_sizes, tiny_dataset, runtime):
    from steeldefect.delivery.deploy.model import load_exported
    from steeldefect.prediction.predict import load_views

    _, ensemble, out = two_sizes
    folder = tiny_dataset / "test_images"
    ids = list_images(folder)
    raw = np.stack([read_image(folder / i) for i in ids])
    views = load_views([folder / i for i in ids], ensemble.input_sizes)
    gate, probs = load_exported(out, runtime).run(raw)
    assert probs.shape == (len(ids), *SEGMENTER_INPUT, 4) and gate.shape == (len(ids),)
    assert np.abs(probs - ensemble.segment(views)).max() <= TOLERANCE
    assert np.abs(gate - ensemble.classify(views)).max() <= TOLERANCE
