"""Where models run: the devices, distribution strategy and precision of a stage, said and recorded.

Every stage that runs models (``train``, ``predict``, ``tune`` and ``select`` when they predict OOF
views, ``pseudo-label``, ``export``) prints one line when it starts::

    [device] predict: GPU:0 (NVIDIA H200) | strategy default | precision mixed_float16

and records the same in ``devices.json`` of the folder it writes into, one entry per stage (the
contract of ``steeldefect.artifacts.devices_file``); ``steeldefect summary`` copies those entries into summary.json, and
each training run's meta.json holds its own.
"""

from __future__ import annotations

import glob
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts import devices_file
from steeldefect.artifacts.run_meta import DEFAULT_PRECISION, RunMeta, run_precision

TPU_HINT_VARS = ("TPU_NAME", "COLAB_TPU_ADDR", "TPU_ACCELERATOR_TYPE", "TPU_WORKER_ID")  # set on TPU hosts
TPU_DEVICE_GLOB = "/dev/accel*"  # TPU VM chips


@dataclass(frozen=True)
class DeviceReport:
    """What a stage runs its models on."""

    devices: tuple[str, ...]  # e.g. ("GPU:0 (NVIDIA H200)",) or ("CPU (2 cores, x86_64)",)
    strategy: str  # default, mirrored or tpu (training); default for the stages that only predict
    precision: str  # the Keras dtype policy: float32, mixed_float16 or mixed_bfloat16

    @property
    def accelerated(self) -> bool:
        """True when the models run on a GPU or TPU."""
        return any(not d.startswith("CPU") for d in self.devices)

    def line(self, stage: str) -> str:
        return (f"[device] {stage}: {', '.join(self.devices)} | strategy {self.strategy} | "
                f"precision {self.precision}")

    def to_dict(self) -> dict:
        return {"devices": list(self.devices), "strategy": self.strategy, "precision": self.precision}

    @classmethod
    def from_dict(cls, data: dict) -> "DeviceReport":
        entry = devices_file.StageDevices.from_dict(data)
        return cls(entry.devices, entry.strategy, entry.precision)

    @classmethod
    def from_meta(cls, meta: RunMeta) -> "DeviceReport":
        """Where a training run ran, from its meta.json."""
        return cls(tuple(meta.devices or ()), str(meta.strategy or ""), str(meta.precision or ""))


def tpu_hinted() -> bool:
    """True on a TPU host (its environment variables or /dev/accel* chips), before any TPU is connected."""
    return any(os.environ.get(v) for v in TPU_HINT_VARS) or bool(glob.glob(TPU_DEVICE_GLOB))


def cpu_text() -> str:
    return f"CPU ({os.cpu_count()} cores, {platform.machine()})"


def _gpu_text(tf, index: int, physical) -> str:
    try:
        name = tf.config.experimental.get_device_details(physical).get("device_name")
    except (ValueError, RuntimeError, AttributeError):
        name = None
    return f"GPU:{index} ({name})" if name else f"GPU:{index}"


def tensorflow_devices(kinds: tuple[str, ...] = ("TPU", "GPU")) -> tuple[str, ...]:
    """The accelerators TensorFlow sees (TPU cores, then GPUs), or the CPU when it sees none."""
    import tensorflow as tf  # heavy: TensorFlow

    found: list[str] = []
    if "TPU" in kinds:
        tpus = tf.config.list_logical_devices("TPU")
        found += [f"TPU:{i}" for i in range(len(tpus))]
    if "GPU" in kinds and not found:
        found += [_gpu_text(tf, i, d) for i, d in enumerate(tf.config.list_physical_devices("GPU"))]
    return tuple(found) or (cpu_text(),)


def training_report(strategy: str, replicas: int, gpus: int, policy: str) -> DeviceReport:
    """The devices a training strategy uses: the TPU cores, every GPU (mirrored), the first GPU or the CPU."""
    devices = tensorflow_devices()
    if strategy == "tpu":
        devices = tuple(d for d in devices if d.startswith("TPU"))[:replicas] or devices
    elif strategy != "mirrored" and gpus:
        devices = devices[:1]  # the default strategy places the model on GPU:0
    return DeviceReport(devices, strategy, policy)


def inference_report(runs) -> DeviceReport:
    """Prediction runs the loaded models of ``runs`` on the first accelerator (or the CPU), each in the
    precision it was trained in (a Keras model keeps its dtype policy when saved and loaded)."""
    devices = tensorflow_devices()
    kinds = sorted({run_precision(run) for run in runs}) or [DEFAULT_PRECISION]
    return DeviceReport(devices[:1], "default", "+".join(kinds))


def announce_inference(stage: str, runs, record_dir: str | os.PathLike | None = None) -> DeviceReport:
    """``announce`` for a stage that predicts with the models of ``runs``."""
    return announce(stage, inference_report(runs), record_dir)


def announce(stage: str, report: DeviceReport, record_dir: str | os.PathLike | None = None) -> DeviceReport:
    """Print the stage's device line (stderr) and record it in ``record_dir``/devices.json."""
    print(report.line(stage), file=sys.stderr, flush=True)
    if record_dir is not None:
        record_stage(record_dir, stage, report)
    return report


def read_stages(folder: str | os.PathLike) -> dict[str, dict]:
    """Stage -> {devices, strategy, precision, recorded} from ``folder``/devices.json; {} when it is
    missing or unreadable."""
    return {stage: entry.to_dict() for stage, entry in devices_file.read_devices(folder).items()}


def record_stage(folder: str | os.PathLike, stage: str, report: DeviceReport) -> Path:
    """Add or replace the stage's entry of ``folder``/devices.json (written atomically)."""
    return devices_file.record_stage(folder, stage, report.devices, report.strategy, report.precision)
