"""Fit a Look on real grey strips: measure every strip (``measure``), pool the measurements, then
correct the look by drawing (``calibrate``). Pure: arrays in, a Look out.

- the row profile: real strips brighten steadily from top to bottom (the light), by a different
  amount on each strip; the median of the strips' row-mean profiles, scaled to unit RMS, and each
  strip's weight of it. That part is taken out before the rest is measured;
- the power spectrum's shape: the mean over strips of the log of the binned power, each strip's
  power divided by its variance first;
- the bank: each strip's mean grey, the spread of either band, its weight of the row profile and
  its flecks per million pixels;
- flecks: sparse sharp specks and short scratches of clean steel (connected high-band pixels beyond
  FLECK_SIGMA spreads): quantiles of their lengths and peaks;
- margins: the share of strips with a black margin, and their widths. By class, measured on labelled
  strips, in ``margins`` (``fit_folder`` adds them);
- the grey shape and the bright splashes (``marks``);
- the steel's edge beside a margin (``edges``).
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np

from steeldefect.artifacts.look_file import Look
from steeldefect.errors import SteelDefectError
from steeldefect.synth.look.calibrate import calibrate, fit_modulation
from steeldefect.synth.look.edges import fit_edge
from steeldefect.synth.look.field import profile_rows
from steeldefect.synth.look.marks import GREY_PROBABILITIES, fit_grey, fit_splashes
from steeldefect.synth.look.measure import (FLECK_PROBABILITIES, FX_CENTRES, FY_CENTRES, LOW_CUTOFF, MIN_STEEL,
                                            fill_empty, binned_log_power, flecks, gradient_ratio, margin,
                                            row_profile, split_bands, steel)


def fit_look(greys: list[np.ndarray], fitted_on: str, jpeg_quality: int) -> Look:
    """The look of ``greys`` (grey strips, float, 0..255), with margins measured on the whole strips."""
    margins = [margin(g) for g in greys]
    steels = [s for s in (steel(g) for g in greys) if s is not None]
    if not steels:
        raise SteelDefectError(f"none of the {len(greys)} strips has {MIN_STEEL} columns of steel beside its "
                               "black margin: too narrow to fit a look on")
    shared, weights = row_profile(steels)
    rests = [s - weight * profile_rows(shared, s.shape[0])[:, None] for s, weight in zip(steels, weights)]
    grids = np.stack([binned_log_power(r) for r in rests])
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # cells no strip reached: NaN, then fill_empty
        log_psd = fill_empty(np.nanmean(grids, axis=0))
    bank, ratios, lengths, peaks = [], [], [], []
    for s, r, weight in zip(steels, rests, weights):
        low, high = split_bands(r)
        spread = max(float(high.std()), 1e-6)
        _, fleck_lengths, fleck_peaks = flecks(high, spread)
        bank.append((float(s.mean()), float(low.std()), spread, float(weight), 1e6 * len(fleck_peaks) / s.size))
        ratios.append(gradient_ratio(s.astype(np.float32)))
        lengths.append(fleck_lengths)
        peaks.append(fleck_peaks)
    lengths, peaks = np.concatenate(lengths), np.concatenate(peaks)
    if not len(peaks):
        lengths, peaks = np.zeros(1), np.zeros(1)
    widths = sorted(w for side, w in margins if side is not None and w < greys[0].shape[1])
    look = Look(fitted_on=fitted_on, fy=tuple(FY_CENTRES.tolist()), fx=tuple(FX_CENTRES.tolist()),
                log_psd=tuple(tuple(r) for r in log_psd.tolist()),
                low_cutoff=LOW_CUTOFF, grain_modulation=0.0, row_profile=tuple(shared.tolist()),
                fleck_probabilities=tuple(FLECK_PROBABILITIES.tolist()),
                fleck_lengths=tuple(np.quantile(lengths, FLECK_PROBABILITIES).tolist()),
                fleck_peaks=tuple(np.quantile(peaks, FLECK_PROBABILITIES).tolist()), bank=tuple(bank),
                margin_probability=len(widths) / len(greys), margin_widths=tuple(int(w) for w in widths),
                jpeg_quality=int(jpeg_quality), grey_probabilities=GREY_PROBABILITIES,
                grey_quantiles=fit_grey(steels), splashes=fit_splashes(steels),
                margin_edge=fit_edge(greys))
    look = replace(look, grain_modulation=fit_modulation(look, float(np.median(ratios))))
    full = [s for s in steels if s.shape == greys[0].shape]  # strips without a margin: one size to match
    return calibrate(look, full) if len(full) >= 2 else look
