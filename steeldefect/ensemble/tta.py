"""Test-time augmentation: flips of a batch and their inverses, as named modes.

A view transforms a batch (B, H, W, C) before the model and puts a mask prediction (B, H, W, C) back
in place after it; flips are their own inverses. Classifier outputs need no inverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from steeldefect.errors import SteelDefectError

ROW_AXIS, COL_AXIS = 1, 2  # axes of height and width in a (B, H, W, C) batch


@dataclass(frozen=True)
class Flip:
    """A flip along some of the image axes (none = identity)."""

    name: str
    axes: tuple[int, ...]

    def apply(self, batch: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.flip(batch, self.axes)) if self.axes else batch

    def invert(self, batch: np.ndarray) -> np.ndarray:
        return self.apply(batch)


IDENTITY = Flip("identity", ())
HFLIP = Flip("hflip", (COL_AXIS,))  # left-right
VFLIP = Flip("vflip", (ROW_AXIS,))  # top-bottom

TTA_MODES: dict[str, tuple[Flip, ...]] = {
    "none": (IDENTITY,),
    "hflip": (IDENTITY, HFLIP),
    "vflip": (IDENTITY, VFLIP),
    "both": (IDENTITY, HFLIP, VFLIP),  # the original and each single flip
}


def tta_views(mode: str) -> tuple[Flip, ...]:
    """The views of a TTA mode; the error lists the valid modes."""
    try:
        return TTA_MODES[mode]
    except KeyError:
        raise SteelDefectError(f"unknown TTA mode {mode!r}; available modes: {', '.join(TTA_MODES)}") from None


def tta_apply(fn: Callable[[np.ndarray], np.ndarray], batch: np.ndarray, mode: str, add,
              invert: bool = True) -> None:
    """Run ``fn`` on every view of ``batch``; hand each output (put back in place when ``invert``)
    to ``add`` (e.g. a reducer's ``add``)."""
    for view in tta_views(mode):
        out = fn(view.apply(batch))
        add(view.invert(out) if invert else out)
