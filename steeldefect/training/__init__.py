"""Training of classifiers and segmenters, one fold per run, resumable; see :func:`train`.

``train`` is imported from ``training.run`` when first used (PEP 562), so that importing a light submodule
(``training.validation``, ``training.plan``) does not import the fold splitting and scikit-learn with it.
"""

import importlib

__all__ = ["train"]


def __getattr__(name):
    if name != "train":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module("steeldefect.training.run").train


def __dir__():
    return sorted(set(globals()) | set(__all__))
