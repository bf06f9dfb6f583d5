"""scripts/ensure_env.sh picks the TensorFlow build the machine needs, and a venv holds only one.

Every test runs the script under a PATH of symlinks to a few tools (plus a fake ``nvidia-smi`` where a
GPU is wanted), with no TPU hints in the environment and the venv pointed at a tmp path; nothing is
installed: dry runs, or a fake venv whose ``python -m pip`` only logs its arguments.
"""

from __future__ import annotations

import glob
import os
import platform
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "ensure_env.sh"
TOOLS = ("bash", "cat", "cut", "sha256sum", "grep", "dirname", "rm", "id", "sed", "head")
CPU_BUILD = "tensorflow-cpu" if platform.machine() in ("x86_64", "AMD64") else "tensorflow"
BAD_VALUE = "[setup] error: STEELDEFECT_ACCELERATOR must be auto, cpu, cuda or tpu (got gpu)"


@pytest.fixture
def tools(tmp_path) -> Path:
    """A bin folder with the tools the script uses, and no nvidia-smi."""
    bin_dir = tmp_path / "tools"
    bin_dir.mkdir()
    for name in TOOLS:
        found = shutil.which(name)
        assert found, f"{name} is not on PATH"
        (bin_dir / name).symlink_to(found)
    return bin_dir


@pytest.fixture
def gpu(tmp_path) -> Path:
    """A bin folder with a fake nvidia-smi that lists one H200."""
    bin_dir = tmp_path / "gpu"
    bin_dir.mkdir()
    fake = bin_dir / "nvidia-smi"
    fake.write_text('#!/bin/sh\necho "GPU 0: NVIDIA H200 (UUID: GPU-5f0e2a6c-0000-0000-0000-000000000000)"\n')
    fake.chmod(0o755)
    return bin_dir


def run(tmp_path, *bins: Path, args=("--dry-run",), **env) -> subprocess.CompletedProcess:
    """The script under PATH=bins, a clean environment (no TPU hints) and the venv at tmp/venv."""
    base = {"PATH": os.pathsep.join(str(b) for b in bins), "HOME": str(tmp_path), "PYTHON": sys.executable,
            "STEELDEFECT_VENV": str(tmp_path / "venv")}
    return subprocess.run([shutil.which("bash"), str(SCRIPT), *args], env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def requirement_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line and not line.startswith("[setup]")]


def test_a_gpu_listed_by_nvidia_smi_means_the_cuda_build(tmp_path, tools, gpu):
    done = run(tmp_path, gpu, tools)
    assert done.returncode == 0, done.stderr
    assert "[setup] accelerator: cuda (nvidia-smi lists 1 GPU; STEELDEFECT_ACCELERATOR=auto)" in done.stdout
    lines = requirement_lines(done.stdout)
    assert "tensorflow[and-cuda]>=2.16,<3" in lines
    assert not any(line.startswith(("tensorflow-cpu", "tensorflow>")) for line in lines)
    assert not (tmp_path / "venv").exists()


def test_no_gpu_and_no_tpu_means_the_cpu_build(tmp_path, tools):
    if glob.glob("/dev/accel*"):
        pytest.skip("by design: this machine has TPU devices (/dev/accel*), so the CPU-build case cannot be simulated")
    done = run(tmp_path, tools)
    assert done.returncode == 0, done.stderr
    assert "[setup] accelerator: cpu (no nvidia-smi, no TPU found; STEELDEFECT_ACCELERATOR=auto)" in done.stdout
    lines = requirement_lines(done.stdout)
    assert any(line.startswith("tensorflow-cpu>=2.16,<3") for line in lines)
    assert not any("and-cuda" in line or "tensorflow-tpu" in line for line in lines)


def test_the_variable_overrides_the_gpu(tmp_path, tools, gpu):
    done = run(tmp_path, gpu, tools, STEELDEFECT_ACCELERATOR="cpu")
    assert done.returncode == 0, done.stderr
    assert "[setup] accelerator: cpu (STEELDEFECT_ACCELERATOR=cpu)" in done.stdout
    assert "and-cuda" not in done.stdout


def test_a_tpu_hint_means_the_tpu_build_with_its_find_links(tmp_path, tools):
    done = run(tmp_path, tools, TPU_NAME="my-tpu")
    assert done.returncode == 0, done.stderr
    assert "[setup] accelerator: tpu (TPU_NAME is set; STEELDEFECT_ACCELERATOR=auto)" in done.stdout
    assert "tensorflow-tpu>=2.16,<3" in requirement_lines(done.stdout)
    assert "-f https://storage.googleapis.com/libtpu-tf-releases/index.html" in done.stdout


def test_a_bad_value_is_one_line_and_a_failure(tmp_path, tools):
    done = run(tmp_path, tools, STEELDEFECT_ACCELERATOR="gpu")
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [BAD_VALUE] and done.stdout == ""
    sourced = subprocess.run([shutil.which("bash"), "-c", f'source "{SCRIPT}"; echo "returned $?"'],
                             env={"PATH": str(tools), "STEELDEFECT_ACCELERATOR": "gpu"},
                             capture_output=True, text=True, timeout=60)
    assert sourced.stdout.strip() == "returned 2" and sourced.stderr.strip() == BAD_VALUE


