"""How far an exported runtime's masks may differ from `predict`'s.

ONNX Runtime and OpenVINO sum floats in another order than TensorFlow: their probabilities are within
1e-4 of `predict`'s, and a model pixel whose probability sits on a threshold can flip. The tiny test
models are untrained and many of their probabilities lie within 1e-5 of the 0.5 thresholds, so a few
pixels may flip on some images (2.4e-4 of the mask pixels measured with OpenVINO; the demo's 1,500
strips: 2 and 1 of 6,000 masks, one model pixel each, docs/BENCHMARKS.md "Deploy"). The SavedModel
runs TensorFlow's own kernels and must match byte for byte.
"""

from __future__ import annotations

import numpy as np

MAX_FLIPPED = 1e-3  # the largest share of mask pixels an ONNX runtime may flip


def flipped_share(rles_a, rles_b, shape: tuple[int, int]) -> float:
    """The share of pixels on which the masks of two equally long lists of RLE strings disagree."""
    from steeldefect.data.rle import rle_decode

    rles_a, rles_b = list(rles_a), list(rles_b)
    assert len(rles_a) == len(rles_b)
    flipped = sum(int(np.count_nonzero(rle_decode(a, shape) != rle_decode(b, shape))) for a, b in zip(rles_a, rles_b))
    return flipped / (max(len(rles_a), 1) * shape[0] * shape[1])
