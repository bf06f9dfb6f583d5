"""Per-(image, class) loss and score terms in keras.ops (any backend).

Every function takes ``y_true`` and ``y_pred`` of shape (B, ..., C) — masks (B, H, W, C) or image
labels (B, C) — with probabilities in y_pred, and returns a (B, C) tensor: one value per image and
class, as the competition scores each (image, class) pair separately.
"""

from __future__ import annotations

from keras import ops

DICE_SMOOTH = 1.0  # added to numerator and denominator of the soft Dice: empty vs near-empty ~ 1
PROB_EPSILON = 1e-7  # probabilities are clipped to [eps, 1 - eps] before taking logs
FOCAL_ALPHA = 0.25  # focal loss weight of the positive pixels (Lin et al. 2017)
FOCAL_GAMMA = 2.0  # focal loss down-weighting of easy pixels (Lin et al. 2017)
BINARY_THRESHOLD = 0.5  # probability (and truth value) above which a pixel counts as defect


def _spatial_axes(x) -> tuple:
    """Axes between the batch axis and the class axis."""
    return tuple(range(1, len(x.shape) - 1))


def _spatial_mean(x):
    axes = _spatial_axes(x)
    return ops.mean(x, axis=axes) if axes else x


def _spatial_sum(x):
    axes = _spatial_axes(x)
    return ops.sum(x, axis=axes) if axes else x


def _prepare(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    return ops.cast(y_true, y_pred.dtype), y_pred


def bce_per_class(y_true, y_pred):
    """Binary cross-entropy averaged over the pixels of each (image, class): (B, C)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_pred = ops.clip(y_pred, PROB_EPSILON, 1.0 - PROB_EPSILON)
    return _spatial_mean(-(y_true * ops.log(y_pred) + (1.0 - y_true) * ops.log(1.0 - y_pred)))


def soft_dice_per_class(y_true, y_pred, smooth: float = DICE_SMOOTH):
    """Soft Dice (2*sum(p*t) + s) / (sum(p) + sum(t) + s) of each (image, class): (B, C).

    Empty truth with a near-empty prediction scores close to 1 thanks to ``smooth``.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    intersection = _spatial_sum(y_true * y_pred)
    total = _spatial_sum(y_true) + _spatial_sum(y_pred)
    return (2.0 * intersection + smooth) / (total + smooth)


def focal_per_class(y_true, y_pred, alpha: float | None = FOCAL_ALPHA, gamma: float = FOCAL_GAMMA):
    """Focal loss -alpha_t * (1 - p_t)**gamma * log(p_t), averaged over pixels: (B, C).

    ``alpha=None`` weighs positives and negatives alike.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_pred = ops.clip(y_pred, PROB_EPSILON, 1.0 - PROB_EPSILON)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    loss = -ops.power(1.0 - p_t, gamma) * ops.log(p_t)
    if alpha is not None:
        loss = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * loss
    return _spatial_mean(loss)


def hard_dice_per_class(y_true, y_pred, threshold: float = BINARY_THRESHOLD):
    """The competition's Dice of each (image, class) after thresholding: (B, C); empty vs empty = 1.

    Pixels count as defect where y_pred > threshold and where y_true > BINARY_THRESHOLD.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    pred = ops.cast(y_pred > threshold, "float32")
    true = ops.cast(y_true > BINARY_THRESHOLD, "float32")
    intersection = _spatial_sum(true * pred)
    total = _spatial_sum(true) + _spatial_sum(pred)
    return ops.where(total > 0, 2.0 * intersection / ops.maximum(total, 1.0), 1.0)


def _logits(y_pred):
    """Probabilities -> logits log(p / (1 - p)), clipped at PROB_EPSILON (the segmenters end in a sigmoid)."""
    y_pred = ops.clip(y_pred, PROB_EPSILON, 1.0 - PROB_EPSILON)
    return ops.log(y_pred) - ops.log(1.0 - y_pred)


def lovasz_hinge_per_class(y_true, y_pred):
    """Lovasz hinge (Berman et al. 2018) of each (image, class): (B, C), on the logits of ``y_pred``.

    Per pair, with signs s = 2t - 1 and hinge errors e = 1 - logit * s sorted in decreasing order, the
    loss is sum_i relu(e_i) * g_i, where g is the discrete gradient of the Jaccard loss along that
    order: J_i = 1 - (T - cumsum(t)_i) / (T + cumsum(1 - t)_i), g_1 = J_1, g_i = J_i - J_{i-1}
    (T: the pair's truth pixels). It is the tight convex surrogate of 1 - IoU the top teams trained on.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    if len(y_true.shape) < 3:  # image labels (B, C): one "pixel" per pair
        y_true, y_pred = ops.expand_dims(y_true, 1), ops.expand_dims(y_pred, 1)
    n_classes = y_true.shape[-1]
    truth = ops.transpose(ops.reshape(y_true, (ops.shape(y_true)[0], -1, n_classes)), (0, 2, 1))  # (B, C, P)
    logits = ops.transpose(ops.reshape(_logits(y_pred), (ops.shape(y_pred)[0], -1, n_classes)), (0, 2, 1))
    errors = 1.0 - logits * (2.0 * truth - 1.0)
    n_pixels = errors.shape[-1]
    errors_sorted, order = ops.top_k(errors, k=n_pixels, sorted=True)
    truth_sorted = ops.take_along_axis(truth, order, axis=-1)
    total = ops.sum(truth_sorted, axis=-1, keepdims=True)
    intersection = total - ops.cumsum(truth_sorted, axis=-1)
    union = total + ops.cumsum(1.0 - truth_sorted, axis=-1)
    jaccard = 1.0 - intersection / union
    grad = ops.concatenate([jaccard[..., :1], jaccard[..., 1:] - jaccard[..., :-1]], axis=-1)
    return ops.sum(ops.relu(errors_sorted) * ops.stop_gradient(grad), axis=-1)
