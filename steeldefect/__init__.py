"""steeldefect: the Severstal steel-defect solution as software.

Public entry points kept importable without TensorFlow: ``rle_encode``, ``rle_decode``, the
competition metric ``dice_score``, ``Predictor`` (the tuned ensemble; TensorFlow or ONNX Runtime
load only when one is built) and ``Client`` (of ``steeldefect serve``; standard library only).
"""

import importlib

from steeldefect.data.rle import rle_decode, rle_encode

__version__ = "0.1.0"
__all__ = ["rle_encode", "rle_decode", "dice_score", "Predictor", "Client", "__version__"]


_LAZY = {"dice_score": "steeldefect.metric.dice", "Predictor": "steeldefect.delivery.predictor",
         "Client": "steeldefect.client"}  # name -> its module


def __getattr__(name):  # lazy (PEP 562), so `import steeldefect` stays light: these import pandas and OpenCV
    if name not in _LAZY:
        raise AttributeError(f"module 'steeldefect' has no attribute {name!r}")
    return getattr(importlib.import_module(_LAZY[name]), name)
