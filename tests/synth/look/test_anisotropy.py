"""Grain direction by class: measured as the ratio of across to down gradients, drawn as a stretched field."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from steeldefect.synth.look import default_look
from steeldefect.synth.look.anisotropy import (class_anisotropy, fit_stretches, grain_anisotropy, image_stretch)
from steeldefect.synth.look.by_class import CLEAN
from steeldefect.synth.look.field import stretch_field
from steeldefect.synth.texture import render_background


def test_anisotropy_is_above_one_for_streaks_down_the_strip_and_below_for_streaks_across():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((256, 800)).astype(np.float32)
    down = np.repeat(rng.standard_normal((1, 800)), 256, axis=0) + 0.2 * noise  # vertical streaks
    assert grain_anisotropy(noise) == pytest.approx(1.0, abs=0.05)
    assert grain_anisotropy(down) > 5 and grain_anisotropy(down.T.copy()) < 0.2
    assert np.isnan(grain_anisotropy(np.full((64, 64), 90.0)))


def test_a_stretched_field_keeps_its_column_means_and_spread_and_streaks_the_way_asked():
    rng = np.random.default_rng(1)
    field = (rng.standard_normal((256, 800)) + rng.standard_normal((1, 800))).astype(np.float32)
    assert stretch_field(field, 0.0) is field
    down, across = stretch_field(field, 2.0), stretch_field(field, -2.0)
    rest = (field - field.mean(axis=0)).std()
    for out in (down, across):
        np.testing.assert_allclose(out.mean(axis=0), field.mean(axis=0), atol=1e-4)  # the column streaks stay
        assert (out - out.mean(axis=0)).std() == pytest.approx(rest, rel=1e-3)
    assert grain_anisotropy(down - down.mean(axis=0)) > 3 > 1 / 3 > grain_anisotropy(across - across.mean(axis=0))


def test_class_anisotropy_is_the_median_of_each_class():
    ratios = np.array([2.0, 2.2, 1.0, 1.2, np.nan, 0.8])
    flags = np.array([[0, 0], [0, 0], [1, 0], [1, 1], [1, 0], [0, 1]], bool)
    assert dict(class_anisotropy(ratios, flags)) == {CLEAN: 2.1, 1: 1.1, 2: 1.0}  # NaN (no steel) left out
    with pytest.raises(ValueError, match="3 ratios for 6 rows"):
        class_anisotropy(ratios[:3], flags)


def test_an_image_takes_the_mean_stretch_of_its_classes():
    rules = ((0, 2.0, 1.0), (1, 1.1, -0.6), (3, 1.2, -0.4))
    assert image_stretch(rules, ()) == 1.0 and image_stretch(rules, (1, 3)) == pytest.approx(-0.5)
    assert image_stretch(rules, (4,)) == 0.0 and image_stretch((), (3,)) == 0.0


def test_fitted_stretches_draw_the_measured_direction():
    look = dataclasses.replace(default_look(), class_stretch=())
    rules = fit_stretches(look, ((CLEAN, 2.0), (3, 1.1)))
    assert [(c, r) for c, r, _ in rules] == [(CLEAN, 2.0), (3, 1.1)] and rules[0][2] > 0 > rules[1][2]
    fitted = dataclasses.replace(look, class_stretch=rules, splashes=None)
    for cls, target, _ in rules:
        drawn = [grain_anisotropy(render_background(np.random.default_rng(10 + i), look=fitted,
                                                    classes=(cls,) if cls else ())) for i in range(4)]
        assert np.median(drawn) == pytest.approx(target, rel=0.2), (cls, drawn)


def test_the_shipped_look_streaks_clean_steel_more_than_defective_steel():
    rules = {c: (r, s) for c, r, s in default_look().class_stretch}
    assert rules[CLEAN][0] > 1.5 and max(rules[k][0] for k in (1, 2, 3, 4)) < 1.5, rules
    assert rules[CLEAN][1] > 0 > max(rules[k][1] for k in (1, 3, 4)), rules
