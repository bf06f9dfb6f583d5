"""How long a config would train on this project's 2-core CPU: an estimate from the measured step times.

Pure: a Config and a number of labelled images in, seconds out. The figures are docs/BENCHMARKS.md's
CPU measurements (2-core x86_64 VM, TensorFlow 2.21, float32): seconds per training image at 128 x 800
for the B0 gate and each decoder on B0 ("Input pipeline and training throughput": gate 3.0-3.9 images/s,
UNet++ 0.43-0.46, UNet 2.4; "The CPU demo recipe": FPN x1.5 and FPN at output stride 4 x2.3 faster
than UNet). Other backbones scale by the graph FLOPs of the full-shape benchmark (the B0-B5 gate and
UNet++ rows), other sizes by their pixels, validation costs a third of a training image (forward
only). It is an order of magnitude, made to tell a user that a config is a GPU job, not a schedule:
a faster CPU divides it, and unknown backbones are counted as B0.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from steeldefect.config.schema import Config
from steeldefect.scale.model_cases import ModelCase, model_cases

REFERENCE_PIXELS = 128 * 800  # the size the step times were measured at
REFERENCE_MACHINE = "2-core x86_64 CPU, float32"
B0_SECONDS_PER_IMAGE = {  # one training image through B0 with this head at 128 x 800, forward + backward
    "gate": 1 / 3.45,  # 3.0-3.9 images/s
    "4-label": 1 / 3.45,  # the same network with a 4-wide last layer
    "unetpp": 1 / 0.445,  # 0.43-0.46 images/s
    "unet": 1 / 2.4,
    "fpn": 1 / (2.4 * 1.5),  # FPN to full resolution: x1.5 a UNet's speed
}
FPN_STRIDE4_SPEEDUP = 2.3 / 1.5  # FPN at output stride 4 over FPN at stride 1 (x2.3 over UNet)
VALIDATION_SHARE = 1 / 3  # a validation image (forward only) against a training image
GATE_GFLOP = {  # forward GFLOP per 128 x 800 image of the gate, by backbone (the full-shape benchmark)
    "efficientnetb0": 1.6, "efficientnetb1": 2.4, "efficientnetb2": 2.8, "efficientnetb3": 4.0,
    "efficientnetb4": 6.3, "efficientnetb5": 9.8,
}
UNETPP_GFLOP = {  # the same for the UNet++ segmenter, whose decoder dominates
    "efficientnetb0": 107.4, "efficientnetb1": 108.1, "efficientnetb2": 113.6, "efficientnetb3": 199.3,
    "efficientnetb4": 209.0, "efficientnetb5": 246.9,
}
KAGGLE_TRAIN_IMAGES = 12568  # images of the competition's train_images/ (the estimate without a data folder)
CPU_WARN_HOURS = 3.0  # `train` and `doctor` warn when a config would take longer than this on a CPU


@dataclass(frozen=True)
class TrainEstimate:
    """Estimated CPU seconds of every run of a config, and the models counted as B0 for want of a figure."""

    seconds: float
    runs: int
    unknown_backbones: tuple[str, ...] = ()

    @property
    def hours(self) -> float:
        return self.seconds / 3600


def _backbone_ratio(case: ModelCase) -> tuple[float, bool]:
    """(cost relative to B0 with the same head, whether a figure was known)."""
    table = UNETPP_GFLOP if case.head == "unetpp" else GATE_GFLOP
    if case.backbone in table:
        return table[case.backbone] / table["efficientnetb0"], True
    return 1.0, case.backbone == "efficientnet_lite0"  # Lite0 steps at B0's speed (measured)


def seconds_per_image(case: ModelCase, output_stride: int = 1) -> tuple[float, float, bool]:
    """(training seconds per image, validation seconds per image, known) of one model case on the CPU."""
    base = B0_SECONDS_PER_IMAGE.get(case.head, B0_SECONDS_PER_IMAGE["unet"])
    if case.head == "fpn" and output_stride > 1:
        base /= FPN_STRIDE4_SPEEDUP
    ratio, known = _backbone_ratio(case)
    train_pixels = case.train_size[0] * case.train_size[1] / REFERENCE_PIXELS
    predict_pixels = case.predict_size[0] * case.predict_size[1] / REFERENCE_PIXELS
    return base * ratio * train_pixels, base * ratio * predict_pixels * VALIDATION_SHARE, known


def estimate_training(config: Config, n_images: int, runs: list[tuple[str, str]] | None = None) -> TrainEstimate:
    """CPU seconds to train ``runs`` [(kind, backbone), one per fold run] of ``config`` (default: every
    kind x backbone x fold it lists) on ``n_images`` labelled images: each run trains on (k-1)/k of
    them for train.epochs epochs and validates on 1/k after each epoch."""
    k = config.folds.k
    cases = {(c.kind, c.backbone): c for c in model_cases(config)}
    if runs is None:
        runs = [key for key in cases for _ in config.fold_list()]
    total, unknown = 0.0, []
    for kind, backbone in runs:
        case = cases.get((kind, backbone))
        if case is None:  # a --backbone outside the config's list: the same head and sizes
            case = replace(next(c for c in cases.values() if c.kind == kind), backbone=backbone)
        stride = config.segmenter.output_stride if kind == "segmenter" else 1
        train_s, val_s, known = seconds_per_image(case, stride)
        if not known:
            unknown.append(backbone)
        epochs = config.model(kind).train.epochs
        total += epochs * (n_images * (k - 1) / k * train_s + n_images / k * val_s)
    return TrainEstimate(total, len(runs), tuple(dict.fromkeys(unknown)))


def cpu_warning(estimate: TrainEstimate, config_name: str, limit_hours: float = CPU_WARN_HOURS) -> str | None:
    """One warning line, with the fix, when the estimate is over ``limit_hours``; else None."""
    if estimate.hours <= limit_hours:
        return None
    unknown = f"; {', '.join(estimate.unknown_backbones)} counted as B0" if estimate.unknown_backbones else ""
    return (f"warning: config {config_name!r} would train for about {estimate.hours:,.0f} hours on a CPU "
            f"({estimate.runs} runs; estimated from step times measured on a {REFERENCE_MACHINE}{unknown}); "
            "run it on a GPU or TPU (STEELDEFECT_ACCELERATOR=cuda ./run_all.sh ...; `steeldefect doctor` checks "
            "the machine) or use configs/demo.yaml")
