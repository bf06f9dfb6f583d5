"""What a source of annotations yields: images with one RLE per class, and the classes they use.

Sources (``masks_source``, ``coco_source``) turn an export into an ``Imported``; ``dataset_writer``
turns that into a dataset folder. The masks are run-length encoded (column-major, 1-based, as
train.csv holds them) as soon as an image is read, so no dataset has to fit in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from steeldefect.data.rle import rle_encode


@dataclass(frozen=True)
class ImportedImage:
    """One image of an export: its file, (height, width) and one RLE per class (``""`` when empty)."""

    path: Path
    shape: tuple[int, int]
    rles: tuple[str, ...]

    @property
    def name(self) -> str:
        """Its ImageId in the dataset: the file name."""
        return self.path.name


@dataclass(frozen=True)
class Imported:
    """An export read: class names (ids 1..K), the good images, and what was left out and why."""

    class_names: tuple[str, ...]
    images: tuple[ImportedImage, ...]
    source: dict[str, Any] = field(default_factory=dict)  # recorded in dataset.yaml
    skipped: tuple[str, ...] = ()  # one line per problem (``--skip-bad``)
    notes: tuple[str, ...] = ()  # informational lines for the user


def encode_class_masks(masks: np.ndarray) -> tuple[str, ...]:
    """(H, W, K) masks (non-zero = foreground) -> K RLE strings."""
    return tuple(rle_encode(masks[..., k]) for k in range(masks.shape[-1]))


def encode_index_mask(index: np.ndarray, n_classes: int) -> tuple[str, ...]:
    """(H, W) class ids (0 = background) -> ``n_classes`` RLE strings, class 1 first."""
    return tuple(rle_encode(index == k) for k in range(1, n_classes + 1))


def pad_rles(rles: tuple[str, ...], n_classes: int) -> tuple[str, ...]:
    """``rles`` with empty masks appended up to ``n_classes``."""
    return tuple(rles) + ("",) * (n_classes - len(rles))
