"""Image-level classifiers: the defect/no-defect gate (1 output) or per-class presence (4 outputs)."""

from steeldefect.models.classifier.classifier_model import OUTPUT_NAME, POOLINGS, build_classifier

__all__ = ["OUTPUT_NAME", "POOLINGS", "build_classifier"]
