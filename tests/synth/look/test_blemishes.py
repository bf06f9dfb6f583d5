"""Blemishes: measured as planted, drawn as asked, deterministic per seed, and the shipped look's strips are
as heavy-tailed as real clean steel where a gate looks."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from steeldefect.artifacts.look_file import Blemishes
from steeldefect.data.images import read_image
from steeldefect.synth.look import default_look
from steeldefect.synth.look.blemishes import (BLEMISH_PROBABILITIES, band_response, blemish_medians, coarse_band,
                                              draw_blemishes, fit_blemishes, measure_blemishes, scale_blemishes,
                                              spot_sigma, _stamp)
from steeldefect.synth.look.calibrate import _blemish_rates
from steeldefect.synth.look.field import render_texture
from steeldefect.synth.look.fit_folder import chosen_strips
from steeldefect.synth.look.measure import MARGIN_GREY
from steeldefect.synth.look.split import MEASURE


def _planted() -> np.ndarray:
    rng = np.random.default_rng(0)
    steel = (100 + 6 * rng.standard_normal((256, 800))).astype(np.float32)
    cv2.ellipse(steel, (200, 100), (2, 12), 0, 0, 360, 60.0, -1)  # a dark dash, 5 x 25 pixels
    cv2.ellipse(steel, (500, 150), (8, 6), 0, 0, 360, 140.0, -1)  # a bright stain, 17 x 13 pixels
    return steel


def test_measure_finds_the_planted_blemishes_with_their_sign_and_shape():
    rate, heights, widths, peaks = measure_blemishes(_planted())
    dark, bright = np.argmin(peaks), np.argmax(peaks)
    assert peaks[dark] < -20 and peaks[bright] > 20
    assert heights[dark] > 2 * widths[dark] and widths[bright] > 2 * widths[dark]  # a dash, a round stain
    assert rate == pytest.approx(1e6 * len(peaks) / coarse_band(_planted()).size)
    plain = np.random.default_rng(1).normal(100, 2, (256, 800)).astype(np.float32)
    assert len(measure_blemishes(plain)[1]) == 0  # Gaussian grain alone has none this large
    assert fit_blemishes([plain]) is None


def test_fit_takes_quantiles_over_strips_and_blemishes():
    fitted = fit_blemishes([_planted(), _planted()[:, ::-1].copy()])
    assert fitted.probabilities == BLEMISH_PROBABILITIES
    assert fitted.peaks[0] < 0 < fitted.peaks[-1] and list(fitted.heights) == sorted(fitted.heights)


@pytest.mark.parametrize("height, width, peak", [(20.0, 6.0, -30.0), (8.0, 8.0, 15.0), (40.0, 30.0, -20.0)])
def test_a_drawn_spot_has_the_asked_band_peak(height, width, peak):
    sigma_y, sigma_x = spot_sigma(np.array([height])), spot_sigma(np.array([width]))
    amplitude = peak / float(band_response(sigma_y, sigma_x)[0])
    canvas = np.zeros((128, 256), np.float32)
    _stamp(canvas, 64.0, 128.0, float(sigma_y[0]), float(sigma_x[0]), amplitude)
    band = coarse_band(100 + canvas)
    assert band.flat[np.argmax(np.abs(band))] == pytest.approx(peak, rel=0.05)
    assert sigma_y[0] > sigma_x[0] or height == width


def test_drawing_is_deterministic_per_seed_and_empty_without_blemishes():
    look = default_look()
    first = draw_blemishes(np.random.default_rng(5), look.blemishes, (256, 1600))
    assert np.array_equal(first, draw_blemishes(np.random.default_rng(5), look.blemishes, (256, 1600)))
    assert first.min() < -10 and first.max() > 10
    assert not draw_blemishes(np.random.default_rng(5), None, (256, 1600)).any()


def test_scaling_keeps_the_quantiles_in_order():
    look = default_look()
    scaled = scale_blemishes(look.blemishes, np.array([2.0, 0.5, 1.5, 3.0, 0.2]))
    assert scaled.rates == tuple(2 * r for r in look.blemishes.rates)
    assert list(scaled.peaks) == sorted(scaled.peaks) and scaled.peaks[0] == 3 * look.blemishes.peaks[0]


def test_the_rate_calibration_moves_the_drawn_rate_towards_the_target():
    look = default_look()
    shape = (256, 800)
    rng = np.random.default_rng(0)
    before = blemish_medians([render_texture(rng, look, shape) for _ in range(8)])[0]
    raised = _blemish_rates(look, 4 * before, shape)
    assert raised.blemishes.rates[0] > look.blemishes.rates[0]
    assert _blemish_rates(replace(look, blemishes=None), 100.0, shape).blemishes is None


def _coarse_kurtosis(grey: np.ndarray) -> float:
    """The kurtosis of a strip's band-pass at a gate's resolution (64 x 768, blurs of 1 and 4 pixels)."""
    small = cv2.resize(grey, (768, 64), interpolation=cv2.INTER_AREA)
    band = (cv2.GaussianBlur(small, (0, 0), 1) - cv2.GaussianBlur(small, (0, 0), 4))[4:-4, 8:-8].ravel()
    band = band - band.mean()
    return float((band ** 4).mean() / (band ** 2).mean() ** 2 - 3)


def test_drawn_clean_steel_is_heavy_tailed_as_real_clean_steel_is(real_dir):
    """Real clean strips of the part the look was not fitted on are heavy-tailed at a gate's resolution; a
    Gaussian grain is not (version 5 of the generator: kurtosis about 1). With blemishes the drawn strips are."""
    paths = chosen_strips(real_dir / "strips", real_dir / "strips.csv", MEASURE)
    greys = [read_image(p, channels=1)[..., 0].astype(np.float32) for p in paths]
    real = [_coarse_kurtosis(g) for g in greys if g.mean(axis=0).min() > MARGIN_GREY]  # no black margin
    drawn = [_coarse_kurtosis(render_texture(np.random.default_rng(i), default_look(), (256, 1600)))
             for i in range(12)]
    without = [_coarse_kurtosis(render_texture(np.random.default_rng(i), replace(default_look(), blemishes=None),
                                               (256, 1600))) for i in range(12)]
    assert np.median(real) > 3 and np.median(without) < 2
    assert np.median(real) / 2 < np.median(drawn) < 2 * np.median(real)
