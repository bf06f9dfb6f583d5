"""The exact, vectorised Dice sweep over (candidate, min area, gate) grids, and the choice rule.

For one class, each image i contributes, for a candidate k (a pixel threshold, or a component size):
predicted area ``P[i, k]`` and intersection ``I[i, k]`` at the model resolution, truth area ``T[i]``
and classifier probability ``g[i]``. Under (k, min area A, gate G) the mask of image i is kept when
``P*scale >= A`` and ``g >= G`` (Dice ``2I/(T+P)``, 1 when both empty) and emptied otherwise (Dice 1
if ``T == 0``, else 0). Writing the kept Dice as the emptied Dice plus a difference ``delta[i, k]``,
the total Dice of every grid point is a suffix sum of a (K, |A|+1, |G|+1) histogram of ``delta``
binned by how many area and gate values each image passes: O(N*K + K*|A|*|G|), no image re-thresholded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from steeldefect.errors import SteelDefectError

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

    def validate(self) -> None:
        from steeldefect.postprocess.masks import threshold_level

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
        levels = [threshold_level(t) for t in self.pixel_thresholds]
        if len(set(levels)) != len(levels):
            raise SteelDefectError("tuning grid pixel_thresholds map to the same uint8 level (1/255 apart "
                                   "at least); use a coarser step")


def dice_sums(pred_area: np.ndarray, inter: np.ndarray, truth_area: np.ndarray, gate_probs: np.ndarray | None,
              scale: float, min_areas, gates) -> np.ndarray:
    """Total Dice over images for every (candidate, min area, gate): float64 (K, |A|, |G|).

    pred_area, inter: (N, K) at the model resolution; truth_area: (N,); gate_probs: (N,) or None
    (no classifier: every image passes every gate); ``scale`` full-res pixels per model pixel.
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
    delta = kept_dice - empty_dice[:, None]
    a_idx = np.searchsorted(min_areas, pred_area * scale, side="right")  # min areas this area reaches
    if gate_probs is None:
        g_idx = np.full(n, len(gates), np.int64)
    else:
        g_idx = np.searchsorted(gates, np.asarray(gate_probs, np.float64), side="right")  # gates passed
    flat = (np.arange(k)[None, :] * n_a + a_idx) * n_g + g_idx[:, None]
    hist = np.bincount(flat.ravel(), weights=delta.ravel(), minlength=k * n_a * n_g).reshape(k, n_a, n_g)
    suffix = hist[:, ::-1, ::-1].cumsum(axis=1).cumsum(axis=2)[:, ::-1, ::-1]
    return empty_dice.sum() + suffix[:, 1:, 1:]


def first_best(values: np.ndarray, tol: float = TIE_TOL) -> tuple[int, ...]:
    """Index of the first (C order) entry within ``tol`` of the maximum."""
    flat = np.asarray(values).ravel()
    return np.unravel_index(int(np.flatnonzero(flat >= flat.max() - tol)[0]), np.shape(values))


def select(surfaces: list[np.ndarray], shared_gate: bool = False) -> list[tuple[int, int, int]]:
    """Per class, the grid index (candidate, min area, gate) of the best total Dice.

    ``surfaces``: one (K, |A|, |G|) array of Dice sums per class. With ``shared_gate`` all classes
    take the same gate: the one maximising the sum over classes of each class's best at that gate.
    """
    if not shared_gate:
        return [tuple(int(i) for i in first_best(s)) for s in surfaces]
    per_gate = sum(s.reshape(-1, s.shape[2]).max(axis=0) for s in surfaces)
    (g,) = first_best(per_gate)
    return [(*(int(i) for i in first_best(s[:, :, g])), int(g)) for s in surfaces]
