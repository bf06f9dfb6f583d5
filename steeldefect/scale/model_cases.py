"""The models a config asks for, each at the shapes it trains and predicts at, with its batch size.

Pure: a Config in, a list of :class:`ModelCase` out. The full-shape benchmark and the GPU-memory
check walk this list, so a config's every (kind, backbone) is checked at the sizes it really uses.
"""

from __future__ import annotations

from dataclasses import dataclass

from steeldefect.config.schema import Config
from steeldefect.artifacts.run_folder import KINDS


@dataclass(frozen=True)
class ModelCase:
    """One (kind, backbone) of a config: what it is built as and the shapes it meets."""

    config_name: str
    kind: str  # classifier or segmenter
    backbone: str
    head: str  # "gate" (1 output), "4-label" (classifier), or the segmenter's decoder
    train_size: tuple[int, int]  # (h, w) of a training batch: the data size, or the crop
    predict_size: tuple[int, int]  # (h, w) it validates and predicts at
    batch_size: int  # global training batch of the config

    @property
    def name(self) -> str:
        return f"{self.config_name}/{self.kind}/{self.backbone}"


def head_of(config: Config, kind: str) -> str:
    if kind == "classifier":
        n = config.classifier.n_outputs
        return "gate" if n == 1 else f"{n}-label"
    return config.segmenter.decoder


def batch_size_of(config: Config, kind: str) -> int:
    """The training batch of ``kind``: train.batch_size when set, else data.batch_size."""
    return int(config.model(kind).train.batch_size or config.data.batch_size)


def model_cases(config: Config) -> list[ModelCase]:
    """Every (kind, backbone) of ``config``, classifiers first, in the config's backbone order."""
    size = (int(config.data.height), int(config.data.width))
    cases = []
    for kind in KINDS:
        train_size = config.train_crop(kind) or size
        for backbone in config.model(kind).backbones:
            cases.append(ModelCase(config.name, kind, backbone, head_of(config, kind), train_size, size,
                                   batch_size_of(config, kind)))
    return cases
