"""run_all.sh's command line: help and bad values are answered before any work."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args):
    return subprocess.run(["bash", str(ROOT / "run_all.sh"), *args], capture_output=True, text=True, timeout=60)


def test_help_teaches_every_option():
    done = _run("--help")
    assert done.returncode == 0
    for option in ("--data", "--config", "--out", "--contrast", "--pseudo-rounds"):
        assert option in done.stdout


def test_bad_values_fail_in_one_line_before_anything_is_written(tmp_path):
    out = tmp_path / "out"
    done = _run("--pseudo-rounds", "two", "--out", str(out))
    assert done.returncode == 2 and done.stderr.strip() == "run_all.sh: --pseudo-rounds needs a whole number"
    done = _run("--no-such-option")
    assert done.returncode == 2 and "unknown argument '--no-such-option'" in done.stderr
    assert not out.exists()
