"""tfrecords.json: the shard list of a TFRecords folder (local or ``gs://``), written by `steeldefect tfrecords`.

::

    {
     "format": 1,
     "count": 12,
     "shards": ["train-00000-of-00003.tfrecord", ...],
     "labels": "labels.csv",
     "class_names": ["scratch", "pit", "stain"]
    }

``count`` training images spread over ``shards`` (names relative to the folder), with the label table
``labels`` (original layout) beside them; ``class_names`` only for an imported dataset (absent: Severstal's
four classes), each record then holding one RLE per class. The manifest is written last, so a folder holding one is
complete. This file recorded its version under ``format`` from the start (the record features' version),
so that key (not ``format_version``) carries it. Remote folders go through ``tf.io.gfile``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.data.io import atomic_write
from steeldefect.errors import SteelDefectError

TFRECORDS_MANIFEST_FILE = "tfrecords.json"  # the shard list of a TFRecords folder
TFRECORDS_LABELS_FILE = "labels.csv"  # the label table inside a TFRecords folder (original layout)
FORMAT_KEY = "format"  # this file's version key (it predates format_version)
FORMAT_VERSION = 1  # bump when the record features change
HINT = "; write one with `steeldefect tfrecords`"


@dataclass(frozen=True)
class TfrecordsManifest:
    """tfrecords.json: how many images, in which shard files, with which label table."""

    count: int
    shards: tuple[str, ...]  # file names relative to the folder
    labels: str = TFRECORDS_LABELS_FILE
    class_names: tuple[str, ...] | None = None  # an imported dataset's classes; None: Severstal's four

    def to_dict(self) -> dict:
        """JSON-ready data in the file's key order, the version first."""
        out = {FORMAT_KEY: FORMAT_VERSION, "count": self.count, "shards": list(self.shards), "labels": self.labels}
        return {**out, "class_names": list(self.class_names)} if self.class_names else out

    @classmethod
    def from_dict(cls, data: dict, source: str = TFRECORDS_MANIFEST_FILE) -> "TfrecordsManifest":
        check_version(source, data.get(FORMAT_KEY, data.get(VERSION_KEY)), FORMAT_VERSION)
        try:
            shards = data["shards"]
            if isinstance(shards, str) or not all(isinstance(s, str) for s in shards):
                raise TypeError("shards is not a list of file names")
            names = data.get("class_names")
            if names is not None and (isinstance(names, str) or not all(isinstance(n, str) for n in names)):
                raise TypeError("class_names is not a list of names")
            return cls(count=int(data.get("count", len(shards))), shards=tuple(shards),
                       labels=str(data.get("labels") or TFRECORDS_LABELS_FILE),
                       class_names=tuple(names) if names else None)
        except (KeyError, TypeError, ValueError) as err:
            raise SteelDefectError(f"{source}: not a TFRecords manifest ({err}){HINT}") from None


def is_remote(location: str | os.PathLike) -> bool:
    """True for a URL (``gs://bucket/path``), read and written through tf.io.gfile."""
    return "://" in str(location)


def join(location: str | os.PathLike, name: str) -> str:
    """Join a file name onto a local path or a gs:// URL."""
    location = str(location)
    return f"{location.rstrip('/')}/{name}" if is_remote(location) else os.path.join(location, name)


def tfrecords_manifest_path(location: str | os.PathLike) -> str:
    """``location``/tfrecords.json (a local path or a URL)."""
    return join(location, TFRECORDS_MANIFEST_FILE)


def _gfile():
    """tf.io.gfile, which reads and writes gs:// URLs."""
    import tensorflow as tf  # heavy: TensorFlow, only for remote folders

    return tf.io.gfile


def has_tfrecords_manifest(location: str | os.PathLike) -> bool:
    """True when ``location`` (local or gs://) holds a TFRecords manifest."""
    path = tfrecords_manifest_path(location)
    return bool(_gfile().exists(path)) if is_remote(location) else Path(path).is_file()


def _read_text(path: str) -> str:
    """The text of a local file or a URL; one line when it is missing or unreadable."""
    if not is_remote(path):
        try:
            return Path(path).read_text()
        except FileNotFoundError:
            raise SteelDefectError(f"TFRecords manifest not found: {path}{HINT}") from None
        except OSError as err:
            raise SteelDefectError(f"cannot read {path}: {err.strerror or err}") from None
    gfile = _gfile()
    if not gfile.exists(path):
        raise SteelDefectError(f"TFRecords manifest not found: {path}{HINT}")
    try:
        with gfile.GFile(path) as f:
            return f.read()
    except Exception as err:  # tf.errors.OpError and the like: one line, not a traceback
        raise SteelDefectError(f"cannot read {path}: {' '.join(str(err).split())[:300]}") from None


def read_tfrecords_manifest(location: str | os.PathLike) -> TfrecordsManifest:
    """Read ``location``/tfrecords.json (local or gs://); one-line errors for a missing, malformed or
    newer file."""
    path = tfrecords_manifest_path(location)
    try:
        data = json.loads(_read_text(path))
    except ValueError as err:
        raise SteelDefectError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(data, dict):
        raise SteelDefectError(f"{path}: not a TFRecords manifest{HINT}")
    return TfrecordsManifest.from_dict(data, path)


def write_tfrecords_manifest(location: str | os.PathLike, manifest: TfrecordsManifest) -> str:
    """Write ``location``/tfrecords.json under a temporary name and rename it into place (tf.io.gfile for
    gs://); returns its path."""
    path = tfrecords_manifest_path(location)
    text = json.dumps(manifest.to_dict(), indent=1)
    if not is_remote(location):
        with atomic_write(path) as tmp:
            tmp.write_text(text)
        return path
    gfile = _gfile()
    tmp = join(location, f".{TFRECORDS_MANIFEST_FILE}.tmp")
    with gfile.GFile(tmp, "w") as f:
        f.write(text)
    gfile.rename(tmp, path, overwrite=True)
    return path
