"""The grey shape and the bright splashes: measured as planted, drawn as fitted."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from steeldefect.artifacts.look_file import Splashes
from steeldefect.synth.look import default_look
from steeldefect.synth.look.field import extrapolated_interp, render_texture, shape_greys
from steeldefect.synth.look.marks import (GREY_PROBABILITIES, fit_grey, fit_splashes, grey_quantiles, splash_pixels,
                                          splash_specks)
from steeldefect.synth.splashes import paint_splashes


def test_grey_quantiles_of_a_gaussian_are_symmetric_and_of_a_skewed_field_are_not():
    rng = np.random.default_rng(0)
    gauss = grey_quantiles(100 + 20 * rng.standard_normal((256, 800)))
    skewed = grey_quantiles(100 + 20 * rng.gamma(2.0, size=(256, 800)))
    middle = GREY_PROBABILITIES.index(0.5)
    assert gauss[middle] == pytest.approx(0, abs=1e-9) and gauss[-2] == pytest.approx(-gauss[1], abs=0.1)
    assert skewed[-2] > 2 * -skewed[1]


def test_splash_specks_finds_the_planted_specks():
    steel = np.full((256, 800), 90.0, np.float32)
    cv2.rectangle(steel, (100, 50), (109, 59), 230.0, -1)  # 100 px, 140 above the median
    cv2.rectangle(steel, (600, 10), (605, 14), 240.0, -1)  # 30 px
    cv2.rectangle(steel, (300, 10), (302, 12), 250.0, -1)  # 9 px: too small
    cv2.rectangle(steel, (400, 100), (420, 120), 160.0, -1)  # not bright enough
    areas, above, xs = splash_specks(steel)
    assert sorted(areas) == [30, 100] and sorted(np.round(above)) == [140, 150]
    assert np.ptp(xs) == pytest.approx(602.5 - 104.5)
    assert fit_splashes([np.full((64, 64), 90.0)]) is None
    fitted = fit_splashes([steel, np.full((256, 800), 90.0)])
    assert fitted.probability == 0.5 and fitted.counts[2] == 2


def test_the_grey_shape_leaves_the_splashes_out():
    """Splashes are painted on their own; a grey shape fitted with them in would draw them twice."""
    rng = np.random.default_rng(5)
    plain = (90 + 12 * rng.standard_normal((256, 800))).astype(np.float32)
    splashed = plain.copy()
    for x in range(50, 800, 60):  # 13 specks of 100 px: 0.6% of the strip near white
        cv2.rectangle(splashed, (x, 100), (x + 9, 109), 235.0, -1)
    left_out = splash_pixels(splashed)
    assert left_out.sum() == 13 * 14 * 14  # each speck and its 2-pixel rim
    assert grey_quantiles(splashed)[-2] > 8  # counted, the specks make the 99.9% quantile near white
    assert np.abs(np.array(fit_grey([splashed])) - grey_quantiles(plain)).max() < 0.1


def test_the_grey_mapping_continues_beyond_its_end_knots():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    got = extrapolated_interp(np.array([-1.0, 0.5, 2.0, 5.0]), xp, fp)
    assert got.tolist() == [-2.0, 1.0, 2.5, 4.0]  # slopes 2 below and 0.5 above, as the end segments
    assert extrapolated_interp(np.array([7.0]), np.array([1.0, 1.0]), np.array([4.0, 4.0])).tolist() == [10.0]


def test_a_texture_takes_the_grey_shape_with_its_mean_and_spread():
    look = default_look()
    rng = np.random.default_rng(3)
    field = (100 + 15 * rng.standard_normal((256, 1600))).astype(np.float32)
    shaped = shape_greys(field, look)
    assert shaped.mean() == pytest.approx(field.mean(), abs=0.3) and shaped.std() == pytest.approx(field.std(), rel=0.05)
    got, want = grey_quantiles(shaped), np.asarray(look.grey_quantiles)
    assert np.abs(got - want)[1:-1].max() < 0.2, (got, want)  # the far tail sways the spread a little
    drawn = grey_quantiles(render_texture(np.random.default_rng(4), look, (256, 1600)))
    assert drawn[-2] > 1.5 * -drawn[1]  # bright tail longer than the dark one, as fitted
    tips = shape_greys(field, look)[field > np.quantile(field, 0.99995)]
    assert len(np.unique(np.round(tips, 3))) > 5  # beyond the last knot the greys go on rising, not held flat


def test_splashes_only_brighten_and_follow_the_probability():
    splashes = Splashes(0.5, (0.1, 0.9), (5.0, 20.0), (40.0, 200.0), (90.0, 140.0), (50.0, 600.0))
    image = np.full((256, 1600), 100.0, np.float32)
    painted = [paint_splashes(np.random.default_rng(i), image, splashes) for i in range(40)]
    touched = [not np.array_equal(p, image) for p in painted]
    assert 10 < sum(touched) < 30
    assert all(p.min() >= 100 - 1e-3 and p.max() <= 255 for p in painted)
    assert max(p.max() for p in painted) > 200
    again = paint_splashes(np.random.default_rng(next(i for i, t in enumerate(touched) if t)), image, splashes)
    assert np.array_equal(again, painted[touched.index(True)])
    assert paint_splashes(np.random.default_rng(0), image, None) is image
