"""ensemble.yaml: a spec written and read back, an old file (no format_version), a newer one."""

from __future__ import annotations

import pytest
import yaml

from steeldefect.artifacts.ensemble_file import ENSEMBLE_FILE, EnsembleSpec, load_spec, save_spec
from steeldefect.errors import SteelDefectError

SPEC = EnsembleSpec(("b0", "r34"), ("b0",), "hflip", "gmean", {"budget_s": 60.0})


def test_write_then_read(tmp_path):
    path = tmp_path / ENSEMBLE_FILE
    save_spec(SPEC, path)
    back = load_spec(path)
    assert back == SPEC and back.selected == {"budget_s": 60.0}
    assert list(yaml.safe_load(path.read_text()))[0] == "format_version"


def test_an_old_file_without_a_version_loads(tmp_path):
    path = tmp_path / ENSEMBLE_FILE
    path.write_text("segmenters: [b0]\nclassifiers: []\ntta: none\nreducer: mean\n")
    assert load_spec(path) == EnsembleSpec(("b0",))


def test_a_newer_file_is_refused_in_one_line(tmp_path, refused):
    path = tmp_path / ENSEMBLE_FILE
    path.write_text("format_version: 2\nsegmenters: [b0]\n")
    refused(path, lambda: load_spec(path))
    path.write_text("segmenters: [b0]\nmembers: [b0]\n")
    with pytest.raises(SteelDefectError, match="unknown key 'members'"):
        load_spec(path)
