"""The steel's edge beside a black margin: real steel darkens over a ramp of columns into the margin (the
strip's rounded edge, lit at a slant); a sharp step with a bright rim is what a generator draws without
it. Pure functions of arrays.

- measured: a strip's column means around the end of its margin (``measure.margin``), as the fraction
  of the way from the margin's grey to the steel's (the median column mean STEEL_COLUMNS beyond the
  end) at EDGE_OFFSETS columns from it (``edge_levels``), and the columns its fraction takes to climb
  from 0.1 to 0.9 (``ramp_width``). On the strips of ../shared/real with a margin the ramp is 6, 17 and
  29 columns wide at its 10%, 50% and 90% quantiles; a step drawn at a random sharpness of 1-3 columns,
  as version 5 drew it, is 1-6 wide, and the column-mean spectra of strips with a margin told the drawn
  strips from real ones with an AUC of 0.84;
- fitted: the median fraction at each offset and quantiles of the strips' ramp widths (``fit_edge``);
- drawn: ``edge_fraction`` gives one strip's fraction at any distance from the margin's end: the fitted
  profile stretched about that end to a ramp width drawn from the quantiles.
"""

from __future__ import annotations

import numpy as np

from steeldefect.artifacts.look_file import MarginEdge
from steeldefect.synth.look.measure import MARGIN_GREY, margin

EDGE_OFFSETS = tuple(range(-8, 41))  # columns from the end of a margin (> 0: on the steel)
STEEL_COLUMNS = (40, 80)  # columns beyond the end of a margin whose median mean is the steel's grey
RAMP_PROBABILITIES = (0.1, 0.25, 0.5, 0.75, 0.9)
RAMP_FROM, RAMP_TO = 0.1, 0.9  # the fractions between which a ramp's width is counted


def edge_levels(grey: np.ndarray) -> np.ndarray | None:
    """The fraction from the margin's grey to the steel's of each column mean of ``grey`` at EDGE_OFFSETS
    from the end of its margin, as if the margin were on the left; None without a margin, with too
    little margin or steel to measure, or with steel no brighter than the margin."""
    side, width = margin(grey)
    columns = grey.mean(axis=0)
    if side is None or width < -EDGE_OFFSETS[0] or width + STEEL_COLUMNS[1] > len(columns):
        return None
    if side == "right":
        columns = columns[::-1]
    dark = float(np.median(columns[:width]))
    steel = float(np.median(columns[width + STEEL_COLUMNS[0]:width + STEEL_COLUMNS[1]]))
    if steel - dark < MARGIN_GREY:
        return None
    return (columns[width + np.array(EDGE_OFFSETS)] - dark) / (steel - dark)


def ramp_width(levels: np.ndarray, offsets=EDGE_OFFSETS) -> float:
    """Columns between the first ``offsets`` where ``levels`` reach RAMP_FROM and RAMP_TO, counted with
    linear interpolation between them."""
    levels, offsets = np.asarray(levels, np.float64), np.asarray(offsets, np.float64)

    def crossing(level: float) -> float:
        above = np.flatnonzero(levels >= level)
        if not len(above):
            return float(offsets[-1])
        k = int(above[0])
        if k == 0:
            return float(offsets[0])
        step = float(levels[k] - levels[k - 1])
        return float(offsets[k - 1] + (level - levels[k - 1]) / step) if step > 0 else float(offsets[k])

    return max(crossing(RAMP_TO) - crossing(RAMP_FROM), 0.0)


def fit_edge(greys: list[np.ndarray]) -> MarginEdge | None:
    """The median edge profile of the strips of ``greys`` with a margin and the quantiles of their ramp
    widths; None when no strip has a margin to measure."""
    measured = [levels for levels in (edge_levels(g) for g in greys) if levels is not None]
    if not measured:
        return None
    profile = np.median(measured, axis=0)
    ramps = np.quantile([ramp_width(levels) for levels in measured], RAMP_PROBABILITIES)
    return MarginEdge(offsets=tuple(float(o) for o in EDGE_OFFSETS), levels=tuple(float(v) for v in profile),
                      probabilities=RAMP_PROBABILITIES, ramps=tuple(float(r) for r in ramps))


def edge_fraction(rng: np.random.Generator, edge: MarginEdge, distance: np.ndarray) -> np.ndarray:
    """One strip's fraction of the way from margin to steel at ``distance`` columns from the end of its
    margin (> 0 on the steel): the fitted profile stretched to a ramp width drawn between the first and
    the last fitted quantile, held at its end levels beyond its offsets."""
    probabilities = np.asarray(edge.probabilities)
    ramp = float(np.interp(rng.uniform(probabilities[0], probabilities[-1]), probabilities, edge.ramps))
    scale = ramp_width(edge.levels, edge.offsets) / max(ramp, 1.0)
    return np.interp(distance * scale, edge.offsets, edge.levels).astype(np.float32)
