"""The classifier section's review band: the recorded one counted on the OOF images, or one proposed."""

from __future__ import annotations

import numpy as np


def test_review_band_recorded_by_tune_is_counted_on_the_oof_images():
    from steeldefect.analysis.report.sections_scores import _review_band

    probs = np.array([0.05, 0.2, 0.4, 0.6, 0.95])
    presence = np.array([[0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0]], bool)
    band = _review_band(probs, presence, {"lo": 0.3, "hi": 0.7, "max_missed": 1, "max_false_alarms": 0})
    assert band.source == "from thresholds.yaml"
    assert (band.flagged, band.missed, band.false_alarms) == (2, 1, 0)  # 0.2 is defective and below 0.3
    proposed = _review_band(probs, presence, None)
    assert proposed.source.startswith("proposed here") and proposed.missed <= 1 and proposed.false_alarms <= 1
