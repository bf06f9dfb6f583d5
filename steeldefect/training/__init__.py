"""Training of classifiers and segmenters, one fold per run, resumable; see :func:`train`."""

from steeldefect.training.run import DONE, run_dir_of, train

__all__ = ["train", "run_dir_of", "DONE"]
