"""What is measured on one strip: its margin and steel, and its flecks."""

from __future__ import annotations

import numpy as np

from steeldefect.synth.look.measure import flecks, margin, steel


def test_a_margin_is_found_and_cut_off():
    grey = np.full((256, 1600), 100.0, np.float32)
    grey[:, 1200:] = 3.0
    assert margin(grey) == ("right", 400)
    assert steel(grey).shape == (256, 1200 - 8)  # the rim beside the margin goes too
    assert margin(grey[:, ::-1]) == ("left", 400) and margin(grey[:, :1000]) == (None, 0)


def test_flecks_are_the_high_band_pixels_far_out():
    high = np.random.default_rng(0).standard_normal((128, 256)).astype(np.float32)
    high[10, 10], high[50, 60:64] = 12.0, -9.0
    _, lengths, peaks = flecks(high, 1.0)
    assert sorted(np.round(peaks, 1).tolist())[:1] == [-9.0] and 12.0 in np.round(peaks, 1)
    assert max(lengths) >= 4


def test_empty_cells_are_filled_without_the_zero_frequencies_leaking():
    from steeldefect.synth.look.measure import fill_empty

    grid = np.full((4, 5), np.nan)
    grid[0, 0] = -27.6  # the mean's cell: never used
    grid[0, 2:] = 20.0  # column streaks
    grid[2:, 0] = 15.0  # row banding
    grid[1, 3], grid[3, 1] = 4.0, 2.0
    filled = fill_empty(grid)
    assert np.isfinite(filled).all()
    assert filled[0, 1] == 20.0 and filled[1, 0] == 15.0  # the zero row and column from themselves
    assert filled[1:, 1:].max() <= 4.0 and filled[1:, 1:].min() >= 2.0  # the rest from the rest
