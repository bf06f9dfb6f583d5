"""Build what one uploads to run the ensemble in an offline Kaggle kernel.

DIR/dataset/   upload as a Kaggle dataset (``kaggle datasets create -p DIR/dataset --dir-mode zip``):
    wheels/               the steeldefect wheel (+ any extra wheels asked for)
    runs/<kind>/<backbone>/fold<k>/   model.keras, meta.json, config.yaml, DONE of every finished run
    thresholds.yaml       the tuned post-processing
    dataset-metadata.json
DIR/kernel/    push as the kernel (``kaggle kernels push -p DIR/kernel``):
    kernel.py             installs the wheels offline, predicts, writes /kaggle/working/submission.csv
    kernel-metadata.json

Prediction imports only what Kaggle's image has (numpy, pandas, opencv, pyyaml, tensorflow, keras,
tqdm), so the kernel installs the steeldefect wheel with ``--no-deps``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.run_folder import MODEL_FILE, PREDICTION_FILES, Run, find_runs
from steeldefect.artifacts.run_meta import read_meta, run_input_size
from steeldefect.artifacts.thresholds_file import THRESHOLDS_FILE, load_thresholds
from steeldefect.data.io import atomic_write, require_file
from steeldefect.ensemble.reducers import get_reducer
from steeldefect.ensemble.tta import tta_views
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.rules import Thresholds, check_resolution
from steeldefect.prediction.keras_ensemble import out_size_of

COMPETITION = "severstal-steel-defect-detection"  # Kaggle's competition slug
KERNEL_FILE = "kernel.py"
KERNEL_TEMPLATE = Path(__file__).with_name("kernel_template.py")
DATASET_DIR, KERNEL_DIR, WHEELS_DIR, RUNS_DIR = "dataset", "kernel", "wheels", "runs"


@dataclass(frozen=True)
class KaggleSpec:
    """Names and prediction settings baked into the package."""

    dataset_id: str = "username/steeldefect-models"  # <kaggle user>/<dataset slug>
    kernel_id: str = "username/steeldefect-inference"  # <kaggle user>/<kernel slug>
    title: str = "steeldefect inference"
    tta: str = "none"
    reducer: str = "mean"

    @property
    def dataset_slug(self) -> str:
        return self.dataset_id.split("/")[-1]

    def validate(self) -> None:
        for name in ("dataset_id", "kernel_id"):
            value = getattr(self, name)
            if value.count("/") != 1 or not all(value.split("/")):
                raise SteelDefectError(f"--{name.replace('_', '-')} must be <kaggle user>/<slug>, got {value!r}")
        tta_views(self.tta)
        get_reducer(self.reducer)


@dataclass
class PackageSummary:
    out: Path
    wheels: list[str]
    runs: list[str]
    size_bytes: int


def repo_root() -> Path:
    """The source tree this package runs from (the folder holding pyproject.toml)."""
    root = Path(__file__).resolve().parents[3]
    if not (root / "pyproject.toml").is_file():
        raise SteelDefectError("steeldefect is not running from its source tree, so its wheel cannot be built; "
                               "pass --wheel with a built steeldefect wheel")
    return root


def build_wheel(dest: Path, root: Path | None = None) -> Path:
    """``pip wheel --no-deps`` of the source tree into ``dest``; returns the wheel.

    The build runs on a clean copy of the package sources, so no stale ``build/`` folder can leak
    deleted modules into the wheel.
    """
    root = root or repo_root()
    with tempfile.TemporaryDirectory(prefix="steeldefect-wheel-") as tmp:
        src = Path(tmp) / "src"
        shutil.copytree(root / "steeldefect", src / "steeldefect",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (root / name).is_file():
                shutil.copy2(root / name, src / name)
        shutil.copytree(root / "requirements", src / "requirements")  # pyproject reads its dependencies there
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
               "-w", str(Path(tmp) / "out"), str(src)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            tail = " ".join((done.stderr or done.stdout).split())[-400:]
            raise SteelDefectError(f"building the steeldefect wheel failed: {tail}")
        wheel = next((Path(tmp) / "out").glob("steeldefect-*.whl"))
        return Path(shutil.copy2(wheel, dest / wheel.name))


def extra_wheel(spec: str, dest: Path) -> None:
    """``pip wheel --no-deps SPEC`` (a package Kaggle lacks) into ``dest``; needs the package index."""
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dest), spec],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SteelDefectError(f"pip wheel {spec} failed: {' '.join(done.stderr.split())[-300:]}")


def finished_runs(runs_dir: str | os.PathLike, ensemble=None) -> list[Run]:
    """Every finished classifier and segmenter run (only the members of an ensemble spec, when given);
    at least one segmenter."""
    classifiers, segmenters = find_runs(runs_dir, "classifier"), find_runs(runs_dir, "segmenter")
    if ensemble is not None:
        classifiers, segmenters = ensemble.pick(classifiers, "classifier"), ensemble.pick(segmenters, "segmenter")
    runs = classifiers + segmenters
    if not any(r.kind == "segmenter" for r in runs):
        raise SteelDefectError(f"no finished segmenter runs under {runs_dir}; nothing to package")
    return runs


def check_runs(runs: list[Run], thresholds: Thresholds, source: str) -> None:
    """What the kernel will need of the runs: a recorded input size each, thresholds tuned at the size
    the segmenters predict at, and as many classes as the segmenters' dataset has (when their meta.json
    records its class names)."""
    sizes = [(run.kind, run_input_size(run)) for run in runs]
    check_resolution(thresholds, out_size_of([size for kind, size in sizes if kind == "segmenter"]), source)
    for run in runs:
        names = read_meta(run).class_names if run.kind == "segmenter" else None
        if names and len(names) != len(thresholds.classes):
            raise SteelDefectError(f"{source} has {len(thresholds.classes)} classes but segmenter run {run.name} "
                                   f"was trained on {len(names)} ({', '.join(names)}); tune thresholds on these runs")


def copy_runs(runs: list[Run], dest: Path) -> None:
    """Copy the prediction files of the runs, keeping the runs tree."""
    for run in runs:
        target = dest / run.kind / run.member / f"fold{run.fold}"
        target.mkdir(parents=True, exist_ok=True)
        require_file(run.model_path, f"{MODEL_FILE} of run {run.name}")
        for name in PREDICTION_FILES:
            if (run.path / name).is_file():
                shutil.copy2(run.path / name, target / name)


def kernel_source(spec: KaggleSpec) -> str:
    """The kernel script with the package's names and settings filled in."""
    text = KERNEL_TEMPLATE.read_text()
    for token, value in (("__DATASET_SLUG__", spec.dataset_slug), ("__TTA__", spec.tta),
                         ("__REDUCER__", spec.reducer)):
        text = text.replace(f'"{token}"', json.dumps(value))
    return text


