"""Fixtures of the EDA tests: a small dataset folder made of the ten real images."""

from __future__ import annotations

from pathlib import Path

import pytest

from testkit.recycled_labels import write_demo_folder


@pytest.fixture(scope="session")
def real_folder(real_dir, tmp_path_factory) -> Path:
    """train_images/ = the ten real images; train.csv = their real classes with real masks."""
    return write_demo_folder(real_dir, tmp_path_factory.mktemp("real_folder"))
