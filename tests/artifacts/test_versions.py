"""The one version check every artifact reader applies."""

from __future__ import annotations

import pytest

from steeldefect.artifacts.versions import check_version
from steeldefect.errors import SteelDefectError


def test_missing_means_the_current_version_and_newer_is_refused(refused):
    assert check_version("f.json", None, 1) == 1 and check_version("f.json", 1, 1) == 1
    assert check_version("f.json", "1", 1) == 1
    refused("f.json", lambda: check_version("f.json", 3, 1), version=3)
    with pytest.raises(SteelDefectError, match="not a whole number"):
        check_version("f.json", "x", 1)
