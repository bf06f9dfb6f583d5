"""Fixtures of the training tests (helpers live in training_fixtures, a uniquely named module)."""

from __future__ import annotations

import pytest

from training_fixtures import register_tiny_backbone, write_synthetic_set


@pytest.fixture(scope="session")
def tiny_backbone():
    return register_tiny_backbone()


@pytest.fixture(scope="module")
def synth_set(tmp_path_factory):
    return write_synthetic_set(tmp_path_factory.mktemp("synth") / "data")
