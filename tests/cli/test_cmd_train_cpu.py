"""`train` on a CPU with a config that would take hours: a warning with the estimate, a question only at a
terminal, never a block for a run without one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from steeldefect.stages.train_stage import TrainArgs, check_cpu_time
from steeldefect.config import load_config
from steeldefect.errors import SteelDefectError
from steeldefect.training.plan import planned_runs

ROOT = Path(__file__).resolve().parents[2]


class _Tty(io.StringIO):
    def isatty(self):
        return True


def _args(tmp_path, data, yes=False):
    return TrainArgs(kind="segmenter", config=ROOT / "configs/full.yaml", out=str(tmp_path / "runs"), data=str(data),
                     yes=yes)


@pytest.fixture
def full():
    return load_config(ROOT / "configs/full.yaml")


def test_warns_without_asking_when_not_at_a_terminal(full, tiny_dataset, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    monkeypatch.delenv("STEELDEFECT_YES", raising=False)
    # 2 images would be quick: the estimate counts the runs still to do on the data given
    check_cpu_time(_args(tmp_path, tiny_dataset), full, planned_runs(full, "segmenter"))
    assert capsys.readouterr().err == ""
    monkeypatch.setattr("steeldefect.stages.train_stage.n_images", lambda data: 12568)
    check_cpu_time(_args(tmp_path, tiny_dataset), full, planned_runs(full, "segmenter"))
    err = capsys.readouterr().err
    assert err.startswith("warning: config 'full' would train for about ") and err.count("\n") == 1


def test_asks_at_a_terminal_unless_told_yes(full, tiny_dataset, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("steeldefect.stages.train_stage.n_images", lambda data: 12568)
    monkeypatch.delenv("STEELDEFECT_YES", raising=False)
    monkeypatch.setattr("sys.stdin", _Tty("n\n"))
    with pytest.raises(SteelDefectError, match="stopped before training on the CPU"):
        check_cpu_time(_args(tmp_path, tiny_dataset), full, planned_runs(full, "segmenter"))
    monkeypatch.setattr("sys.stdin", _Tty("y\n"))
    check_cpu_time(_args(tmp_path, tiny_dataset), full, planned_runs(full, "segmenter"))
    monkeypatch.setattr("sys.stdin", _Tty(""))  # nothing to read: --yes and STEELDEFECT_YES never ask
    check_cpu_time(_args(tmp_path, tiny_dataset, yes=True), full, planned_runs(full, "segmenter"))
    monkeypatch.setenv("STEELDEFECT_YES", "1")
    check_cpu_time(_args(tmp_path, tiny_dataset), full, planned_runs(full, "segmenter"))
    assert capsys.readouterr().err.count("warning: config 'full'") == 4
