"""`steeldefect doctor`: says CPU plainly here, warns with the fix, exits non-zero with one line when unusable."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from steeldefect.cli.main import main
from steeldefect.doctor import gpu_warnings, nvidia_gpus

ROOT = Path(__file__).resolve().parents[1]
FAKE_SMI = "#!/bin/sh\necho 'GPU 0: NVIDIA H200 (UUID: GPU-00000000-0000-0000-0000-000000000000)'\n"


@pytest.fixture
def fake_nvidia_smi(tmp_path, monkeypatch):
    """A fake nvidia-smi listing one GPU, first on PATH."""
    exe = tmp_path / "bin" / "nvidia-smi"
    exe.parent.mkdir()
    exe.write_text(FAKE_SMI)
    exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{exe.parent}{os.pathsep}{os.environ['PATH']}")
    return exe


def test_gpu_warnings():
    one = ["GPU 0: NVIDIA H200"]
    assert gpu_warnings(None, 0, False) == [] and gpu_warnings([], 0, False) == []
    assert gpu_warnings(one, 1, True) == []  # TensorFlow sees it
    [cpu_build] = gpu_warnings(one, 0, False)
    assert "this TensorFlow is a CPU build" in cpu_build and "STEELDEFECT_ACCELERATOR=cuda" in cpu_build
    [mismatch] = gpu_warnings(one, 0, True)
    assert "TensorFlow sees none" in mismatch and "nvidia-smi" in mismatch


def test_nvidia_smi_is_read(fake_nvidia_smi):
    assert nvidia_gpus() == ["GPU 0: NVIDIA H200 (UUID: GPU-00000000-0000-0000-0000-000000000000)"]


def test_doctor_says_cpu_plainly_and_is_usable(capsys):
    assert main(["doctor", "--config", str(ROOT / "configs/demo.yaml")]) == 0
    out = capsys.readouterr().out
    assert "(CPU only: no GPU or TPU)" in out and "built with CUDA:" in out
    assert "strategy:" in out and "precision:" in out and "float32" in out
    assert "weights classifier/efficientnet_lite0:" in out and "MISSING" not in out
    assert out.rstrip().endswith("usable: yes")


def test_doctor_warns_of_a_gpu_tensorflow_cannot_see(fake_nvidia_smi, capsys):
    assert main(["doctor", "--json"]) == 0  # a warning, not a problem: training still runs, on the CPU
    found = json.loads(capsys.readouterr().out)
    assert found["facts"]["nvidia-smi"].startswith("1 GPU(s)")
    assert any("nvidia-smi lists 1 GPU(s) but this TensorFlow is a CPU build" in w for w in found["warnings"])


def test_doctor_warns_before_hours_on_a_cpu_and_fails_on_missing_data(tmp_path, capsys):
    code = main(["doctor", "--config", str(ROOT / "configs/full.yaml"), "--data", str(tmp_path / "nowhere")])
    captured = capsys.readouterr()
    assert code == 2
    assert "warning: config 'full' would train for about" in captured.out
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("steeldefect doctor: error: data ") and "not found" in err[0]


def test_doctor_checks_a_data_folder(tiny_dataset, tmp_path, capsys):
    assert main(["doctor", "--data", str(tiny_dataset)]) == 0
    assert "2 labelled images" in capsys.readouterr().out
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "train.csv").write_text((tiny_dataset / "train.csv").read_text())
    (broken / "train_images").mkdir()
    assert main(["doctor", "--data", str(broken)]) == 2
    assert "labelled images are not in train_images/" in capsys.readouterr().err
