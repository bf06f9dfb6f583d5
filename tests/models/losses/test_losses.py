"""Losses against straightforward numpy references, per (image, class)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from steeldefect.errors import SteelDefectError
from steeldefect.models.losses import available_losses, get_loss

EPS = 1e-7


def _case(seed=0, shape=(3, 4, 6, 4)):
    rng = np.random.default_rng(seed)
    truth = (rng.uniform(size=shape) > 0.7).astype("float32")
    truth[1, ..., 2] = 0  # an empty (image, class) pair
    pred = rng.uniform(0.01, 0.99, size=shape).astype("float32")
    return truth, pred


def _np_bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).mean(axis=(1, 2))


def _np_dice_loss(t, p, smooth=1.0):
    inter = (t * p).sum(axis=(1, 2))
    return 1 - (2 * inter + smooth) / (t.sum(axis=(1, 2)) + p.sum(axis=(1, 2)) + smooth)


def _np_focal(t, p, alpha=0.25, gamma=2.0):
    p = np.clip(p, EPS, 1 - EPS)
    pt = np.where(t == 1, p, 1 - p)
    at = np.where(t == 1, alpha, 1 - alpha)
    return (-at * (1 - pt) ** gamma * np.log(pt)).mean(axis=(1, 2))


def _np_lovasz_pair(t, z):
    """Lovasz hinge of one (image, class), written as in Berman et al.'s reference code."""
    signs = 2 * t - 1
    errors = 1 - z * signs
    order = np.argsort(-errors, kind="stable")
    gt = t[order]
    gts = gt.sum()
    intersection = gts - np.cumsum(gt)
    union = gts + np.cumsum(1 - gt)
    jaccard = 1 - intersection / union
    jaccard[1:] = jaccard[1:] - jaccard[:-1]
    return float(np.dot(np.maximum(errors[order], 0), jaccard))


def _np_lovasz(t, p):
    p = np.clip(p, EPS, 1 - EPS).astype(np.float64)
    z = np.log(p) - np.log(1 - p)
    b, c = t.shape[0], t.shape[-1]
    return np.array([[_np_lovasz_pair(t[i, ..., k].ravel(), z[i, ..., k].ravel()) for k in range(c)] for i in range(b)])


def _reduce(per_class, weights=None):
    """(B, C) -> scalar: weighted class mean per image, then the batch mean."""
    w = np.ones(per_class.shape[-1]) if weights is None else np.asarray(weights, float)
    return float(((per_class * w).sum(axis=-1) / w.sum()).mean())


REFERENCES = {
    "bce": _np_bce,
    "dice": _np_dice_loss,
    "bce_dice": lambda t, p: _np_bce(t, p) + _np_dice_loss(t, p),
    "focal": _np_focal,
    "lovasz": _np_lovasz,
    "bce_lovasz": lambda t, p: _np_bce(t, p) + _np_lovasz(t, p),
}


def _sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, np.float64)))


@pytest.mark.parametrize("truth, logits, expected", [
    # errors 1 - z*s = [-1, 0, 1.5] -> sorted [1.5, 0, -1] with truth [1, 0, 1]; Jaccard along the order
    # [1/2, 2/3, 1] -> gradient [1/2, 1/6, 1/3]; loss = 1.5 * 1/2
    ([1, 0, 1], [2.0, -1.0, -0.5], 0.75),
    # empty truth: Jaccard is 1 from the first pixel on, so only the largest error counts: 1 + 0.5
    ([0, 0], [-1.0, 0.5], 1.5),
    # every pixel right by a margin of 1 or more: no hinge error
    ([1, 0], [1.0, -3.0], 0.0),
])
def test_lovasz_hand_computed(truth, logits, expected):
    t = np.asarray(truth, "float32").reshape(1, 1, -1, 1)
    p = _sigmoid(logits).astype("float32").reshape(1, 1, -1, 1)
    assert float(get_loss("lovasz")(t, p)) == pytest.approx(expected, abs=1e-4)


