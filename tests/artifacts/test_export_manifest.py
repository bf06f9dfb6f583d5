"""An export folder's manifest.json and postprocess.yaml: written and read back, old and newer manifests."""

from __future__ import annotations

import json

import pytest

from steeldefect.artifacts.export_manifest import (FORMAT, MANIFEST_FILE, ExportManifest, ExportSettings,
                                                   read_manifest, read_settings, write_manifest, write_settings)
from steeldefect.errors import SteelDefectError


def test_write_then_read_with_checksums(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"graph")
    settings = ExportSettings((0.2, 0.8), (512, 3200), (128, 800), "image", 1)
    write_settings(tmp_path, settings)
    written = write_manifest(tmp_path, ExportManifest(created="now", formats=("onnx",), runs=({"kind": "x"},)))
    back = read_manifest(tmp_path)
    assert back == written and set(back.checksums) == {"model.onnx", "postprocess.yaml"}
    assert read_settings(tmp_path) == settings
    data = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert list(data)[:3] == ["format", "format_version", "created"] and data["formats"] == ["onnx"]
    (tmp_path / "model.onnx").write_bytes(b"other")
    with pytest.raises(SteelDefectError, match="model.onnx does not match its manifest checksum"):
        read_manifest(tmp_path)


def test_an_old_manifest_without_a_version_loads(tmp_path):
    (tmp_path / MANIFEST_FILE).write_text(json.dumps({"format": FORMAT, "checksums": {}}))
    assert read_manifest(tmp_path) == ExportManifest()


def test_a_newer_manifest_is_refused_in_one_line(tmp_path, refused):
    path = tmp_path / MANIFEST_FILE
    path.write_text(json.dumps({"format": FORMAT, "format_version": 2, "checksums": {}}))
    refused(path, lambda: read_manifest(tmp_path))
