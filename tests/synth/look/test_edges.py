"""The steel's edge beside a margin: measured as planted, drawn as fitted, and the shipped look's edge
ramps like the real strips' on the part it was not fitted on."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from steeldefect.data.images import read_image
from steeldefect.synth.look import default_look
from steeldefect.synth.look.edges import EDGE_OFFSETS, edge_fraction, edge_levels, fit_edge, ramp_width
from steeldefect.synth.look.measure import margin
from steeldefect.synth.look.split import MEASURE, split_real
from steeldefect.synth.texture import render_background


def _strip(side: str, width: int, ramp: int) -> np.ndarray:
    """A 64 x 800 strip: a margin of grey 4, then steel of grey 104 reached linearly over ``ramp`` columns."""
    distance = np.arange(800, dtype=np.float32) - width
    fraction = np.clip((distance + 1) / ramp, 0, 1) if ramp else (distance >= 0).astype(np.float32)
    row = 4 + 100 * np.maximum(fraction, 0)
    grey = np.repeat(row[None, :], 64, axis=0)
    return grey[:, ::-1].copy() if side == "right" else grey


@pytest.mark.parametrize("side", ["left", "right"])
def test_edge_levels_measure_the_planted_ramp_from_either_side(side):
    levels = edge_levels(_strip(side, 300, 20))
    assert levels[0] == pytest.approx(0, abs=1e-6) and levels[-1] == pytest.approx(1) and len(levels) == len(EDGE_OFFSETS)
    assert (np.diff(levels) >= -1e-6).all()
    assert ramp_width(levels) == pytest.approx(16, abs=1)  # 0.1 to 0.9 of a 20-column linear ramp
    assert ramp_width(edge_levels(_strip(side, 300, 0))) < 1  # a step


def test_strips_without_a_margin_or_room_are_not_measured():
    assert edge_levels(np.full((64, 800), 100.0)) is None
    assert edge_levels(_strip("left", 3, 10)) is None  # too little margin before the edge
    assert edge_levels(_strip("left", 760, 10)) is None  # too little steel beyond it
    assert fit_edge([np.full((64, 800), 100.0)]) is None


def test_fit_takes_the_median_profile_and_the_ramp_quantiles():
    edge = fit_edge([_strip("left", 300, r) for r in (10, 20, 30)] + [np.full((64, 800), 100.0)])
    assert edge.ramps[0] < 10 < edge.ramps[2] < 20 < edge.ramps[-1] and edge.ramps[2] == pytest.approx(16, abs=1)
    assert ramp_width(edge.levels, edge.offsets) == pytest.approx(16, abs=1)


def test_a_drawn_edge_is_the_fitted_profile_stretched_to_a_drawn_ramp():
    edge = fit_edge([_strip("left", 300, 20)])
    edge = dataclasses.replace(edge, probabilities=(0.0, 1.0), ramps=(32.0, 32.0))
    fraction = edge_fraction(np.random.default_rng(0), edge, np.arange(-10, 60, dtype=np.float32))
    assert ramp_width(fraction, np.arange(-10, 60)) == pytest.approx(32, abs=1.5)
    assert fraction[0] == pytest.approx(0, abs=1e-6) and fraction[-1] == pytest.approx(1)


def test_drawn_strips_keep_their_margin_width_and_ramp_like_real_strips(real_dir):
    """On the measure part of ../shared/real the ramps are 6-30 columns wide; version 5 drew a 1-3 column step."""
    import pandas as pd

    strips = pd.read_csv(real_dir / "strips.csv")
    names = strips.loc[split_real(strips) == MEASURE, "ImageId"]
    real = [edge_levels(read_image(real_dir / "strips" / n, channels=1)[..., 0].astype(np.float32)) for n in names]
    real_ramps = [ramp_width(levels) for levels in real if levels is not None]
    drawn_ramps = []
    for seed in range(16):
        grey = render_background(np.random.default_rng(seed), "left" if seed % 2 else "right", 300)
        assert margin(grey) == ("left" if seed % 2 else "right", pytest.approx(300, abs=2))
        drawn_ramps.append(ramp_width(edge_levels(grey)))
    assert np.median(real_ramps) > 8 and abs(np.median(drawn_ramps) - np.median(real_ramps)) < 0.35 * np.median(real_ramps)
    steps = [ramp_width(edge_levels(render_background(np.random.default_rng(s), "left", 300,
                                                      dataclasses.replace(default_look(), margin_edge=None))))
             for s in range(4)]
    assert max(steps) < 4
