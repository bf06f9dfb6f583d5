"""Frequency grids shared by fitting and drawing: where each FFT sample falls among a look's centres.

Frequencies are in cycles per pixel, so a look fitted on 256x1600 strips draws strips of any size.
Centres are compared on a log scale, ``log(f + FREQ_FLOOR)``, so the zero frequency (a profile
constant along one axis: row banding or column streaks) is a centre of its own.
"""

from __future__ import annotations

import numpy as np

FREQ_FLOOR = 1.0 / 4096  # added before the log, so that 0 cycles/px has a finite position


def log_freq(f: np.ndarray) -> np.ndarray:
    return np.log(np.asarray(f, dtype=np.float64) + FREQ_FLOOR)


def frequencies(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(|fy| of each rfft2 row, fx of each rfft2 column) of an image of ``shape``, cycles per pixel."""
    return np.abs(np.fft.fftfreq(shape[0])), np.fft.rfftfreq(shape[1])


def nearest_centre(f: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the centre nearest each frequency, on the log scale."""
    u, c = log_freq(f), log_freq(centres)
    return np.clip(np.searchsorted((c[1:] + c[:-1]) / 2, u), 0, len(c) - 1)


def _along(f: np.ndarray, centres: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``values`` at ``centres`` interpolated to ``f`` on the log scale, the zero frequency apart: a
    zero frequency takes the zero centre's value, the others interpolate among the non-zero centres
    only (the power of a profile constant along an axis must not leak into its neighbours)."""
    nonzero = centres > 0
    out = np.interp(log_freq(f), log_freq(centres[nonzero]), values[nonzero])
    if not nonzero.all():
        out[f == 0] = values[~nonzero][0]
    return out


def binned_mean(cells: np.ndarray, values: np.ndarray, n_cells: int) -> np.ndarray:
    """Mean of ``values`` per cell index 0..n_cells-1; NaN for a cell no value fell in."""
    sums = np.bincount(cells.ravel(), values.ravel(), n_cells)
    counts = np.bincount(cells.ravel(), minlength=n_cells)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def interpolate_grid(grid: np.ndarray, fy_centres: np.ndarray, fx_centres: np.ndarray,
                     shape: tuple[int, int]) -> np.ndarray:
    """The (len(fy), len(fx)) ``grid`` interpolated bilinearly (log scale) onto the rfft2 grid of ``shape``."""
    fy, fx = frequencies(shape)
    along_x = np.stack([_along(fx, fx_centres, row) for row in grid])
    return np.stack([_along(fy, fy_centres, col) for col in along_x.T], axis=1)


def radius(shape: tuple[int, int]) -> np.ndarray:
    """Frequency radius (cycles per pixel) of each rfft2 sample of ``shape``."""
    fy, fx = frequencies(shape)
    return np.hypot(fy[:, None], fx[None, :])
