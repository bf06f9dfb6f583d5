"""`steeldefect doctor`: can this machine train and predict, and where would the models run.

``diagnose`` gathers facts (versions, the TensorFlow build, the devices TensorFlow and ``nvidia-smi``
see, the strategy and precision ``train`` would use), warnings (one line each, with the fix) and
problems (what makes the install unusable for the given config or data). The CLI prints them and
exits non-zero when there is a problem.
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from steeldefect import __version__
from steeldefect.config import load_config
from steeldefect.config.schema import RuntimeConfig
from steeldefect.devices import tensorflow_devices
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.run_folder import KINDS, member_name
from steeldefect.scale.train_time import KAGGLE_TRAIN_IMAGES, cpu_warning, estimate_training
from steeldefect.artifacts.dataset_file import KAGGLE, DatasetSpec, read_dataset
from steeldefect.data.kaggle_folder import SAMPLE_SUBMISSION, TEST_IMAGES, TRAIN_IMAGES
from steeldefect.pipeline.image_sources import FOLDER, open_source

TF_BUILDS = ("tensorflow", "tensorflow-cpu", "tensorflow-tpu", "tensorflow-intel", "tf-nightly")  # pip names
NVIDIA_SMI_TIMEOUT_S = 10
FIX_CUDA = ('install the CUDA build: STEELDEFECT_ACCELERATOR=cuda ./run_all.sh (or pip install -e ".[cuda]" '
            "in your own environment)")


@dataclass
class Diagnosis:
    """What doctor found: ordered (name, value) facts, warnings and problems (each one line)."""

    facts: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"facts": dict(self.facts), "warnings": self.warnings, "problems": self.problems,
                "usable": self.usable}


def nvidia_gpus() -> list[str] | None:
    """The GPUs ``nvidia-smi -L`` lists (one line each), or None when there is no nvidia-smi."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "-L"], capture_output=True, text=True, timeout=NVIDIA_SMI_TIMEOUT_S).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in out.splitlines() if line.strip().startswith("GPU ")]


def installed_tf_builds() -> list[str]:
    """The TensorFlow distributions pip installed here, with versions (two at once is a broken venv)."""
    found = []
    for name in TF_BUILDS:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pass
    return found


def gpu_warnings(nvidia: list[str] | None, tf_gpus: int, built_with_cuda: bool) -> list[str]:
    """Warnings when nvidia-smi sees GPUs that TensorFlow does not."""
    if not nvidia or tf_gpus:
        return []
    if not built_with_cuda:
        return [f"warning: nvidia-smi lists {len(nvidia)} GPU(s) but this TensorFlow is a CPU build; {FIX_CUDA}"]
    return [f"warning: nvidia-smi lists {len(nvidia)} GPU(s) but TensorFlow sees none (driver or CUDA libraries "
            "do not match this TensorFlow); reinstall with STEELDEFECT_ACCELERATOR=cuda ./run_all.sh and check "
            "`nvidia-smi` for the driver's CUDA version"]


def _tensorflow(diagnosis: Diagnosis, runtime):
    """Versions, build, devices, strategy and precision; the training Device, or None without TensorFlow."""
    try:
        import keras  # heavy: Keras
        import tensorflow as tf  # heavy: TensorFlow
    except ImportError as err:
        diagnosis.problems.append(f"TensorFlow/Keras cannot be imported ({err}); run ./run_all.sh (it installs "
                                  'them into .venv) or pip install -e ".[cpu]" (or .[cuda] / .[tpu])')
        return None
    from steeldefect.training.device import choose_device  # heavy: TensorFlow, Keras (training.device)

    builds = installed_tf_builds()
    built_with_cuda = bool(tf.test.is_built_with_cuda())
    diagnosis.facts += [("tensorflow", f"{tf.__version__} ({', '.join(builds) or 'not installed by pip'})"),
                        ("keras", keras.__version__),
                        ("built with CUDA", "yes" if built_with_cuda else "no (a CPU build)")]
    if len(builds) > 1:
        diagnosis.warnings.append(f"warning: two TensorFlow builds are installed ({', '.join(builds)}); "
                                  "uninstall all but one, or rebuild .venv with scripts/ensure_env.sh")
    if not keras.__version__.startswith("3."):
        diagnosis.problems.append(f"Keras {keras.__version__} is installed; steeldefect needs Keras 3")
    nvidia = nvidia_gpus()
    diagnosis.facts.append(("nvidia-smi", "not found" if nvidia is None else
                            (f"{len(nvidia)} GPU(s): {'; '.join(nvidia)}" if nvidia else "lists no GPU")))
    tf_gpus = len(tf.config.list_physical_devices("GPU"))
    diagnosis.warnings += gpu_warnings(nvidia, tf_gpus, built_with_cuda)
    devices = tensorflow_devices()
    only_cpu = all(d.startswith("CPU") for d in devices)
    diagnosis.facts.append(("devices", ", ".join(devices) + (" (CPU only: no GPU or TPU)" if only_cpu else "")))
    try:
        device = choose_device(runtime)
    except Exception as err:  # a TPU asked for and not found, a broken driver: say it, do not crash
        diagnosis.problems.append(f"train cannot choose its devices: {' '.join(str(err).split())[:300]}")
        return None
    report = device.report()
    diagnosis.facts += [("train would use", f"{', '.join(report.devices)}"),
                        ("strategy", f"{device.name} ({device.replicas} replica(s))"),
                        ("precision", device.policy)]
    return report


