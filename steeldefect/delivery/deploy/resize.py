"""In-graph image resizing that reproduces ``pipeline.preprocess.resize_image`` (OpenCV) in TensorFlow.

The exported graph takes uint8 images of any size and must feed the models exactly the pixels that
training and ``predict`` fed them: the models are sensitive enough that one grey level on a few
hundred pixels moves their probabilities by 1e-3. So shrinking reproduces OpenCV's INTER_AREA
arithmetic step by step: its tap tables (computed in double, stored as float), its float32 sums in
its order (columns of a source row first, then source rows), its rounding (half to even; half up on
its 2x2 path), and its whole-factor path (integer sums times 1/area). Each output pixel reads at most
``n_taps`` source pixels per axis; the taps are gathered one by one (a matrix product would sum in
another order). Every op here converts to ONNX.

Enlarging (an image smaller than the model input on some axis) is OpenCV's INTER_LINEAR in
``resize_image``; here it is linear interpolation with OpenCV's half-pixel centres and 1/2048
weights, rounded half up, which matches it only to within one grey level (OpenCV's uint8 linear path
shifts bits between its passes).

Shapes: (B, H, W, C) uint8 -> float32 (B, h, w, C) holding integers 0..255.
"""

from __future__ import annotations

import math

import tensorflow as tf

LINEAR_COEF_SCALE = 2048.0  # OpenCV's INTER_LINEAR quantises uint8 weights to 1/2^11 (INTER_RESIZE_COEF_BITS)
PARTIAL_CELL = 1e-3  # OpenCV's INTER_AREA skips a partial source pixel covering less than this
DBL_EPSILON = 2.220446049250313e-16  # OpenCV takes its whole-factor path when the scale is this close to an int


def taps_for(max_in: int, n_out: int) -> int:
    """Source pixels per output pixel to gather so that inputs up to ``max_in`` pixels resize exactly."""
    return int(math.ceil(max_in / n_out)) + 2


def _scale(n_in, n_out: int) -> tf.Tensor:
    """OpenCV's scale: 1 / (n_out / n_in), in double."""
    return 1.0 / (float(n_out) / tf.cast(n_in, tf.float64))


def area_taps(n_in, n_out: int, n_taps: int) -> tuple[tf.Tensor, tf.Tensor]:
    """OpenCV's INTER_AREA table for one axis (``computeResizeAreaTab``): int32 source indices and
    float32 weights, each (n_taps, n_out); tap t of output i reads source ``index[t, i]`` with weight
    ``alpha[t, i]`` (0 past the cell)."""
    n = tf.cast(n_in, tf.float64)
    scale = _scale(n_in, n_out)
    lo = tf.range(n_out, dtype=tf.float64) * scale
    hi = lo + scale
    cell = tf.minimum(scale, n - lo)
    last = tf.minimum(tf.floor(hi), n - 1.0)
    first = tf.minimum(tf.math.ceil(lo), last)
    left, right = (first - lo) > PARTIAL_CELL, (hi - last) > PARTIAL_CELL
    index = tf.where(left, first - 1.0, first)[None, :] + tf.range(n_taps, dtype=tf.float64)[:, None]
    full = tf.broadcast_to(1.0 / cell, tf.shape(index))
    w_left = tf.broadcast_to((first - lo) / cell, tf.shape(index))
    w_right = tf.broadcast_to(tf.minimum(tf.minimum(hi - last, 1.0), cell) / cell, tf.shape(index))
    is_left = tf.logical_and(left[None, :], tf.equal(index, (first - 1.0)[None, :]))
    is_right = tf.logical_and(right[None, :], tf.equal(index, last[None, :]))
    alpha = tf.where(is_left, w_left, tf.where(index < last[None, :], full,
                                               tf.where(is_right, w_right, tf.zeros_like(full))))
    return tf.cast(tf.clip_by_value(index, 0.0, n - 1.0), tf.int32), tf.cast(alpha, tf.float32)


def _whole(n_in, n_out: int) -> tuple[tf.Tensor, tf.Tensor]:
    """(is the scale a whole number, that number as float32), as OpenCV decides its fast path."""
    scale = _scale(n_in, n_out)
    return tf.abs(scale - tf.round(scale)) < DBL_EPSILON, tf.cast(tf.round(scale), tf.float32)


