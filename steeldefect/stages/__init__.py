"""The pipeline's stages as Python functions: one per ``steeldefect`` subcommand, each taking a frozen
dataclass of typed arguments (defaults = the CLI's) and returning a frozen dataclass of what it did.

``steeldefect.cli`` only parses flags into these arguments, calls the stage and prints its result;
a notebook calls the same functions::

    from steeldefect.stages import ScoreArgs, score
    print(score(ScoreArgs(truth=Path("data/synth/test_labels.csv"), pred=Path("runs/submission.csv"))).mean_dice)

Importing this package is light (no TensorFlow, pandas or OpenCV): a name is imported from its stage
module when first used (PEP 562), and a stage module imports TensorFlow, Keras, Dash and the like only
when called.
"""

from __future__ import annotations

import importlib

_SUBCOMMANDS = ("synth", "import", "doctor", "eda", "folds", "tfrecords", "train", "select", "tune", "predict", "pseudo-label",
                "validate", "score", "summary", "report", "app", "kaggle-package", "export", "serve")
_FUNCTIONS = {"import": "import_dataset"}  # stage functions not named after their subcommand ("import" is a keyword)


def _module(subcommand: str) -> str:
    return f"steeldefect.stages.{subcommand.replace('-', '_')}_stage"


def _names(subcommand: str) -> tuple[str, str, str]:
    """The argument class, result class and function of a stage: ("PseudoLabelArgs", ..., "pseudo_label")."""
    camel = "".join(part.capitalize() for part in subcommand.split("-"))
    return f"{camel}Args", f"{camel}Result", _FUNCTIONS.get(subcommand, subcommand.replace("-", "_"))


_HOME = {name: _module(sub) for sub in _SUBCOMMANDS for name in _names(sub)}  # exported name -> its stage module

__all__ = ["STAGES", *sorted(_HOME, key=str.lower)]


def __getattr__(name: str):
    if name == "STAGES":  # subcommand -> stage function; reading it imports every stage module
        globals()["STAGES"] = {sub: __getattr__(_names(sub)[2]) for sub in _SUBCOMMANDS}
        return globals()["STAGES"]
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)  # a stage module, imported on first use
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
