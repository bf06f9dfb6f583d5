"""Calibration by drawing: a look's numbers corrected until strips drawn from it measure like the real ones.

- the grain's modulation: real grain is calm in places and rough in others, which a plain Gaussian
  field is not; the strength of a smooth log-normal modulation is chosen so that the ratio of the
  99th to the 50th percentile of the drawn strips' gradient is the real strips' median;
- the zero-frequency row and column of the spectrum (column streaks, row banding) are corrected
  until the drawn strips' column-mean and row-mean profiles have the real full-width strips'
  median power at every frequency centre;
- then the bank's band spreads, until the drawn strips' median spreads are the measured medians.
Every draw uses a fixed seed, so a fit is repeatable.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

from steeldefect.artifacts.look_file import Look
from steeldefect.synth.look.field import render_texture
from steeldefect.synth.look.measure import FX_CENTRES, FY_CENTRES, gradient_ratio, split_bands
from steeldefect.synth.look.spectrum import binned_mean, nearest_centre

CALIBRATION_ROUNDS = 3  # rounds of matching the drawn strips' spectra to the real ones
CALIBRATION_DRAWS = 16  # strips drawn per round
MODULATIONS = np.linspace(0.0, 1.5, 16)  # grain modulation strengths tried
MODULATION_DRAWS = 8  # strips drawn per strength tried


def fit_modulation(look: Look, target: float) -> float:
    """The strength in MODULATIONS whose drawn strips' median gradient ratio is nearest ``target``."""
    shape = (256, 1024)
    ratios = []
    for strength in MODULATIONS:
        trial = replace(look, grain_modulation=float(strength))
        rng = np.random.default_rng(0)
        ratios.append(np.median([gradient_ratio(render_texture(rng, trial, shape))
                                 for _ in range(MODULATION_DRAWS)]))
    return float(MODULATIONS[int(np.argmin(np.abs(np.array(ratios) - target)))])


def _profile_cells(profile: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Mean power of a profile's spectrum per frequency centre (NaN where no frequency falls)."""
    power = np.abs(np.fft.rfft(profile - profile.mean())) ** 2 / len(profile)
    return binned_mean(nearest_centre(np.fft.rfftfreq(len(profile)), centres), power, len(centres))


def profile_spectra(greys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(log median column-profile power per fx centre, log median row-profile power per fy centre)."""
    columns = np.stack([_profile_cells(g.mean(axis=0), FX_CENTRES) for g in greys])
    rows = np.stack([_profile_cells(g.mean(axis=1), FY_CENTRES) for g in greys])
    with np.errstate(divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # centres no profile frequency reaches stay NaN
        return np.log(np.nanmedian(columns, axis=0)), np.log(np.nanmedian(rows, axis=0))


def _finite(values: np.ndarray) -> np.ndarray:
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


def _levels(look: Look, shape: tuple[int, int]) -> tuple[float, float]:
    """Median (low, high) band spread of strips drawn from ``look`` without its light profile."""
    flat = replace(look, bank=tuple((m, lo, hi, 0.0, f) for m, lo, hi, _, f in look.bank))
    rng = np.random.default_rng(0)
    bands = [split_bands(render_texture(rng, flat, shape)) for _ in range(CALIBRATION_DRAWS)]
    return float(np.median([b[0].std() for b in bands])), float(np.median([b[1].std() for b in bands]))


def calibrate(look: Look, targets: list[np.ndarray]) -> Look:
    """``look`` corrected by drawing: the zero-frequency row and column of its spectrum until the drawn
    strips' profile spectra match those of ``targets`` (real strips of one size), then the bank's band
    spreads until the drawn strips' median spreads are the bank's medians (what was measured)."""
    shape = targets[0].shape
    want_columns, want_rows = profile_spectra(targets)
    for _ in range(CALIBRATION_ROUNDS):
        rng = np.random.default_rng(0)
        got_columns, got_rows = profile_spectra([render_texture(rng, look, shape) for _ in range(CALIBRATION_DRAWS)])
        grid = np.array(look.log_psd)
        grid[0, 1:] += _finite(want_columns - got_columns)[1:]
        grid[1:, 0] += _finite(want_rows - got_rows)[1:]
        look = replace(look, log_psd=tuple(tuple(r) for r in grid.tolist()))
    bank = np.array(look.bank)
    want_low, want_high = float(np.median(bank[:, 1])), float(np.median(bank[:, 2]))
    for _ in range(CALIBRATION_ROUNDS):
        got_low, got_high = _levels(look, shape)
        bank[:, 1] *= want_low / max(got_low, 1e-6)
        bank[:, 2] *= want_high / max(got_high, 1e-6)
        look = replace(look, bank=tuple(tuple(r) for r in bank.tolist()))
    return look
