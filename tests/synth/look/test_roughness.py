"""Grain roughness by class: fitted as ratios of median gradients, drawn as a rougher high band."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from steeldefect.synth.look import default_look
from steeldefect.synth.look.by_class import CLEAN
from steeldefect.synth.look.roughness import class_roughness, median_gradient, roughness_factor
from steeldefect.synth.texture import render_background


def test_class_roughness_is_the_median_gradient_of_each_class_over_the_base():
    gradients = np.array([10.0, 12.0, 20.0, 30.0, np.nan, 26.0])
    flags = np.array([[0, 0], [0, 0], [1, 0], [1, 1], [1, 0], [0, 1]], bool)
    rules = dict(class_roughness(gradients, flags, base=10.0))
    assert rules == {CLEAN: 1.1, 1: 2.5, 2: 2.8}  # the strip without steel (NaN) is left out
    assert dict(class_roughness(gradients[:2], flags[:2], 10.0)) == {CLEAN: 1.1}  # no strip of 1 or 2


def test_the_factor_of_an_image_is_its_roughest_class():
    rules = ((0, 0.9), (1, 1.4), (3, 1.2))
    assert roughness_factor(rules, ()) == 0.9
    assert roughness_factor(rules, (1, 3)) == 1.4
    assert roughness_factor(rules, (4,)) == 1.0 and roughness_factor((), (3,)) == 1.0


def test_drawn_steel_is_as_much_rougher_as_the_look_says():
    look = dataclasses.replace(default_look(), class_roughness=((0, 1.0), (3, 1.5)), splashes=None, class_stretch=())
    clean = [median_gradient(render_background(np.random.default_rng(i), look=look)) for i in range(6)]
    rough = [median_gradient(render_background(np.random.default_rng(i), look=look, classes=(3,))) for i in range(6)]
    assert np.median(rough) / np.median(clean) == pytest.approx(1.5, rel=0.15)


def test_the_shipped_look_makes_defective_steel_rougher_than_clean_steel():
    rules = dict(default_look().class_roughness)
    assert rules[CLEAN] < 1 < min(rules[k] for k in (1, 2, 3, 4)) < 1.6, rules


def test_a_flat_base_or_an_absurd_factor_gives_no_rule():
    flags = np.array([[0], [1]], bool)
    assert class_roughness(np.array([5.0, 6.0]), flags, base=0.0) == ()
    assert dict(class_roughness(np.array([5.0, 600.0]), flags, base=5.0)) == {CLEAN: 1.0}  # 120x: left out
