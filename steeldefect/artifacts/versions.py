"""The format version every artifact records, and the one check its reader applies."""

from __future__ import annotations

import os

from steeldefect.errors import SteelDefectError

VERSION_KEY = "format_version"  # the YAML / JSON key (and npz array) holding a file's format version


def check_version(source: str | os.PathLike, found, supported: int) -> int:
    """The version a file records (``supported`` when it records none: files written before versions
    were recorded); a newer or malformed one is one SteelDefectError line naming the file."""
    if found is None:
        return supported
    if isinstance(found, bool) or not isinstance(found, int):
        try:
            found = int(found)
        except (TypeError, ValueError):
            raise SteelDefectError(f"{source}: {VERSION_KEY} {found!r} is not a whole number") from None
    if found > supported:
        raise SteelDefectError(f"{source}: format version {found} is newer than this steeldefect reads "
                               f"(up to {supported}); upgrade steeldefect")
    return found
