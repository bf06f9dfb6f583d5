"""The Python API of prediction: ``Predictor`` (from an export folder or from runs + thresholds) and
the result of one image, the same whether the caller is Python, ``serve`` or a notebook."""

from steeldefect.delivery.predictor.predictor import Predictor
from steeldefect.delivery.predictor.result import ClassResult, ImageResult

__all__ = ["ClassResult", "ImageResult", "Predictor"]
