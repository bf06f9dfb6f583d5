"""The review band proposed from OOF classifier probabilities: its targets met, narrowest, counted right."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steeldefect.errors import SteelDefectError
from steeldefect.tuning.review_band import propose_review_band


def test_band_by_hand():
    p = np.array([0.01, 0.02, 0.05, 0.10, 0.30, 0.50, 0.70, 0.90, 0.95, 0.99])
    defective = np.array([0, 1, 0, 1, 0, 1, 0, 1, 1, 1], bool)
    band = propose_review_band(p, defective, max_missed=1, max_false_alarms=0)
    # the 2nd smallest defect probability is 0.10: only 0.02 is left below; the largest clean one is 0.70
    assert (band.lo, band.hi) == (0.10, 0.70)
    assert (band.flagged, band.missed, band.false_alarms) == (4, 1, 0) and band.flagged_share == 0.4
    none_missed = propose_review_band(p, defective, max_missed=0, max_false_alarms=0)
    assert (none_missed.lo, none_missed.flagged, none_missed.missed) == (0.02, 6, 0)
    relaxed = propose_review_band(p, defective, max_missed=3, max_false_alarms=3)
    assert relaxed.empty and relaxed.flagged == 0 and relaxed.to_dict()["empty"] is True
    four = propose_review_band(np.stack([p, p / 2, p / 3, p / 4], axis=1), defective, 1, 0)
    assert (four.lo, four.hi) == (band.lo, band.hi)  # an image's probability is its largest class's
    with pytest.raises(SteelDefectError, match=">= 0"):
        propose_review_band(p, defective, -1, 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=40),
       st.integers(0, 4), st.integers(0, 4))
def test_targets_met_and_no_narrower_band_meets_them(pairs, max_missed, max_false):
    p = np.array([v for v, _ in pairs])
    defective = np.array([d for _, d in pairs], bool)
    band = propose_review_band(p, defective, max_missed, max_false)
    assert band.missed <= max_missed and band.false_alarms <= max_false
    assert band.missed == int((defective & (p < band.lo)).sum())
    assert band.false_alarms == int((~defective & (p > band.hi)).sum())
    # raising lo to the next probability above it, or lowering hi below it, breaks a target
    above = p[defective & (p > band.lo)]
    if band.lo < 1.0 and len(above):
        assert int((defective & (p < above.min())).sum()) > max_missed
    below = p[~defective & (p < band.hi)]
    if band.hi > 0.0 and len(below):
        assert int((~defective & (p > below.max())).sum()) > max_false


def test_printed_band_rounds_outward_and_keeps_every_flagged_image():
    p = np.array([0.123456, 0.2, 0.3, 0.456789, 0.9])
    defective = np.array([1, 1, 0, 0, 1], bool)
    band = propose_review_band(p, defective, 0, 0)
    assert (band.lo, band.hi) == (0.123456, 0.456789)
    lo, hi = band.printable()
    assert (lo, hi) == (0.1234, 0.4568)
    assert int(((p >= lo) & (p <= hi)).sum()) == band.flagged == 4
