"""Fixtures of the pipeline tests (helpers live in pipeline_fixtures, a uniquely named module)."""

from __future__ import annotations

import pytest

from pipeline_fixtures import write_painted_dataset


@pytest.fixture(scope="module")
def painted(tmp_path_factory):
    return write_painted_dataset(tmp_path_factory.mktemp("painted"))
