"""manifest.json of an exported model folder: what it is, what it was made from, what it takes, and
the checksum of every file beside it (checked when the folder is loaded).

Layout of an export folder (``steeldefect export --out DIR``)::

    DIR/savedmodel/        the ensemble graph (TensorFlow SavedModel, endpoint "serve")
    DIR/model.onnx         the same graph in ONNX (with --format onnx)
    DIR/thresholds.yaml    the tuned thresholds, copied byte for byte
    DIR/postprocess.yaml   the post-processing settings the server applies (review band, sizes)
    DIR/manifest.json      this file
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from steeldefect.data.io import atomic_write
from steeldefect.errors import SteelDefectError

FORMAT = "steeldefect-export/1"  # the format tag of manifest.json
MANIFEST_FILE = "manifest.json"
SAVEDMODEL_DIR = "savedmodel"
ONNX_FILE = "model.onnx"
THRESHOLDS_FILE = "thresholds.yaml"
POSTPROCESS_FILE = "postprocess.yaml"
FORMATS = {"savedmodel": SAVEDMODEL_DIR, "onnx": ONNX_FILE}  # --format name -> what it writes
HASH_CHUNK = 1 << 20  # bytes read at a time when hashing


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(HASH_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def checksums(folder: str | os.PathLike) -> dict[str, str]:
    """sha256 of every file under ``folder`` except the manifest, by POSIX path relative to it."""
    folder = Path(folder)
    return {p.relative_to(folder).as_posix(): sha256_file(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST_FILE}


def write_manifest(folder: str | os.PathLike, manifest: dict) -> dict:
    """Add the checksums of ``folder``'s files to ``manifest`` and write it; returns what was written."""
    data = {"format": FORMAT, **manifest, "checksums": checksums(folder)}
    with atomic_write(Path(folder) / MANIFEST_FILE) as tmp:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    return data


def read_manifest(folder: str | os.PathLike, verify: bool = True) -> dict:
    """Read ``folder``/manifest.json; with ``verify`` every listed file must be there with its checksum."""
    folder = Path(folder)
    path = folder / MANIFEST_FILE
    if not folder.is_dir():
        raise SteelDefectError(f"model folder not found: {folder} (make one with `steeldefect export`)")
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SteelDefectError(f"{path} not found: {folder} is not an exported model "
                               "(make one with `steeldefect export`)") from None
    except ValueError as err:
        raise SteelDefectError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SteelDefectError(f"{path}: not an export manifest (expected format {FORMAT})")
    if verify:
        for name, digest in data.get("checksums", {}).items():
            file = folder / name
            if not file.is_file():
                raise SteelDefectError(f"{folder}: {name} is listed in the manifest but missing; export again")
            if sha256_file(file) != digest:
                raise SteelDefectError(f"{folder}: {name} does not match its manifest checksum; export again")
    return data