def test_the_dry_run_lists_every_file_it_reads_and_creates_nothing(tmp_path, tools, gpu):
    extra = ROOT / "requirements" / "dev.txt"
    done = run(tmp_path, gpu, tools, EXTRA_REQUIREMENTS=str(extra))
    assert done.returncode == 0, done.stderr
    lines = requirement_lines(done.stdout)
    wanted = []
    for name in ("base", "deploy", "app", "ray", "cuda", "dev"):
        text = (ROOT / "requirements" / f"{name}.txt").read_text()
        wanted += [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert sorted(lines) == sorted(wanted)  # requirements.txt's -r files followed, comments dropped
    assert f"-r {extra}" in done.stdout and "would create" in done.stdout
    assert not (tmp_path / "venv").exists()


def test_pyproject_extras_read_the_requirement_files():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert set(project["project"]["dynamic"]) == {"dependencies", "optional-dependencies"}
    dynamic = project["tool"]["setuptools"]["dynamic"]
    extras = dynamic["optional-dependencies"]
    assert {"cpu", "cuda", "tpu", "deploy", "app", "ray", "dev"} <= set(extras)
    files = [*dynamic["dependencies"]["file"], *(f for extra in extras.values() for f in extra["file"])]
    try:
        from packaging.requirements import Requirement
    except ImportError:  # pip vendors it
        from pip._vendor.packaging.requirements import Requirement
    for name in files:
        path = ROOT / name
        assert path.is_file(), name
        for line in path.read_text().splitlines():  # setuptools takes whole lines: no pip options, no
            if line.strip() and not line.lstrip().startswith("#"):  # inline comments
                Requirement(line)
    included = [line.split()[1] for line in (ROOT / "requirements.txt").read_text().splitlines()
                if line.startswith("-r ")]
    assert set(included) | {f"requirements/{a}.txt" for a in ("cpu", "cuda", "tpu")} | {"requirements/dev.txt"} \
        == set(files)  # pip and setuptools read the same files
    assert "tensorflow" not in (ROOT / "requirements" / "base.txt").read_text()


@pytest.fixture
def fake_venv(tmp_path):
    """A venv whose python logs every call and fakes `-m pip` (list answers from installed.txt)."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    log, installed = tmp_path / "pip.log", tmp_path / "installed.txt"
    shim = venv / "bin" / "python"
    shim.write_text(f"""#!/bin/bash
if [ "$1" = -m ] && [ "$2" = pip ]; then
  echo "${{*:3}}" >> "{log}"
  [ "$3" = list ] && cat "{installed}"
  exit 0
fi
exec "{sys.executable}" "$@"
""")
    shim.chmod(0o755)
    return venv, log, installed


def pip_calls(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_switching_builds_uninstalls_the_other_one_first(tmp_path, tools, fake_venv):
    venv, log, installed = fake_venv
    installed.write_text(f"keras==3.15.1\n{CPU_BUILD}==2.21.0\n")
    done = run(tmp_path, tools, args=(), STEELDEFECT_ACCELERATOR="cuda")
    assert done.returncode == 0, done.stderr
    calls = pip_calls(log)
    assert calls[0].startswith("list")
    assert calls[1] == f"uninstall --quiet -y {CPU_BUILD}"
    assert calls[2] == f"install --quiet -r {ROOT}/requirements.txt -r {ROOT}/requirements/cuda.txt"
    assert calls[3] == f"install --quiet --no-deps -e {ROOT}" and len(calls) == 4
    assert (venv / ".steeldefect-accelerator").read_text().strip() == "cuda"

    done = run(tmp_path, tools, args=(), STEELDEFECT_ACCELERATOR="cuda")  # up to date: no pip at all
    assert done.returncode == 0 and len(pip_calls(log)) == 4
    assert "[setup] accelerator: cuda" in done.stderr

    installed.write_text("keras==3.15.1\ntensorflow==2.21.0\n")
    dry = run(tmp_path, tools, STEELDEFECT_ACCELERATOR="cpu")
    assert f"would uninstall first: {'tensorflow' if CPU_BUILD != 'tensorflow' else 'nothing'}" in dry.stdout
    assert [c.split()[0] for c in pip_calls(log)[4:]] == ["list"]  # the dry run only looked
    done = run(tmp_path, tools, args=(), STEELDEFECT_ACCELERATOR="cpu")
    assert done.returncode == 0, done.stderr
    assert "switching" in done.stderr and (venv / ".steeldefect-accelerator").read_text().strip() == "cpu"
    calls = pip_calls(log)[5:]
    uninstalls = [c for c in calls if c.startswith("uninstall")]
    assert uninstalls == ([] if CPU_BUILD == "tensorflow" else ["uninstall --quiet -y tensorflow"])
    assert f"-r {ROOT}/requirements/cpu.txt" in calls[-2]


def test_sourced_it_ignores_the_callers_arguments_and_puts_the_venv_first(tmp_path, tools, fake_venv):
    venv, log, installed = fake_venv
    installed.write_text("")
    line = f'set -- -m "not slow" tests/data; source "{SCRIPT}"; echo "PATH=$PATH"'
    done = subprocess.run([shutil.which("bash"), "-c", line], capture_output=True, text=True, timeout=60,
                          env={"PATH": str(tools), "STEELDEFECT_VENV": str(venv), "STEELDEFECT_ACCELERATOR": "cpu"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"PATH={venv}/bin:{tools}"
    assert any(c.startswith("install --quiet --no-deps -e") for c in pip_calls(log))
