"""Both classifier heads learn: the binary gate (avg pooling, 1 output) and the 4-label gate (avgmax
pooling, 4 outputs) overfit eight small synthetic strips (accuracy >= 0.95 over their outputs after
100 steps), and the same recipe fails when the head is cut off from the image (``testkit.overfit``)."""

from __future__ import annotations

import pytest

from testkit.model_tester import head_cases
from testkit.overfit import MIN_CLASSIFIER_ACCURACY, check_learns


@pytest.mark.slow
@pytest.mark.parametrize("case", head_cases("classifier"), ids=str)
def test_both_gates_overfit_eight_strips_and_fail_cut_off_from_them(case, monkeypatch):
    check_learns(case, MIN_CLASSIFIER_ACCURACY, monkeypatch)
