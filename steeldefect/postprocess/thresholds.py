"""The tuned post-processing values (thresholds.yaml): a frozen dataclass, read and written as YAML.

Format (``format: steeldefect-thresholds/1``)::

    format: steeldefect-thresholds/1
    gate_kind: image          # image: one defect probability per image; class: one per class (4-label)
    global_gate: 0.35         # image gate: min of class gates; below it every class is gated (and the
                              # image skips the segmenters unless a class has a soft gate;
                              # null with a 4-label classifier: skipped when every class is gated)
    resolution: [128, 800]    # (h, w) of the segmenters' output, where the OOF Dice was measured
    classes:
      1: {pixel_threshold: 0.55, min_area: 600, gate: 0.35, min_component: 0,
          survival_threshold: 0.7, gate_area_factor: 5.0}
      2: ...
    tuned: {...}              # what tuning found and used: OOF Dice, defaults' Dice, runs, grids

``min_area`` and ``min_component`` are in pixels of the full 256x1600 image. ``gate`` is a classifier
probability: a mask of an image (class) whose probability is below it is emptied (the hard gate), or,
with a ``gate_area_factor`` f, must reach f times the minimum area (the soft gate; f = 1 is no gate).
With a ``survival_threshold`` s (two-level thresholds), whether a mask survives the minimum area is
decided by its pixels at or above s, and the kept mask is drawn at ``pixel_threshold``. Files without
the two keys (older ones) mean a hard gate and one threshold.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from steeldefect.constants import CLASS_IDS, NUM_CLASSES
from steeldefect.data.io import atomic_write, read_yaml
from steeldefect.postprocess.masks import threshold_level
from steeldefect.errors import SteelDefectError

FORMAT = "steeldefect-thresholds/1"  # the format tag written into and required from thresholds.yaml
GATE_KINDS = ("image", "class")  # classifier with one output per image / one per class
DEFAULT_PIXEL_THRESHOLD = 0.5  # the untuned pixel threshold
CLASS_KEYS = ("pixel_threshold", "min_area", "gate", "min_component", "survival_threshold", "gate_area_factor")


@dataclass(frozen=True)
class ClassThresholds:
    """Post-processing of one class."""

    pixel_threshold: float = DEFAULT_PIXEL_THRESHOLD  # probability at or above which a pixel is foreground
    min_area: int = 0  # full-resolution pixels; a smaller mask is emptied
    gate: float = 0.0  # classifier probability below which the mask is emptied (0: no gate)
    min_component: int = 0  # full-resolution pixels; smaller connected components are removed
    survival_threshold: float | None = None  # two-level: the mask survives if its pixels >= this reach min_area
    gate_area_factor: float | None = None  # soft gate: below the gate min_area is multiplied by this; None: emptied

    @property
    def level(self) -> int:
        """The uint8 level of the pixel threshold (foreground is q >= level)."""
        return threshold_level(self.pixel_threshold)

    @property
    def survival_level(self) -> int | None:
        """The uint8 level of the survival threshold, or None (survival decided on the drawn mask)."""
        return None if self.survival_threshold is None else threshold_level(self.survival_threshold)

    @property
    def gated_area_factor(self) -> float:
        """What the minimum area is multiplied by below the gate: inf for the hard gate (emptied)."""
        return float("inf") if self.gate_area_factor is None else float(self.gate_area_factor)

    def validate(self, where: str) -> None:
        if not 0.0 <= self.pixel_threshold <= 1.0:
            raise SteelDefectError(f"{where}: pixel_threshold {self.pixel_threshold} is outside [0, 1]")
        if not 0.0 <= self.gate <= 1.0:
            raise SteelDefectError(f"{where}: gate {self.gate} is outside [0, 1]")
        for key in ("min_area", "min_component"):
            if getattr(self, key) < 0:
                raise SteelDefectError(f"{where}: {key} {getattr(self, key)} is negative")
        if self.survival_threshold is not None and not 0.0 <= self.survival_threshold <= 1.0:
            raise SteelDefectError(f"{where}: survival_threshold {self.survival_threshold} is outside [0, 1]")
        if self.gate_area_factor is not None and not 1.0 <= self.gate_area_factor < float("inf"):
            raise SteelDefectError(f"{where}: gate_area_factor {self.gate_area_factor} must be at least 1 and "
                                   "finite (null: the hard gate)")


@dataclass(frozen=True)
class Thresholds:
    """Post-processing of all classes, plus what tuning recorded about itself."""

    classes: tuple[ClassThresholds, ...] = tuple(ClassThresholds() for _ in CLASS_IDS)
    gate_kind: str = "image"
    resolution: tuple[int, int] | None = None  # (h, w) where the OOF Dice was measured
    tuned: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if len(self.classes) != NUM_CLASSES:
            raise SteelDefectError(f"thresholds need {NUM_CLASSES} classes, got {len(self.classes)}")
        if self.gate_kind not in GATE_KINDS:
            raise SteelDefectError(f"gate_kind {self.gate_kind!r} is not one of {', '.join(GATE_KINDS)}")

    @property
    def global_gate(self) -> float | None:
        """Image gate of a one-output classifier: an image below it has every class gated, so it skips
        the segmenters unless a class has a soft gate. None for a 4-label classifier (an image skips
        them when every class probability is below its class's hard gate)."""
        return min(c.gate for c in self.classes) if self.gate_kind == "image" else None

    @property
    def levels(self) -> tuple[int, ...]:
        return tuple(c.level for c in self.classes)

    def with_tuned(self, **info) -> "Thresholds":
        return replace(self, tuned={**self.tuned, **info})


def check_resolution(thresholds: Thresholds, out_size: tuple[int, int], source: str = "thresholds") -> None:
    """The segmenters must predict at the resolution the thresholds were tuned at: minimum areas and
    pixel thresholds do not carry over between resolutions. Thresholds that record none pass."""
    if thresholds.resolution is None or tuple(thresholds.resolution) == tuple(out_size):
        return
    (th, tw), (h, w) = thresholds.resolution, out_size
    raise SteelDefectError(f"{source} were tuned at {th}x{tw} but the segmenters predict at {h}x{w}; run "
                           "`steeldefect tune` on these runs' OOF predictions, or predict with the runs the "
                           "thresholds were tuned on")


def _optional_float(value) -> float | None:
    return None if value is None else float(value)


def thresholds_to_dict(th: Thresholds) -> dict:
    """Plain YAML-ready data of ``th``."""
    return {
        "format": FORMAT,
        "gate_kind": th.gate_kind,
        "global_gate": None if th.global_gate is None else float(th.global_gate),
        "resolution": list(th.resolution) if th.resolution else None,
        "classes": {cls: {"pixel_threshold": float(c.pixel_threshold), "min_area": int(c.min_area),
                          "gate": float(c.gate), "min_component": int(c.min_component),
                          "survival_threshold": _optional_float(c.survival_threshold),
                          "gate_area_factor": _optional_float(c.gate_area_factor)}
                    for cls, c in zip(CLASS_IDS, th.classes)},
        "tuned": th.tuned,
    }


def thresholds_from_dict(data: Any, source: str = "thresholds") -> Thresholds:
    """Build Thresholds from YAML data; errors name ``source`` and the key."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SteelDefectError(f"{source}: not a thresholds file (expected 'format: {FORMAT}'); "
                               "make one with `steeldefect tune`")
    classes_data = data.get("classes") or {}
    missing = [c for c in CLASS_IDS if c not in classes_data and str(c) not in classes_data]
    if missing:
        raise SteelDefectError(f"{source}: classes lacks class {missing[0]}")
    classes = []
    for cls in CLASS_IDS:
        entry = classes_data.get(cls, classes_data.get(str(cls)))
        unknown = sorted(set(entry) - set(CLASS_KEYS))
        if unknown:
            raise SteelDefectError(f"{source}: classes.{cls}.{unknown[0]}: unknown key; valid keys are "
                                   f"{', '.join(CLASS_KEYS)}")
        try:
            c = ClassThresholds(pixel_threshold=float(entry.get("pixel_threshold", DEFAULT_PIXEL_THRESHOLD)),
                                min_area=int(entry.get("min_area", 0)), gate=float(entry.get("gate", 0.0)),
                                min_component=int(entry.get("min_component", 0)),
                                survival_threshold=_optional_float(entry.get("survival_threshold")),
                                gate_area_factor=_optional_float(entry.get("gate_area_factor")))
        except (TypeError, ValueError) as err:
            raise SteelDefectError(f"{source}: classes.{cls}: {err}") from None
        c.validate(f"{source}: classes.{cls}")
        classes.append(c)
    resolution = data.get("resolution")
    return Thresholds(classes=tuple(classes), gate_kind=data.get("gate_kind", "image"),
                      resolution=tuple(int(v) for v in resolution) if resolution else None,
                      tuned=data.get("tuned") or {})


def save_thresholds(th: Thresholds, path: str | os.PathLike) -> None:
    """Write thresholds.yaml atomically."""
    with atomic_write(path) as tmp:
        tmp.write_text(yaml.safe_dump(thresholds_to_dict(th), sort_keys=False, default_flow_style=None))


def load_thresholds(path: str | os.PathLike) -> Thresholds:
    """Read thresholds.yaml; one-line errors for a missing or malformed file."""
    data = read_yaml(path, "thresholds file", " (make one with `steeldefect tune`)")
    return thresholds_from_dict(data, str(path))
