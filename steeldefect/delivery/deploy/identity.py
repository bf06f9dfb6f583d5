"""Which model answered: a name and a short version, carried by every answer and by /metrics.

The name is the export folder's (``steeldefect export --out runs/line3/export-2026-12`` answers as
``export-2026-12``). The version is the first 12 hex digits of the sha256 of the manifest's file
checksums (the graph, the thresholds, the post-processing settings), so it is the same for the same
files wherever the folder is copied, and changes when any of them changes.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

VERSION_DIGITS = 12  # hex digits of the version: short like a git sha, enough to tell exports apart


@dataclass(frozen=True)
class ModelIdentity:
    name: str  # the export folder's name
    version: str  # 12 hex digits of the sha256 of the export's file checksums

    def to_dict(self) -> dict[str, str]:
        """The ``"model"`` entry of the server's answers: ``{"name": ..., "version": ...}``."""
        return asdict(self)


def files_version(checksums: dict[str, str]) -> str:
    """The short version of an export whose files have these sha256 ``checksums`` (path -> hex)."""
    text = json.dumps(dict(sorted(checksums.items())), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:VERSION_DIGITS]


def model_identity(folder: str | os.PathLike, manifest) -> ModelIdentity:
    """The identity of the export in ``folder`` with this ``ExportManifest``."""
    return ModelIdentity(Path(folder).resolve().name, files_version(manifest.checksums))