def kernel_metadata(spec: KaggleSpec) -> dict:
    return {"id": spec.kernel_id, "title": spec.title, "code_file": KERNEL_FILE, "language": "python",
            "kernel_type": "script", "is_private": True, "enable_gpu": True, "enable_tpu": False,
            "enable_internet": False, "dataset_sources": [spec.dataset_id], "competition_sources": [COMPETITION],
            "kernel_sources": []}


def dataset_metadata(spec: KaggleSpec) -> dict:
    return {"title": f"{spec.title} models", "id": spec.dataset_id, "licenses": [{"name": "CC0-1.0"}]}


def _write_json(path: Path, data: dict) -> None:
    with atomic_write(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n")


def _clear_previous(out: Path) -> None:
    """Remove a previous package in ``out`` (only its own two folders); refuse other content."""
    for name in (DATASET_DIR, KERNEL_DIR):
        folder = out / name
        marker = folder / ("dataset-metadata.json" if name == DATASET_DIR else "kernel-metadata.json")
        if folder.exists():
            if not marker.is_file():
                raise SteelDefectError(f"{folder} exists and is not a previous package; choose an empty --out")
            shutil.rmtree(folder)


def build_package(runs_dir: str | os.PathLike, out: str | os.PathLike, thresholds: str | os.PathLike | None = None,
                  spec: KaggleSpec = KaggleSpec(), wheel: str | os.PathLike | None = None,
                  extra_wheels: tuple[str, ...] = (), ensemble=None) -> PackageSummary:
    """Build the Kaggle dataset and kernel folders under ``out`` (replacing a previous package there);
    ``ensemble``: an ensemble spec whose members only are packaged (its TTA and reducer go in ``spec``)."""
    spec.validate()
    thresholds = Path(thresholds) if thresholds else Path(runs_dir) / THRESHOLDS_FILE
    tuned = load_thresholds(thresholds)
    runs = finished_runs(runs_dir, ensemble)
    check_runs(runs, tuned, str(thresholds))  # fail now, not on Kaggle
    out = Path(out)
    _clear_previous(out)
    dataset, kernel = out / DATASET_DIR, out / KERNEL_DIR
    wheels = dataset / WHEELS_DIR
    wheels.mkdir(parents=True)
    kernel.mkdir(parents=True)
    if wheel:
        shutil.copy2(require_file(wheel, "steeldefect wheel"), wheels / Path(wheel).name)
    else:
        build_wheel(wheels)
    for extra in extra_wheels:
        extra_wheel(extra, wheels)
    copy_runs(runs, dataset / RUNS_DIR)
    shutil.copy2(thresholds, dataset / THRESHOLDS_FILE)
    _write_json(dataset / "dataset-metadata.json", dataset_metadata(spec))
    with atomic_write(kernel / KERNEL_FILE) as tmp:
        tmp.write_text(kernel_source(spec))
    _write_json(kernel / "kernel-metadata.json", kernel_metadata(spec))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return PackageSummary(out, sorted(p.name for p in wheels.glob("*.whl")), [r.name for r in runs], size)
