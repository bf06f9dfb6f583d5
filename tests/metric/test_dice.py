"""The competition metric against hand-computed values, and the two implementations against each other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from steeldefect import rle_encode
from steeldefect.data.labels import empty_table, read_labels
from steeldefect.data.rle import rle_runs
from steeldefect.errors import SteelDefectError
from steeldefect.metric import dice_from_runs, dice_score, score_tables


def test_hand_computed_cases():
    a = np.zeros((4, 4), np.uint8)
    b = np.zeros((4, 4), np.uint8)
    assert dice_score(a, b) == 1.0  # both empty
    a[0, :2] = 1
    assert dice_score(a, b) == 0.0  # missed
    assert dice_score(b, a) == 0.0  # false positive on clean
    b[0, 1:4] = 1  # |A|=2, |B|=3, |A∩B|=1 -> 2/5
    assert dice_score(a, b) == pytest.approx(0.4)
    assert dice_score(a, a) == 1.0


def test_batched_shapes_and_mean():
    truth = np.zeros((2, 4, 8, 8), np.uint8)
    pred = np.zeros_like(truth)
    truth[0, 2, :2, :2] = 1  # image 0 class 3: 4 px, predicted 2 of them
    pred[0, 2, :1, :2] = 1
    pred[1, 0, 0, 0] = 1  # image 1 class 1: false positive
    d = dice_score(truth, pred)
    assert d.shape == (2, 4)
    expected = np.ones((2, 4))
    expected[0, 2] = 2 * 2 / (4 + 2)
    expected[1, 0] = 0.0
    np.testing.assert_allclose(d, expected)
    assert d.mean() == pytest.approx((6 + 2 / 3) / 8)


@settings(max_examples=80, deadline=None)
@given(arrays(np.uint8, (2, 6, 7), elements=st.integers(0, 1)))
def test_runs_dice_equals_array_dice(masks):
    a, b = masks
    runs = [rle_runs(rle_encode(m), shape=m.shape) for m in (a, b)]
    assert dice_from_runs(*runs) == pytest.approx(float(dice_score(a, b)))


def _table(rows):
    return pd.DataFrame(rows, columns=["ImageId", "rle_1", "rle_2", "rle_3", "rle_4"])


def test_score_tables_counts_and_per_class():
    truth = _table([["a", "1 10", "", "", ""], ["b", "", "", "", ""]])
    pred = _table([["a", "6 10", "", "", "1 1"], ["b", "", "", "", ""], ["extra", "", "", "", ""]])
    report = score_tables(truth, pred)
    # pairs: a1 = 2*5/20 = 0.5, a4 false positive = 0, the other six empty-empty = 1
    assert report["mean"] == pytest.approx((0.5 + 0 + 6) / 8)
    assert report["per_class"]["1"]["dice"] == pytest.approx(0.75)
    assert report["per_class"]["4"]["dice"] == pytest.approx(0.5)
    assert report["counts"] == {"tp": 1, "fp": 1, "fn": 0, "tn": 6}
    assert report["n_extra_pred_images"] == 1


def test_all_empty_baseline_on_real_masks(real_dir):
    truth = read_labels(real_dir / "train_masks_2515.csv")
    report = score_tables(truth, empty_table(truth["ImageId"]))
    # 1,430 non-empty pairs score 0, the other 8,630 score 1
    assert report["mean"] == pytest.approx(8630 / 10060)
    assert report["counts"] == {"tp": 0, "fp": 0, "fn": 1430, "tn": 8630}
    assert score_tables(truth, truth)["mean"] == 1.0


def test_missing_prediction_images_is_an_error():
    truth = _table([["a", "", "", "", ""], ["b", "", "", "", ""]])
    with pytest.raises(SteelDefectError, match="lacks 1 of the 2 truth images, e.g. b"):
        score_tables(truth, truth.iloc[:1])
