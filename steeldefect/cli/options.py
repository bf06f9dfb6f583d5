"""Flags several subcommands share: the names choice-valued flags accept, and ``--set``.

The names are taken from the registries that own them, so argparse lists them in ``--help`` and
refuses a typo by name. The parser is built for every call, ``--help`` included, so this module
imports only light modules (numpy, yaml); the one registry that lives beside TensorFlow (the serve
runtimes) is mirrored by a tuple that ``tests/cli/test_cli_options.py`` compares with it.
"""

from __future__ import annotations

import argparse
import typing
from collections.abc import Callable, Sequence

from steeldefect.config.schema import RuntimeConfig
from steeldefect.deploy.manifest import FORMATS
from steeldefect.ensemble.reducers import available_reducers
from steeldefect.ensemble.tta import TTA_MODES
from steeldefect.errors import SteelDefectError
from steeldefect.kaggle.hour_plan import KAGGLE_GPUS

TTA_CHOICES = tuple(TTA_MODES)  # --tta
REDUCER_CHOICES = tuple(available_reducers())  # --reducer, select --reducers
RUNTIME_CHOICES = ("onnx", "tf")  # serve --runtime: deploy.runtime.RUNTIMES, whose module imports TensorFlow
EXPORT_FORMATS = tuple(FORMATS)  # export --format
KAGGLE_GPU_CHOICES = tuple(KAGGLE_GPUS)  # kaggle-package --gpu
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


def check_set_has_config(args: argparse.Namespace) -> None:
    """Refuse ``--set`` without ``--config`` (where the config is optional) rather than ignore it."""
    if args.set and not args.config:
        raise SteelDefectError(f"--set {args.set[0]} overrides a field of --config; give --config too")
