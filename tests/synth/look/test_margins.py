"""Margins by class: fitted from labelled strips with smoothing and a width fallback, and drawn by class."""

from __future__ import annotations

import dataclasses

import numpy as np

from steeldefect.synth.geometry import sample_image_spec, sample_margin
from steeldefect.synth.look import default_look
from steeldefect.synth.look.by_class import CLEAN
from steeldefect.synth.look.margins import class_margins, margin_rule


def test_class_margins_are_smoothed_shares_with_own_or_all_widths():
    margins = [("left", 400), ("right", 500), ("left", 600), (None, 0), (None, 0), ("left", 90)]
    flags = np.array([[0, 1], [0, 1], [0, 1], [0, 0], [0, 0], [1, 0]], bool)
    rules = {cls: (p, w) for cls, p, w in class_margins(margins, flags, all_widths=(1, 2, 3))}
    assert rules[2] == (round(4 / 5, 6), (400, 500, 600))  # (3 + 1) / (3 + 2), its own three widths
    assert rules[CLEAN] == (round(1 / 4, 6), (1, 2, 3))  # no margin among 2 clean strips; too few widths
    assert rules[1] == (round(2 / 3, 6), (1, 2, 3))


def test_the_rule_of_an_image_is_its_class_most_often_at_an_edge():
    rules = ((0, 0.2, (80,)), (2, 0.8, (500,)), (3, 0.4, (200,)))
    assert margin_rule(rules, (), 0.5, (9,)) == (0.2, (80,))
    assert margin_rule(rules, (2, 3), 0.5, (9,)) == (0.8, (500,))
    assert margin_rule(rules, (4,), 0.5, (9,)) == (0.5, (9,))  # no rule for class 4: the overall one
    assert margin_rule((), (2,), 0.5, (9,)) == (0.5, (9,))


def test_images_are_drawn_with_their_class_margins():
    look = dataclasses.replace(default_look(), class_margins=((0, 0.1, (100,)), (2, 0.9, (1400,))))
    rng = np.random.default_rng(0)
    clean = [sample_margin(rng, look, ()) for _ in range(400)]
    scratched = [sample_margin(rng, look, (2,)) for _ in range(400)]
    assert 0.05 < np.mean([s is not None for s, _ in clean]) < 0.15
    assert 0.85 < np.mean([s is not None for s, _ in scratched]) < 0.95
    assert all(800 < w <= 1500 for s, w in scratched if s is not None)  # the class's own wide margins


def test_the_shipped_look_puts_class_2_at_the_strip_edge():
    rng = np.random.default_rng(1)
    specs = [sample_image_spec(rng) for _ in range(3000)]
    share = {k: np.mean([s.margin_side is not None for s in specs if k in s.classes]) for k in (2, 4)}
    clean = np.mean([s.margin_side is not None for s in specs if not s.classes])
    assert share[2] > 0.7 and clean < 0.35 and share[4] < 0.35, (share, clean)


def test_a_class_without_any_width_to_draw_gets_no_rule():
    """No margin on the fit strips (no widths to borrow) and fewer than 3 of its own: a class keeps its own
    widths; one with none at all is left out, so the look file stays readable."""
    margins = [(None, 0), (None, 0), ("left", 300)]
    flags = np.array([[0], [1], [1]], bool)
    assert class_margins(margins, flags, all_widths=()) == ((1, round(2 / 4, 6), (300,)),)
