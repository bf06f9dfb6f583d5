"""steeldefect: the Severstal steel-defect solution as software.

Public entry points kept importable without TensorFlow: ``rle_encode``, ``rle_decode``, the
competition metric ``dice_score`` and ``Predictor`` (the tuned ensemble; TensorFlow or ONNX Runtime
load only when one is built).
"""

from steeldefect.data.rle import rle_decode, rle_encode

__version__ = "0.1.0"
__all__ = ["rle_encode", "rle_decode", "dice_score", "Predictor", "__version__"]


def __getattr__(name):  # lazy, so `import steeldefect` stays light
    if name == "dice_score":
        from steeldefect.metric.dice import dice_score  # heavy: pandas

        return dice_score
    if name == "Predictor":
        from steeldefect.predictor import Predictor  # heavy: pandas, OpenCV; TensorFlow or ONNX Runtime when built

        return Predictor
    raise AttributeError(f"module 'steeldefect' has no attribute {name!r}")
