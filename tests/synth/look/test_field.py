"""Drawing clean steel from a look: deterministic per seed, any size, the look's levels."""

from __future__ import annotations

import dataclasses

import numpy as np

from steeldefect.synth.look import default_look
from steeldefect.synth.look.field import draw_flecks, modulate, render_texture
from steeldefect.synth.look.measure import gradient_ratio, split_bands


def test_the_same_seed_draws_the_same_strip_and_another_seed_another():
    look = default_look()
    a = render_texture(np.random.default_rng(4), look, (256, 1600))
    b = render_texture(np.random.default_rng(4), look, (256, 1600))
    c = render_texture(np.random.default_rng(5), look, (256, 1600))
    assert a.dtype == np.float32 and a.shape == (256, 1600)
    assert np.array_equal(a, b) and not np.allclose(a, c)


def test_a_look_draws_strips_of_another_size():
    texture = render_texture(np.random.default_rng(0), default_look(), (128, 512))
    assert texture.shape == (128, 512) and np.isfinite(texture).all() and texture.std() > 1


def test_a_strip_takes_its_levels_from_one_bank_row():
    look = default_look()
    row = (60.0, 10.0, 3.0, 0.0, 0.0)  # mean, low spread, high spread, no light profile, no flecks
    one = dataclasses.replace(look, bank=(row,))
    texture = render_texture(np.random.default_rng(1), one, (256, 1600))
    low, high = split_bands(texture)
    assert abs(texture.mean() - 60) < 3
    assert 0.7 < low.std() / 10 < 1.3 and 0.7 < high.std() / 3 < 1.3


def test_modulation_makes_the_grain_rougher_in_places_and_flecks_are_sparse():
    rng = np.random.default_rng(2)
    field = rng.standard_normal((256, 1024)).astype(np.float32)
    calm = gradient_ratio(field)
    rough = gradient_ratio(modulate(np.random.default_rng(3), field, 1.0))
    assert rough > calm * 1.3
    flecks = draw_flecks(np.random.default_rng(4), default_look(), (256, 1600), rate=500)
    share = (flecks != 0).mean()
    assert 0 < share < 0.01 and np.abs(flecks).max() >= 5  # flecks are at least 5 high-band spreads
