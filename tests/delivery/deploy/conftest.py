"""Fixtures of the deploy tests: tiny runs exported once (SavedModel and ONNX), their thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest

from steeldefect.artifacts.thresholds_file import save_thresholds
from steeldefect.postprocess.rules import ClassThresholds, Thresholds

TEST_MAX_INPUT = (512, 3200)  # the tiny export takes images up to this; larger ones are refused (413)


@pytest.fixture(scope="session")
def deploy_thresholds(tmp_path_factory) -> Path:
    """Thresholds for the tiny runs (32x192) that exercise every rule: hard and soft gates, minimum
    areas and components, two levels, and a review band."""
    classes = (ClassThresholds(0.5, 0, 0.0),
               ClassThresholds(0.45, 200, 0.5),
               ClassThresholds(0.5, 400, 0.5, min_component=100, gate_area_factor=2.0),
               ClassThresholds(0.4, 300, 0.3, survival_threshold=0.55))
    path = tmp_path_factory.mktemp("thresholds") / "thresholds.yaml"
    save_thresholds(Thresholds(classes=classes, resolution=(32, 192),
                               tuned={"review_band": {"printed": [0.45, 0.55], "empty": False}}), path)
    return path


@pytest.fixture(scope="session")
def deploy_runs(tmp_path_factory) -> Path:
    """Tiny runs of one fold (a classifier and a segmenter, 32x192): the exported graph holds every
    model once per TTA view, and converting it to ONNX takes time per model."""
    pytest.importorskip("keras")
    from testkit.tiny_runs import write_tiny_runs

    return write_tiny_runs(tmp_path_factory.mktemp("deploy") / "runs", folds=1)


@pytest.fixture(scope="session")
def deploy_ensemble(deploy_runs):
    """The deploy runs loaded for `predict`, with hflip TTA (two views)."""
    from steeldefect.prediction.keras_ensemble import load_ensemble

    return load_ensemble(deploy_runs, tta="hflip", reducer="mean")


@pytest.fixture(scope="session")
def exported(deploy_runs, deploy_ensemble, deploy_thresholds, tmp_path_factory) -> Path:
    """The deploy runs exported with hflip TTA (both formats)."""
    pytest.importorskip("tf2onnx")
    from steeldefect.delivery.deploy.export import export_ensemble

    ensemble = deploy_ensemble
    out = tmp_path_factory.mktemp("export") / "model"
    export_ensemble(ensemble, deploy_thresholds, out, ("savedmodel", "onnx"), TEST_MAX_INPUT, runs_dir=deploy_runs)
    return out
