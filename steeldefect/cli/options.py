"""Flags several subcommands share: the names choice-valued flags accept, and ``--set``.

The names are taken from the registries that own them, so argparse lists them in ``--help`` and
refuses a typo by name. ``steeldefect.cli.main`` imports this module for every call, ``--help`` included,
so it imports only light modules (numpy, yaml); the names whose modules import TensorFlow, OpenCV or pandas
(serve runtimes, export formats, Kaggle GPUs) are mirrored by tuples that
``tests/cli/test_cli_options.py`` compares with them.
"""

from __future__ import annotations

import argparse
import pathlib
import typing
from collections.abc import Callable, Sequence

from steeldefect.config.schema import RuntimeConfig
from steeldefect.ensemble.reducers import available_reducers
from steeldefect.ensemble.tta import TTA_MODES
from steeldefect import logs
from steeldefect.errors import SteelDefectError
from steeldefect.tuning.sweep import parse_values

TTA_CHOICES = tuple(TTA_MODES)  # --tta
REDUCER_CHOICES = tuple(available_reducers())  # --reducer, select --reducers
RUNTIME_CHOICES = ("onnx", "openvino", "tf")  # serve --runtime: deploy.runtime.RUNTIMES, whose module imports TensorFlow
EXPORT_FORMATS = ("savedmodel", "onnx")  # export --format: artifacts.export_manifest.FORMATS, whose module imports OpenCV
KAGGLE_GPU_CHOICES = ("p100", "t4")  # kaggle-package --gpu: kaggle.hour_plan.KAGGLE_GPUS, whose module imports pandas
_RUNTIME_HINTS = typing.get_type_hints(RuntimeConfig)
STRATEGY_CHOICES = typing.get_args(_RUNTIME_HINTS["strategy"])  # train --strategy (runtime.strategy)
PRECISION_CHOICES = typing.get_args(_RUNTIME_HINTS["mixed_precision"])  # train --mixed-precision


def comma_list(valid: Sequence[str], what: str) -> Callable[[str], tuple[str, ...]]:
    """An argparse ``type=`` for a comma-separated list of ``valid`` names: 'a,b' -> ('a', 'b'), in
    order, repeats dropped; an unknown or missing name is argparse's one-line error naming the valid ones."""

    def parse(text: str) -> tuple[str, ...]:
        names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
        bad = [n for n in names if n not in valid]
        if bad or not names:
            name = repr(bad[0]) if bad else "(none)"
            raise argparse.ArgumentTypeError(f"unknown {what} {name}; choose from {', '.join(valid)}")
        return names

    parse.__name__ = f"{what} list"
    return parse


def add_set_option(p: argparse.ArgumentParser) -> None:
    """``--set KEY.PATH=VALUE`` (repeatable) for a subcommand that takes ``--config``; the subcommand
    passes ``args.set`` to ``load_config(..., overrides=)``."""
    p.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override a field of --config, e.g. --set segmenter.train.epochs=2 (repeatable; the "
                        "value is read as YAML: 4, 1e-3, null, [0, 1]); the config is then validated as usual")




def add_verbosity(p: argparse.ArgumentParser, top: bool = False) -> None:
    """``-v/--verbose`` (debug messages) and ``-q/--quiet`` (warnings and errors only, no progress bars
    where a stage can drop them) as ``args.verbosity``; on a subcommand they override the top level's."""
    default = logs.NORMAL if top else argparse.SUPPRESS
    group = p.add_mutually_exclusive_group()
    group.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=logs.VERBOSE, default=default,
                       help="also print debug messages on stderr")
    group.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=logs.QUIET, default=default,
                       help="print only warnings and errors on stderr (and no progress bar where optional)")


def add_models_options(p: argparse.ArgumentParser, runs_help: str) -> None:
    """``--runs RUNS`` or ``--models RUN_DIR...``: the trained runs a prediction stage uses."""
    p.add_argument("--runs", default=None, metavar="DIR", help=runs_help)
    p.add_argument("--models", nargs="+", default=None, metavar="RUN_DIR",
                   help="explicit run folders (<kind>/<backbone>/fold<k>) instead of all runs under --runs")


def add_ensemble_options(p: argparse.ArgumentParser, what: str = "") -> None:
    """``--ensemble FILE`` (select's choice, which sets TTA and reducer) or ``--tta`` and ``--reducer``."""
    p.add_argument("--ensemble", default=None, metavar="FILE",
                   help="ensemble YAML of `steeldefect select`: only its members, with its TTA and reducer" + what)
    p.add_argument("--tta", default=None, choices=TTA_CHOICES,
                   help="test-time augmentation without --ensemble (default none)")
    p.add_argument("--reducer", default=None, choices=REDUCER_CHOICES,
                   help="how models and views combine without --ensemble (default mean)")


def add_thresholds_option(p: argparse.ArgumentParser, required: bool = True, default_help: str = "") -> None:
    """``--thresholds FILE``: the thresholds YAML of `steeldefect tune`."""
    p.add_argument("--thresholds", required=required, default=None, metavar="FILE",
                   help="thresholds YAML written by `steeldefect tune`" + default_help)


def add_batch_size_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--batch-size", type=int, default=8, help="images per model call (default 8)")


def path_or_none(value):
    """``Path(value)`` for a given flag, None for an absent one (a stage argument from the Namespace)."""
    return pathlib.Path(value) if value else None


def paths_or_none(values):
    """A tuple of Paths for a given list flag, None for an absent one."""
    return tuple(pathlib.Path(v) for v in values) if values else None


def add_chunk_size_option(p: argparse.ArgumentParser, what: str) -> None:
    """``--chunk-size N``: images per chunk, the same meaning wherever a stage streams images."""
    p.add_argument("--chunk-size", type=int, default=64, metavar="N", help=f"images per chunk: {what} (default 64)")


def grid_values(kind: type = float) -> Callable[[str], tuple]:
    """An argparse ``type=`` for a searched grid: 'start:stop:step' (stop included), 'a,b,c' or 'none' (empty)."""

    def parse(text: str) -> tuple:
        try:
            return parse_values(text, kind)
        except SteelDefectError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = "values"
    return parse
