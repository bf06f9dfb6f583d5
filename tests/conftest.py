"""Shared fixtures: paths to the real competition files beside the project."""

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
