"""Fixtures of the delivery tests: tiny runs of a dataset other than Severstal's (three named classes)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from steeldefect.artifacts.run_folder import DONE_FILE, MODEL_FILE
from steeldefect.artifacts.run_meta import RunMeta, write_meta
from steeldefect.artifacts.thresholds_file import save_thresholds
from steeldefect.postprocess.rules import ClassThresholds, Thresholds

ROOT = Path(__file__).resolve().parents[1]
CLASS_NAMES = ("scratch", "pit", "stain")  # the three-class dataset's classes
CLASS_INPUT = (32, 192)  # the tiny three-class models' input (h, w)


def write_class_runs(runs: Path, names=CLASS_NAMES, input_size=CLASS_INPUT) -> Path:
    """A one-output classifier and a segmenter of ``len(names)`` classes on the five-convolution tiny
    backbone, saved as finished runs whose meta.json records the class names. Returns ``runs``."""
    import keras

    from steeldefect.models.classifier import build_classifier
    from steeldefect.models.segmenter import build_segmenter

    sys.path.insert(0, str(ROOT / "training"))
    from training_fixtures import register_tiny_backbone

    backbone = register_tiny_backbone()
    keras.utils.set_random_seed(0)
    shape = (*input_size, 3)
    models = {"segmenter": build_segmenter(backbone, shape, decoder="unet", decoder_filters=(16, 8, 8, 4, 4),
                                           n_classes=len(names)),
              "classifier": build_classifier(backbone, shape, n_outputs=1)}
    for kind, model in models.items():
        run = runs / kind / backbone / "fold0"
        run.mkdir(parents=True)
        model.save(run / MODEL_FILE)
        write_meta(run, RunMeta(kind=kind, backbone=backbone, member=backbone, fold=0, input_size=tuple(input_size),
                                class_names=tuple(names)))
        (run / DONE_FILE).write_text("tiny run\n")
    return runs


@pytest.fixture(scope="session")
def class_runs(tmp_path_factory):
    """runs, thresholds (runs/thresholds.yaml, keeping every mask), names and input of three-class tiny runs."""
    pytest.importorskip("keras")
    runs = write_class_runs(tmp_path_factory.mktemp("classes") / "runs")
    thresholds = runs / "thresholds.yaml"
    save_thresholds(Thresholds(classes=tuple(ClassThresholds(0.5, 0, 0.0) for _ in CLASS_NAMES),
                               resolution=CLASS_INPUT), thresholds)
    return SimpleNamespace(runs=runs, thresholds=thresholds, names=CLASS_NAMES, input=CLASS_INPUT)
