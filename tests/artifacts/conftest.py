"""What every artifact reader shares: a newer file is one line naming the file and the version."""

from __future__ import annotations

import re

import pytest

from steeldefect.errors import SteelDefectError


def newer_refused(path, read, version: int = 2):
    """``read()`` raises one SteelDefectError line naming ``path`` and ``version``."""
    with pytest.raises(SteelDefectError) as info:
        read()
    message = str(info.value)
    assert "\n" not in message
    assert re.search(rf"format version {version} is newer than this steeldefect reads \(up to 1\); "
                     r"upgrade steeldefect", message), message
    assert str(path) in message, message


@pytest.fixture
def refused():
    return newer_refused