def test_lovasz_gradient_flows_to_the_wrong_pixels():
    import tensorflow as tf

    t = tf.constant(np.array([1, 0, 1], "float32").reshape(1, 1, 3, 1))
    p = tf.Variable(_sigmoid([2.0, -1.0, -0.5]).astype("float32").reshape(1, 1, 3, 1))
    with tf.GradientTape() as tape:
        loss = get_loss("lovasz")(t, p)
    grad = tape.gradient(loss, p).numpy().ravel()
    assert grad[2] < 0 and grad[0] == 0 and grad[1] == 0  # only the missed defect pixel (error 1.5 > 0) pushes


def test_registry():
    assert available_losses() == sorted(REFERENCES)


@pytest.mark.parametrize("weights", [None, [1.0, 2.0, 0.5, 4.0]])
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_loss_matches_numpy(name, weights):
    truth, pred = _case()
    got = float(get_loss(name, class_weights=weights)(truth, pred))
    assert got == pytest.approx(_reduce(REFERENCES[name](truth, pred), weights), rel=1e-5, abs=1e-6)


def test_dice_is_per_pair_not_batch_wide():
    # Image 0 has a perfectly predicted defect; image 1 is empty but predicted full. A batch-wide
    # Dice would be 2*16/(16+16+16) = 0.67; per pair it is mean(1, ~0) over the images.
    truth = np.zeros((2, 4, 4, 1), "float32")
    truth[0] = 1
    pred = np.ones_like(truth)
    loss = float(get_loss("dice", smooth=1e-6)(truth, pred))
    assert loss == pytest.approx(0.5, abs=1e-3)


def test_dice_empty_truth_near_empty_prediction_is_small():
    truth = np.zeros((2, 8, 8, 4), "float32")
    pred = np.full_like(truth, 1e-4)
    assert float(get_loss("dice")(truth, pred)) < 0.01
    assert float(get_loss("dice")(truth, np.ones_like(truth))) > 0.95


def test_perfect_prediction_gives_near_zero_losses():
    truth, _ = _case(1)
    for name in REFERENCES:
        assert float(get_loss(name)(truth, truth)) < 1e-5, name


def test_bce_dice_weights_and_options():
    truth, pred = _case(2)
    loss = get_loss("bce_dice", bce_weight=0.25, dice_weight=2.0, smooth=0.5)
    expected = _reduce(0.25 * _np_bce(truth, pred) + 2.0 * _np_dice_loss(truth, pred, 0.5))
    assert float(loss(truth, pred)) == pytest.approx(expected, rel=1e-5)
    focal = get_loss("focal", alpha=None, gamma=1.0)
    expected = _reduce(_np_focal(truth, pred, alpha=0.5, gamma=1.0) * 2)  # alpha=None: no 0.5 factor
    assert float(focal(truth, pred)) == pytest.approx(expected, rel=1e-5)


def test_image_level_labels_work_too():
    truth = np.array([[1, 0, 0, 1], [0, 0, 0, 0]], "float32")
    pred = np.array([[0.9, 0.2, 0.1, 0.6], [0.3, 0.1, 0.2, 0.05]], "float32")
    expected = float(np.mean(-(truth * np.log(pred) + (1 - truth) * np.log(1 - pred))))
    assert float(get_loss("bce")(truth, pred)) == pytest.approx(expected, rel=1e-5)


def test_errors():
    with pytest.raises(SteelDefectError, match="available losses: bce, bce_dice, bce_lovasz, dice, focal, lovasz"):
        get_loss("iou")
    with pytest.raises(SteelDefectError, match="has no option 'gamma'"):
        get_loss("dice", gamma=2)
    with pytest.raises(SteelDefectError, match="class_weights must be non-negative"):
        get_loss("bce", class_weights=[-1, 1, 1, 1])
    truth, pred = _case()
    with pytest.raises(SteelDefectError, match="3 class_weights given for 4 classes"):
        get_loss("bce", class_weights=[1, 1, 1])(truth, pred)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_config_round_trip(name):
    loss = get_loss(name, class_weights=[1, 2, 3, 4])
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert type(restored) is type(loss) and restored.get_config() == loss.get_config()
    truth, pred = _case(3)
    assert float(restored(truth, pred)) == pytest.approx(float(loss(truth, pred)))
