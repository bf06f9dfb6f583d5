"""Training of classifiers and segmenters, one fold per run, resumable; see :func:`train`."""

from steeldefect.training.run import train

__all__ = ["train"]
