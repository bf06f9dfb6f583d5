"""A registry of CLI subcommands: each lives in its own small module and registers itself.

``SUBCOMMANDS`` lists every subcommand with its one-line help, in the order of the data flow; subcommand
``name`` lives in ``steeldefect/cli/cmd_<name>.py`` (dashes as underscores), which defines
``add_arguments(parser)`` and ``run(args) -> int`` through ``@command``: ``run`` builds the arguments of
its stage (``steeldefect.stages``) from the flags, calls it and prints its result. ``steeldefect.cli.main``
imports only the module of the subcommand being run, so ``--help`` and a light subcommand never import
the libraries of the others; ``tests/test_structure_cli.py`` keeps the modules thin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import argparse

from steeldefect.registry import Registry

SUBCOMMANDS = {  # name -> one-line help, in the order of the data flow (the order of `steeldefect --help`)
    "doctor": "check the install: versions, TensorFlow build, devices, strategy, weights, data",
    "synth-look": "fit the look of clean steel (texture, light, grain, flecks, margins) on real strips",
    "synth": "write a synthetic Severstal-like dataset (images, train.csv, test labels)",
    "import": "write a dataset folder from an annotation tool's export (index or CVAT masks, COCO JSON)",
    "eda": "label statistics, mask areas and shapes, charts and eda.json",
    "folds": "split training images into stratified folds",
    "tfrecords": "write the training set as TFRecord shards (for TPU / cloud training)",
    "train": "train classifiers or segmenters per fold and backbone (resumable)",
    "select": "choose members, TTA views and reducer on OOF under a prediction-time budget",
    "tune": "tune thresholds, minimum areas and gates on out-of-fold predictions",
    "predict": "predict a folder of images into a submission with the ensemble",
    "pseudo-label": "label the unlabelled images the ensemble is sure of (pseudo labels)",
    "validate": "check a submission's rows and RLE against the sample submission",
    "score": "score a submission with the competition metric (mean Dice)",
    "summary": "summarise a run: OOF Dice, test Dice vs the all-empty baseline, stage times",
    "report": "error-analysis report of trained runs (HTML + PNG)",
    "app": "analysis web app: distributions, image browser, submission comparison",
    "kaggle-package": "build the Kaggle dataset (wheels, models, thresholds) and offline kernel",
    "export": "export the tuned ensemble as one SavedModel / ONNX graph with its thresholds",
    "serve": "serve an exported model over HTTP: POST /v1/predict, /v1/predict/batch, /metrics",
}


def module_of(name: str) -> str:
    """The module defining subcommand ``name``: ``steeldefect.cli.cmd_pseudo_label`` for "pseudo-label"."""
    return f"steeldefect.cli.cmd_{name.replace('-', '_')}"


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    epilog: str = ""


COMMANDS: Registry[Command] = Registry("subcommand")  # main.py builds the parser from COMMANDS.values()


def command(name: str, description: str = "", epilog: str = ""):
    """Register the decorated ``run(args)`` function as subcommand ``name``: ``@command("score", description=...)``.

    ``name`` must be in ``SUBCOMMANDS``, which holds its one-line help (the default description).

    Its arguments come from the adder that :func:`arguments` attached (put ``@arguments(adder)``
    directly under ``@command``); without one the subcommand takes no arguments.
    """

    def wrap(run: Callable[[argparse.Namespace], int]):
        if name not in SUBCOMMANDS:
            raise ValueError(f"subcommand {name!r} is not in SUBCOMMANDS (steeldefect/cli/commands.py): add it there")
        adder = getattr(run, "_add_arguments", lambda parser: None)
        help = SUBCOMMANDS[name]
        COMMANDS.add(name, Command(name, help, description or help, adder, run, epilog))
        return run

    return wrap


def arguments(adder: Callable[[argparse.ArgumentParser], None]):
    """Attach an argument adder to a run function: put ``@arguments(adder)`` under ``@command``."""

    def wrap(run):
        run._add_arguments = adder
        return run

    return wrap
