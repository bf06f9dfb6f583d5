"""Fitting a look: the fit recovers the look that drew the strips, and the shipped look's strips stay
near the real strips they were never fitted on (the measure part of ../shared/real/strips)."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pandas as pd
import pytest

from steeldefect.synth.look import default_look
from steeldefect.synth.look.field import render_texture
from steeldefect.synth.look.fit import fit_look
from steeldefect.synth.look.measure import gradient_ratio, split_bands, steel
from steeldefect.synth.look.split import FLAG_COLUMNS, MEASURE, split_real

pytestmark = pytest.mark.slow


def levels(greys: list[np.ndarray]) -> dict[str, float]:
    """Median over strips of what a look is made to reproduce."""
    rows = []
    for grey in greys:
        low, high = split_bands(grey)
        profile = grey.mean(axis=1)
        rows.append({"mean": grey.mean(), "low": low.std(), "high": high.std(), "ramp": profile[-32:].mean() -
                     profile[:32].mean(), "roughness": gradient_ratio(grey.astype(np.float32))})
    return pd.DataFrame(rows).median().to_dict()


def test_the_fit_recovers_the_look_that_drew_the_strips():
    row = (100.0, 15.0, 7.0, 13.0, 600.0)  # mean, low spread, high spread, light profile weight, flecks / Mpx
    look = dataclasses.replace(default_look(), bank=(row,))
    rng = np.random.default_rng(7)
    drawn = [render_texture(rng, look, (256, 1600)) for _ in range(12)]
    refit = fit_look(drawn, "drawn", 90)
    bank = np.median(np.array(refit.bank), axis=0)
    assert abs(bank[0] - 100) < 2 and abs(bank[3] - 13) < 3, bank
    assert abs(bank[1] / 15 - 1) < 0.2 and abs(bank[2] / 7 - 1) < 0.2, bank
    assert abs(refit.grain_modulation - look.grain_modulation) <= 0.2
    assert np.corrcoef(refit.row_profile, look.row_profile)[0, 1] > 0.9
    assert refit.margin_probability == 0 and refit.jpeg_quality == 90


def test_drawn_steel_stays_near_the_real_steel_it_was_not_fitted_on(real_dir):
    strips = pd.read_csv(real_dir / "strips.csv")
    clean = strips[list(FLAG_COLUMNS)].fillna(0).sum(axis=1) == 0
    ids = strips.loc[(split_real(strips) == MEASURE) & ((strips["split"] == "test") | clean), "ImageId"]
    real = [s for s in (steel(cv2.imread(str(real_dir / "strips" / i), cv2.IMREAD_GRAYSCALE).astype(np.float32))
                        for i in ids) if s is not None and s.shape[1] == 1600]
    assert len(real) >= 12
    rng = np.random.default_rng(0)
    drawn = [render_texture(rng, default_look(), (256, 1600)) for _ in range(32)]
    want, got = levels(real), levels(drawn)
    assert abs(got["mean"] - want["mean"]) < 15, (got, want)
    for key in ("low", "high", "roughness"):
        assert abs(got[key] / want[key] - 1) < 0.35, (key, got, want)
    assert np.sign(got["ramp"]) == np.sign(want["ramp"]) and abs(got["ramp"] / want["ramp"] - 1) < 0.5, (got, want)


def test_strips_too_narrow_for_a_look_are_one_line():
    from steeldefect.errors import SteelDefectError

    with pytest.raises(SteelDefectError, match="too narrow to fit a look on"):
        fit_look([np.full((256, 200), 90.0, np.float32)], "narrow", 90)


def test_short_narrow_strips_keep_their_large_scale_power():
    look = default_look()
    rng = np.random.default_rng(3)
    drawn = [render_texture(rng, look, (128, 800)) for _ in range(4)]
    refit = fit_look(drawn, "small", 90)
    grid = np.array(refit.log_psd)
    assert grid[1:4, 0].min() > 0 and grid[0, 1:4].min() > 0, (grid[:4, :4])  # no fill from the mean's cell