def _config(diagnosis: Diagnosis, config, accelerated: bool, n_images: int | None) -> None:
    """Per member: are its weights found; on a CPU, a warning when training would take hours."""
    from steeldefect.models.backbones.backbone_registry import weights_status  # heavy: TensorFlow, Keras

    status: dict[tuple[str, str], tuple[bool, str]] = {}
    missing: dict[str, list[str]] = {}  # why -> members
    for kind in KINDS:
        model = config.model(kind)
        for backbone in model.backbones:
            name = f"{kind}/{member_name(backbone, model.variant)}"
            key = (backbone, str(model.weights))
            if key not in status:
                try:
                    status[key] = weights_status(backbone, model.weights)
                except SteelDefectError as err:
                    status[key] = (False, str(err))
            found, where = status[key]
            diagnosis.facts.append((f"weights {name}", where if found else "MISSING (see below)"))
            if not found:
                missing.setdefault(where, []).append(name)
    for why, names in missing.items():
        diagnosis.problems.append(f"weights not found for {', '.join(names)}: {why}")
    if not accelerated:
        images = n_images or KAGGLE_TRAIN_IMAGES  # without --data: the Kaggle training set
        estimate = estimate_training(config, images)
        whose = "" if n_images else " (Kaggle's training set; --data counts yours)"
        diagnosis.facts.append(("training on this CPU", f"about {estimate.hours:,.1f} hours for {estimate.runs} runs "
                                                        f"on {images:,} images{whose} (estimate)"))
        warning = cpu_warning(estimate, config.name)
        if warning:
            diagnosis.warnings.append(warning)


def data_problems(data_dir: str | os.PathLike) -> tuple[int | None, list[str], list[str]]:
    """(training images, problems, warnings) of a Kaggle-layout dataset folder or TFRecords folder."""
    try:
        source = open_source(str(data_dir))
    except SteelDefectError as err:
        return None, [f"data {data_dir}: {err}"], []
    problems, warnings = [], []
    ids = source.table["ImageId"].tolist()
    if source.kind == FOLDER:
        images = Path(data_dir) / TRAIN_IMAGES
        present = {p.name for p in images.iterdir()} if images.is_dir() else set()
        missing = [i for i in ids if i not in present]
        if missing:
            problems.append(f"data {data_dir}: {len(missing)} of {len(ids)} labelled images are not in "
                            f"{TRAIN_IMAGES}/ (first: {missing[0]})")
        for name in (TEST_IMAGES, SAMPLE_SUBMISSION):
            if not (Path(data_dir) / name).exists():
                warnings.append(f"warning: data {data_dir} has no {name}; training works, `predict` needs it")
    return len(ids), problems, warnings


def describe_classes(spec: DatasetSpec) -> str:
    """``K: name, ...; sizes HxW (n), ...``: what doctor says of a dataset's classes and image sizes."""
    names = "Severstal's" if spec == KAGGLE else ", ".join(f"{i} {n}" for i, n in zip(spec.class_ids, spec.class_names))
    sizes = ", ".join(f"{s.height}x{s.width}" + (f" ({s.images:,})" if s.images else "") for s in spec.sizes)
    return f"{spec.n_classes} ({names}); images {sizes or 'of their own sizes'}"


def diagnose(config_path: str | None = None, data_dir: str | None = None, overrides=()) -> Diagnosis:
    """Everything ``steeldefect doctor`` reports; ``overrides``: ``--set`` texts applied to the config."""
    diagnosis = Diagnosis()
    diagnosis.facts += [("steeldefect", __version__),
                        ("python", f"{platform.python_version()} ({platform.machine()}, {os.cpu_count()} cores)")]
    config = None
    if config_path:

        try:
            config = load_config(config_path, overrides=overrides)
        except SteelDefectError as err:
            diagnosis.problems.append(f"config {config_path}: {err}")
    report = _tensorflow(diagnosis, config.runtime if config else RuntimeConfig())
    n_images = None
    if data_dir:
        n_images, problems, warnings = data_problems(data_dir)
        diagnosis.problems += problems
        diagnosis.warnings += warnings
        if n_images is not None:
            diagnosis.facts.append(("data", f"{data_dir}: {n_images:,} labelled images"))
            diagnosis.facts.append(("classes", describe_classes(read_dataset(data_dir))))
    if config is not None and report is not None:
        _config(diagnosis, config, report.accelerated, n_images)
    return diagnosis


def format_diagnosis(diagnosis: Diagnosis) -> str:
    width = max(len(name) for name, _ in diagnosis.facts) + 1
    lines = [f"{name + ':':<{width}} {value}" for name, value in diagnosis.facts]
    lines += diagnosis.warnings
    lines += [f"problem: {p}" for p in diagnosis.problems]
    lines.append("usable: yes" if diagnosis.usable else f"usable: no ({len(diagnosis.problems)} problem(s) above)")
    return "\n".join(lines)
