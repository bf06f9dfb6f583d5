"""tfrecords.json: a manifest written and read back byte for byte (locally and through tf.io.gfile), an old
file, a newer one (its version is the ``format`` key)."""

from __future__ import annotations

import json
import uuid

import pytest

from steeldefect.artifacts.tfrecords_manifest import (TFRECORDS_LABELS_FILE, TFRECORDS_MANIFEST_FILE,
                                                       TfrecordsManifest, has_tfrecords_manifest, join,
                                                       read_tfrecords_manifest, tfrecords_manifest_path,
                                                       write_tfrecords_manifest)
from steeldefect.errors import SteelDefectError

SHARDS = ("train-00000-of-00002.tfrecord", "train-00001-of-00002.tfrecord")
MANIFEST = TfrecordsManifest(count=12, shards=SHARDS)
OLD_BYTES = json.dumps({"format": 1, "count": 12, "shards": list(SHARDS), "labels": "labels.csv"}, indent=1)


def test_write_then_read(tmp_path):
    assert not has_tfrecords_manifest(tmp_path)
    path = write_tfrecords_manifest(tmp_path, MANIFEST)
    assert path == tfrecords_manifest_path(tmp_path) == str(tmp_path / TFRECORDS_MANIFEST_FILE)
    assert has_tfrecords_manifest(tmp_path) and has_tfrecords_manifest(str(tmp_path))
    assert read_tfrecords_manifest(tmp_path) == MANIFEST and MANIFEST.labels == TFRECORDS_LABELS_FILE
    assert (tmp_path / TFRECORDS_MANIFEST_FILE).read_text() == OLD_BYTES  # the bytes written before this module
    assert sorted(p.name for p in tmp_path.iterdir()) == [TFRECORDS_MANIFEST_FILE]  # no temporary file left


def test_join_keeps_urls():
    assert join("gs://bucket/data/", "tfrecords.json") == "gs://bucket/data/tfrecords.json"
    assert tfrecords_manifest_path("gs://bucket/data") == "gs://bucket/data/tfrecords.json"


def test_an_old_file_loads(tmp_path):
    (tmp_path / TFRECORDS_MANIFEST_FILE).write_text(OLD_BYTES)
    assert read_tfrecords_manifest(tmp_path) == MANIFEST
    (tmp_path / TFRECORDS_MANIFEST_FILE).write_text(json.dumps({"shards": list(SHARDS)}))  # no version, no count
    assert read_tfrecords_manifest(tmp_path) == TfrecordsManifest(2, SHARDS)


@pytest.mark.parametrize("content, needle", [
    (None, "TFRecords manifest not found"),
    ("{", "not valid JSON"),
    ("[]", "not a TFRecords manifest"),
    ('{"format": 1, "count": 3}', "not a TFRecords manifest"),
    ('{"format": 1, "shards": "one.tfrecord"}', "not a TFRecords manifest"),
])
def test_bad_files_are_one_line(tmp_path, content, needle):
    if content is not None:
        (tmp_path / TFRECORDS_MANIFEST_FILE).write_text(content)
    with pytest.raises(SteelDefectError, match=needle) as info:
        read_tfrecords_manifest(tmp_path)
    assert "\n" not in str(info.value)


def test_a_newer_file_is_refused_in_one_line(tmp_path, refused):
    path = tmp_path / TFRECORDS_MANIFEST_FILE
    path.write_text(json.dumps({"format": 2, "count": 12, "shards": list(SHARDS), "labels": "labels.csv"}))
    refused(path, lambda: read_tfrecords_manifest(tmp_path))


def test_remote_folders_go_through_gfile(refused):
    tf = pytest.importorskip("tensorflow")
    folder = f"ram://tfrecords-manifest-{uuid.uuid4().hex}/data"  # TensorFlow's in-memory file system
    assert not has_tfrecords_manifest(folder)
    with pytest.raises(SteelDefectError, match="TFRecords manifest not found"):
        read_tfrecords_manifest(folder)
    path = write_tfrecords_manifest(folder, MANIFEST)
    assert path == f"{folder}/{TFRECORDS_MANIFEST_FILE}" and has_tfrecords_manifest(folder)
    assert read_tfrecords_manifest(folder) == MANIFEST
    with tf.io.gfile.GFile(path) as f:
        assert f.read() == OLD_BYTES
    assert not tf.io.gfile.exists(f"{folder}/.{TFRECORDS_MANIFEST_FILE}.tmp")
    tf.io.gfile.remove(path)  # ram:// "w" does not truncate
    with tf.io.gfile.GFile(path, "w") as f:
        f.write(json.dumps({"format": 2, "shards": []}))
    refused(path, lambda: read_tfrecords_manifest(folder))
