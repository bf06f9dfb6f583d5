"""Every registered decoder learns: a tiny segmenter with it overfits eight small synthetic strips
(mean Dice >= 0.8 on them after 100 steps), and the same recipe fails when the decoder is cut off
from the image (``testkit.overfit``). A new decoder lands here by registering."""

from __future__ import annotations

import pytest

from testkit.model_tester import head_cases
from testkit.overfit import MIN_SEGMENTER_DICE, check_learns

FULL_RESOLUTION_CASES = [case for case in head_cases("segmenter") if "output_stride" not in dict(case.options)]


@pytest.mark.slow
@pytest.mark.parametrize("case", FULL_RESOLUTION_CASES, ids=str)
def test_every_decoder_overfits_eight_strips_and_fails_cut_off_from_them(case, monkeypatch):
    check_learns(case, MIN_SEGMENTER_DICE, monkeypatch)
