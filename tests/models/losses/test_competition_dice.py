"""CompetitionDice against hand-computed cases and the numpy competition metric."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from steeldefect.models.losses import CompetitionDice, hard_dice_per_class
from steeldefect.metric.dice import dice_score


def _hand_case():
    """Two 2x3 images, 2 classes. Pairs: (0,0) 2*1/(2+1)=2/3; (0,1) empty/empty=1;
    (1,0) empty truth, 1 predicted pixel = 0; (1,1) 2*2/(2+2)=1."""
    truth = np.zeros((2, 2, 3, 2), "float32")
    pred = np.zeros((2, 2, 3, 2), "float32")
    truth[0, 0, 0:2, 0] = 1
    pred[0, 0, 1, 0] = 0.7
    pred[0, 1, 2, 0] = 0.2  # below threshold
    pred[0, :, :, 1] = 0.5  # exactly at threshold: not a defect
    pred[1, 1, 1, 0] = 0.9
    truth[1, 0, 0:2, 1] = 1
    pred[1, 0, 0:2, 1] = 0.51
    return truth, pred, [[2 / 3, 1.0], [0.0, 1.0]]


def test_per_pair_dice_by_hand():
    truth, pred, expected = _hand_case()
    np.testing.assert_allclose(np.asarray(hard_dice_per_class(truth, pred)), expected, rtol=1e-6)
    metric = CompetitionDice()
    metric.update_state(truth, pred)
    assert float(metric.result()) == pytest.approx(np.mean(expected))


def test_accumulates_over_batches_and_resets():
    rng = np.random.default_rng(0)
    truth = (rng.uniform(size=(5, 8, 8, 4)) > 0.8).astype("float32")
    truth[:2] = 0  # empty images
    pred = rng.uniform(size=truth.shape).astype("float32") * (rng.uniform(size=truth.shape) > 0.5)
    pred[0] = 0  # empty truth, empty prediction
    reference = dice_score(np.moveaxis(truth, -1, 1), np.moveaxis(pred > 0.5, -1, 1))  # (B, C)
    metric = CompetitionDice()
    for start, stop in [(0, 2), (2, 3), (3, 5)]:  # uneven batches: pairs, not batches, are averaged
        metric.update_state(truth[start:stop], pred[start:stop])
    assert float(metric.result()) == pytest.approx(reference.mean(), rel=1e-6)
    metric.reset_state()
    assert float(metric.result()) == 0.0
    metric.update_state(truth[:1], pred[:1])
    assert float(metric.result()) == 1.0


def test_threshold_and_sample_weight():
    truth, pred, expected = _hand_case()
    metric = CompetitionDice(threshold=0.1)
    metric.update_state(truth, pred, sample_weight=np.array([0.0, 1.0]))
    assert float(metric.result()) == pytest.approx(np.mean(expected[1]))
    low = CompetitionDice(threshold=0.1)  # image 0: class 0 now 2*1/(2+2), class 1 all predicted
    low.update_state(truth, pred)
    assert float(low.result()) == pytest.approx(np.mean([0.5, 0.0, 0.0, 1.0]))


def test_config_round_trip():
    metric = CompetitionDice(threshold=0.3, name="dice_at_03")
    restored = keras.metrics.deserialize(keras.metrics.serialize(metric))
    assert isinstance(restored, CompetitionDice)
    assert restored.threshold == 0.3 and restored.name == "dice_at_03"