def _gather_sum(x, index, alpha, axis: int):
    """sum_t x[index[t]] * alpha[t] along ``axis``, added tap by tap in float32 (OpenCV's order).

    The sum is spelled as subtractions of negated terms (exactly the same float32 results): graph
    optimisers rewrite a chain of adds into one AddN summed in another order (Grappler), and fold
    float64 round trips away (tf2onnx), but leave a chain of subtractions as it is.
    """
    shape = [1, 1, 1, 1]
    shape[axis] = -1
    out = None
    for t in range(index.shape[0]):
        source = tf.gather(x, index[t], axis=axis)
        if out is None:
            out = source * tf.reshape(alpha[t], shape)
        else:
            out = out - source * tf.reshape(-alpha[t], shape)
    return out


def area_resize(x, size: tuple[int, int], n_taps: tuple[int, int]) -> tf.Tensor:
    """float32 (B, H, W, C) of uint8 values -> OpenCV's INTER_AREA shrink to ``size`` (h, w), rounded."""
    h, w = int(size[0]), int(size[1])
    shape = tf.shape(x)
    rows, beta = area_taps(shape[1], h, n_taps[0])
    cols, alpha = area_taps(shape[2], w, n_taps[1])
    whole_h, sh = _whole(shape[1], h)
    whole_w, sw = _whole(shape[2], w)
    fast = tf.logical_and(whole_h, whole_w)
    # the whole-factor path sums integers (weights 1 inside the cell) and multiplies by 1/area once
    ones_beta = tf.cast(beta > 0, tf.float32)
    ones_alpha = tf.cast(alpha > 0, tf.float32)
    beta, alpha = tf.where(fast, ones_beta, beta), tf.where(fast, ones_alpha, alpha)
    out = _gather_sum(_gather_sum(x, cols, alpha, axis=2), rows, beta, axis=1)
    two_by_two = tf.logical_and(tf.equal(sh, 2.0), tf.equal(sw, 2.0))
    fast_out = tf.where(two_by_two, tf.floor((out + 2.0) / 4.0), tf.round(out * (1.0 / (sh * sw))))
    return tf.where(fast, fast_out, tf.round(out))


def linear_weights(n_in, n_out: int) -> tf.Tensor:
    """float32 (n_out, n_in): OpenCV's INTER_LINEAR with half-pixel centres, clamped at the borders,
    its weights quantised to 1/2048 as its uint8 path does."""
    n_in_i = tf.cast(n_in, tf.int32)
    scale = _scale(n_in, n_out)
    src = (tf.range(n_out, dtype=tf.float64) + 0.5) * scale - 0.5
    left = tf.floor(src)
    frac = src - left
    frac = tf.where(src < 0.0, tf.zeros_like(frac), frac)
    left = tf.cast(tf.maximum(left, 0.0), tf.int32)
    frac = tf.where(left >= n_in_i - 1, tf.zeros_like(frac), frac)
    left = tf.minimum(left, n_in_i - 1)
    right = tf.minimum(left + 1, n_in_i - 1)
    frac = tf.round(frac * LINEAR_COEF_SCALE) / LINEAR_COEF_SCALE
    j = tf.range(n_in_i)[None, :]  # a comparison, not one_hot: ONNX's OneHot needs a constant depth
    w_right = tf.cast(tf.equal(j, right[:, None]), tf.float64) * frac[:, None]
    w_left = tf.cast(tf.equal(j, left[:, None]), tf.float64) * (1.0 - frac)[:, None]
    return tf.cast(w_left + w_right, tf.float32)


def linear_resize(x, size: tuple[int, int]) -> tf.Tensor:
    """float32 (B, H, W, C) of uint8 values -> linear resize to ``size``, rounded half up."""
    shape = tf.shape(x)
    out = tf.einsum("jw,bhwc->bhjc", linear_weights(shape[2], int(size[1])), x)
    out = tf.einsum("ih,bhjc->bijc", linear_weights(shape[1], int(size[0])), out)
    return tf.clip_by_value(tf.floor(out + 0.5), 0.0, 255.0)


def resize_uint8(images, size: tuple[int, int], max_in: tuple[int, int]) -> tf.Tensor:
    """(B, H, W, C) images, H <= max_in[0] and W <= max_in[1] -> float32 (B, h, w, C), the pixels
    ``resize_image`` gives: area averaging when shrinking both axes, linear otherwise, unchanged at
    ``size`` already. Larger inputs would read past the gathered taps; callers check the size."""
    h, w = int(size[0]), int(size[1])
    x = tf.cast(images, tf.float32)
    shape = tf.shape(x)
    n_taps = (taps_for(max_in[0], h), taps_for(max_in[1], w))
    shrink = tf.logical_and(shape[1] >= h, shape[2] >= w)  # at ``size`` already: area taps of weight 1
    return tf.cond(shrink, lambda: area_resize(x, size, n_taps), lambda: linear_resize(x, size))
