"""`export` and `serve`: a user mistake gives one line on stderr, exit 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "steeldefect", *map(str, args)], capture_output=True, text=True)


@pytest.mark.parametrize("args, needle", [
    (["export", "--runs", "{tmp}", "--thresholds", "{tmp}/none.yaml", "--out", "{tmp}/e"], "thresholds file not found"),
    (["export", "--runs", "{tmp}", "--thresholds", "{tmp}/t.yaml", "--out", "{tmp}/e"], "no finished segmenter runs"),
    (["serve", "--model", "{tmp}/nothere"], "model folder not found"),
    (["serve", "--model", "{tmp}"], "is not an exported model"),
    (["serve", "--model", "{tmp}", "--port", "70000"], "--port 70000"),
])
def test_deploy_mistakes_give_one_line(tmp_path, args, needle):
    from steeldefect.postprocess.rules import Thresholds
    from steeldefect.artifacts.thresholds_file import save_thresholds

    save_thresholds(Thresholds(), tmp_path / "t.yaml")
    result = run_cli(*[a.format(tmp=tmp_path) for a in args])
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert not (tmp_path / "e").exists()


def test_serve_refuses_a_tampered_export_and_an_unknown_runtime(tmp_path):
    import json

    from steeldefect.artifacts.export_manifest import FORMAT, THRESHOLDS_FILE

    (tmp_path / THRESHOLDS_FILE).write_text("x: 1\n")
    (tmp_path / "manifest.json").write_text(json.dumps({"format": FORMAT, "checksums": {THRESHOLDS_FILE: "0" * 64}}))
    result = run_cli("serve", "--model", tmp_path)
    assert result.returncode == 2 and "thresholds.yaml does not match its manifest checksum" in result.stderr
    (tmp_path / "manifest.json").write_text(json.dumps({"format": FORMAT, "checksums": {}}))
    (tmp_path / "postprocess.yaml").write_text("max_input: [10, 10]\n")
    from steeldefect.postprocess.rules import Thresholds
    from steeldefect.artifacts.thresholds_file import save_thresholds

    save_thresholds(Thresholds(), tmp_path / THRESHOLDS_FILE)
    result = run_cli("serve", "--model", tmp_path, "--runtime", "torch")
    assert result.returncode == 2 and "argument --runtime: invalid choice: 'torch'" in result.stderr
