"""The exact, vectorised Dice sweep over (candidate, min area, gate) grids, and the choice rule.

For one class, each image i contributes, for a candidate k (a pixel threshold, or a component size):
predicted area ``P[i, k]`` and intersection ``I[i, k]`` at the model resolution, truth area ``T[i]``
and classifier probability ``g[i]``. Under (k, min area A, gate G) the mask of image i is kept when
``P*scale >= A`` and ``g >= G`` (Dice ``2I/(T+P)``, 1 when both empty) and emptied otherwise (Dice 1
if ``T == 0``, else 0). Writing the kept Dice as the emptied Dice plus a difference ``delta[i, k]``,
the total Dice of every grid point is a suffix sum of a (K, |A|+1, |G|+1) histogram of ``delta``
binned by how many area and gate values each image passes: O(N*K + K*|A|*|G|), no image re-thresholded.

Two more rules fit the same sums. Two-level thresholds: the area that must reach A is a survival
area ``S[i]`` (the pixels at or above a survival threshold) instead of ``P[i, k]``. Soft gate: below
the gate the mask is kept when its area reaches ``f * A`` instead of being emptied; those images are a
second histogram, binned by the ``f * A`` values they reach, summed over the gates they fail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from steeldefect.errors import SteelDefectError
from steeldefect.postprocess.masks import threshold_level

TIE_TOL = 1e-9  # Dice sums (over images) closer than this are ties, won by the first in grid order


def _steps(lo: float, hi: float, step: float, digits: int = 4) -> tuple[float, ...]:
    return tuple(round(float(v), digits) for v in np.arange(lo, hi + step / 2, step))


@dataclass(frozen=True)
class TuneGrid:
    """The values searched. Grid order (for ties) is ascending in every axis, thresholds outermost."""

    pixel_thresholds: tuple[float, ...] = _steps(0.05, 0.95, 0.025)
    min_areas: tuple[int, ...] = (0, 250, 500, 750, 1000, 1500, 2000, 2500, 3000, 3500, 4000, 5000, 6000,
                                  7000, 8000, 10000, 12000, 15000, 20000)  # full-resolution pixels
    gates: tuple[float, ...] = _steps(0.0, 0.95, 0.05)  # used only when classifier runs exist
    min_components: tuple[int, ...] = (0, 100, 200, 300, 500, 800, 1200, 2000, 3000)  # stage 2, full-res px
    # two-level thresholds: besides one level (none), these survival thresholds are searched
    survival_thresholds: tuple[float, ...] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    # soft gate: besides the hard gate (emptied), these factors of the minimum area below the gate
    gate_area_factors: tuple[float, ...] = (1.0, 1.5, 2.0, 3.0, 5.0, 10.0)

    def validate(self) -> None:
        for name in ("pixel_thresholds", "min_areas", "gates", "min_components"):
            values = np.asarray(getattr(self, name), dtype=np.float64)
            if values.size == 0:
                raise SteelDefectError(f"tuning grid {name} is empty")
            if np.any(np.diff(values) <= 0):
                raise SteelDefectError(f"tuning grid {name} must be strictly increasing, got {list(values)}")
            if values[0] < 0:
                raise SteelDefectError(f"tuning grid {name} has a negative value {values[0]}")
        if self.min_components[0] != 0:
            raise SteelDefectError("tuning grid min_components must start at 0 (no removal), so stage 2 "
                                   "can keep stage 1's choice")
        if max(self.pixel_thresholds) > 1 or max(self.gates) > 1:
            raise SteelDefectError("tuning grid pixel_thresholds and gates must lie in [0, 1]")
        for name in ("pixel_thresholds", "survival_thresholds"):
            levels = [threshold_level(t) for t in getattr(self, name)]
            if len(set(levels)) != len(levels):
                raise SteelDefectError(f"tuning grid {name} map to the same uint8 level (1/255 apart "
                                       "at least); use a coarser step")
        for name in ("survival_thresholds", "gate_area_factors"):
            values = np.asarray(getattr(self, name), dtype=np.float64)
            if np.any(np.diff(values) <= 0):
                raise SteelDefectError(f"tuning grid {name} must be strictly increasing, got {list(values)}")
        if self.survival_thresholds and not 0 <= min(self.survival_thresholds) <= max(self.survival_thresholds) <= 1:
            raise SteelDefectError("tuning grid survival_thresholds must lie in [0, 1]")
        if self.gate_area_factors and (min(self.gate_area_factors) < 1
                                       or not np.isfinite(max(self.gate_area_factors))):
            raise SteelDefectError("tuning grid gate_area_factors must be finite and at least 1 (1: no gate)")


def dice_sums(pred_area: np.ndarray, inter: np.ndarray, truth_area: np.ndarray, gate_probs: np.ndarray | None,
              scale: float, min_areas, gates, survival_area: np.ndarray | None = None,
              gate_area_factor: float | None = None) -> np.ndarray:
    """Total Dice over images for every (candidate, min area, gate): float64 (K, |A|, |G|).

    pred_area, inter: (N, K) at the model resolution; truth_area: (N,); gate_probs: (N,) or None
    (no classifier: every image passes every gate); ``scale`` full-res pixels per model pixel.
    ``survival_area`` (N,): the area that must reach the minimum area (two-level thresholds); None:
    the drawn area ``pred_area``. ``gate_area_factor``: below the gate the minimum area is multiplied
    by it (soft gate); None: the mask is emptied (hard gate).
    """
    pred_area = np.asarray(pred_area, np.float64)
    n, k = pred_area.shape
    truth = np.asarray(truth_area, np.float64)
    min_areas = np.asarray(min_areas, np.float64)
    gates = np.asarray(gates, np.float64)
    n_a, n_g = len(min_areas) + 1, len(gates) + 1
    empty_dice = (truth == 0).astype(np.float64)
    denom = truth[:, None] + pred_area
    with np.errstate(invalid="ignore", divide="ignore"):
        kept_dice = np.where(denom == 0, 1.0, 2.0 * np.asarray(inter, np.float64) / np.maximum(denom, 1))
    delta = (kept_dice - empty_dice[:, None]).ravel()
    survival = pred_area if survival_area is None else np.broadcast_to(
        np.asarray(survival_area, np.float64)[:, None], (n, k))
    if gate_probs is None:
        g_idx = np.full(n, len(gates), np.int64)
    else:
        g_idx = np.searchsorted(gates, np.asarray(gate_probs, np.float64), side="right")  # gates passed
    candidates = np.arange(k)[None, :] * n_a

    def histogram(area_bounds):
        a_idx = np.searchsorted(area_bounds, survival * scale, side="right")  # min areas this area reaches
        flat = ((candidates + a_idx) * n_g + g_idx[:, None]).ravel()
        return np.bincount(flat, weights=delta, minlength=k * n_a * n_g).reshape(k, n_a, n_g)

    above = histogram(min_areas)  # images at or above gate j count where their area reaches A
    total = empty_dice.sum() + above[:, ::-1, ::-1].cumsum(axis=1).cumsum(axis=2)[:, ::-1, ::-1][:, 1:, 1:]
    if gate_area_factor is not None and gate_probs is not None:
        below = histogram(min_areas * float(gate_area_factor))  # images below gate j need f * A
        total = total + below[:, ::-1, :].cumsum(axis=1)[:, ::-1, :].cumsum(axis=2)[:, 1:, :len(gates)]
    return total


def first_best(values: np.ndarray, tol: float = TIE_TOL) -> tuple[int, ...]:
    """Index of the first (C order) entry within ``tol`` of the maximum."""
    flat = np.asarray(values).ravel()
    return np.unravel_index(int(np.flatnonzero(flat >= flat.max() - tol)[0]), np.shape(values))


def select(surfaces: list[np.ndarray], shared_gate: bool = False) -> list[tuple[int, ...]]:
    """Per class, the grid index of the best total Dice; the gate is the last axis of each surface.

    ``surfaces``: one array of Dice sums per class, e.g. (K, |A|, |G|), or with the rule axes first
    (survival, gate factor, K, |A|, |G|). With ``shared_gate`` all classes take the same gate: the one
    maximising the sum over classes of each class's best at that gate.
    """
    if not shared_gate:
        return [tuple(int(i) for i in first_best(s)) for s in surfaces]
    per_gate = sum(s.reshape(-1, s.shape[-1]).max(axis=0) for s in surfaces)
    (g,) = first_best(per_gate)
    return [(*(int(i) for i in first_best(s[..., g])), int(g)) for s in surfaces]


def parse_values(text: str, kind=float) -> tuple:
    """'0.1:0.9:0.05' (start:stop:step, stop included), '0,100,200', or 'none' (empty) -> a tuple of numbers."""
    try:
        if ":" in text:
            start, stop, step = (float(v) for v in text.split(":"))
            if step <= 0:
                raise ValueError("step must be positive")
            return tuple(kind(round(float(v), 6)) for v in np.arange(start, stop + step / 2, step))
        if text.strip().lower() == "none":
            return ()
        return tuple(kind(float(v)) for v in text.split(",") if v.strip())
    except ValueError as err:
        raise SteelDefectError(f"cannot read the values {text!r} ({err}); write start:stop:step or a,b,c") from None
