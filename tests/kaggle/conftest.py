"""Fixtures of the Kaggle packaging tests: tiny untrained runs and a tiny synthetic dataset."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> Path:
    """RUNS with a tiny untrained classifier and segmenter (efficientnetb0, 32x192), one fold each."""
    pytest.importorskip("keras")
    from steeldefect.ensemble.tiny_runs import write_tiny_runs

    return write_tiny_runs(tmp_path_factory.mktemp("tiny") / "runs", folds=1)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """A synthetic dataset folder (Kaggle layout) with 2 training and 6 test images."""
    from steeldefect.synth import generate_dataset

    out = tmp_path_factory.mktemp("synth") / "data"
    generate_dataset(out, 2, 6, seed=0, progress=False)
    return out
