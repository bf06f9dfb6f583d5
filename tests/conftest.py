"""Shared fixtures: the real competition files beside the project, tiny runs and datasets, OOF cases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "real"  # real Kaggle files; CI has ../shared beside the project


@pytest.fixture(scope="session")
def real_dir() -> Path:
    if not REAL.is_dir():
        pytest.skip(f"real competition files not found at {REAL}")
    return REAL


@pytest.fixture
def oof_case():
    """``make_oof_case(seed, ...)``: a random OOF set (see testkit.oof_cases)."""
    from testkit.oof_cases import make_oof_case

    return make_oof_case


@pytest.fixture
def oof_runs():
    """``write_oof_runs(runs, case, k)``: an OOF case as a RUNS tree (see testkit.oof_cases)."""
    from testkit.oof_cases import write_oof_runs

    return write_oof_runs


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> Path:
    """RUNS with a tiny untrained classifier and segmenter (efficientnetb0, 32x192), 2 folds each."""
    pytest.importorskip("keras")
    from testkit.tiny_runs import write_tiny_runs

    return write_tiny_runs(tmp_path_factory.mktemp("tiny") / "runs", folds=2)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """A synthetic dataset folder (Kaggle layout) with 2 training and 6 test images."""
    from steeldefect.synth import generate_dataset

    out = tmp_path_factory.mktemp("synth") / "data"
    generate_dataset(out, 2, 6, seed=0, progress=False)
    return out
