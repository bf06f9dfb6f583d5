"""The post-processing rules tuning finds and prediction applies: per class a pixel threshold, a
minimum area, a classifier gate, a minimum component, an optional second (survival) threshold and an
optional soft gate; frozen dataclasses and pure checks. Their file, thresholds.yaml, is read and written
by ``steeldefect.artifacts.thresholds_file``.

``min_area`` and ``min_component`` are in pixels of the full 256x1600 image. ``gate`` is a classifier
probability: a mask of an image (class) whose probability is below it is emptied (the hard gate), or,
with a ``gate_area_factor`` f, must reach f times the minimum area (the soft gate; f = 1 is no gate).
With a ``survival_threshold`` s (two-level thresholds), whether a mask survives the minimum area is
decided by its pixels at or above s, and the kept mask is drawn at ``pixel_threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from steeldefect.constants import CLASS_IDS, IMAGE_SHAPE
from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.masks import threshold_level

GATE_KINDS = ("image", "class")  # classifier with one output per image / one per class
DEFAULT_PIXEL_THRESHOLD = 0.5  # the untuned pixel threshold


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
    area_reference: tuple[int, int] = IMAGE_SHAPE  # (h, w) of the image whose pixels min_area counts

    def __post_init__(self):
        if not self.classes:
            raise SteelDefectError("thresholds need at least one class")
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


def default_thresholds(n_classes: int = len(CLASS_IDS)) -> Thresholds:
    """The defaults for ``n_classes`` classes: pixel threshold 0.5, no minimum area, no gate."""
    return Thresholds(classes=tuple(ClassThresholds() for _ in range(int(n_classes))))


def check_resolution(thresholds: Thresholds, out_size: tuple[int, int], source: str = "thresholds") -> None:
    """The segmenters must predict at the resolution the thresholds were tuned at: minimum areas and
    pixel thresholds do not carry over between resolutions. Thresholds that record none pass."""
    if thresholds.resolution is None or tuple(thresholds.resolution) == tuple(out_size):
        return
    (th, tw), (h, w) = thresholds.resolution, out_size
    raise SteelDefectError(f"{source} were tuned at {th}x{tw} but the segmenters predict at {h}x{w}; run "
                           "`steeldefect tune` on these runs' OOF predictions, or predict with the runs the "
                           "thresholds were tuned on")
