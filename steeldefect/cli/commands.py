"""A registry of CLI subcommands: each lives in its own small module and registers itself.

A subcommand module defines ``add_arguments(parser)`` and ``run(args) -> int`` through
``@command``: ``run`` builds the arguments of its stage (``steeldefect.stages``) from the flags, calls
it and prints its result. The stages import TensorFlow, Dash or pandas only when called, so that
``--help`` stays fast; ``tests/test_structure_cli.py`` keeps the modules thin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import argparse

from steeldefect.registry import Registry


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    epilog: str = ""


COMMANDS: Registry[Command] = Registry("subcommand")  # main.py builds the parser from COMMANDS.values()


def command(name: str, help: str, description: str = "", epilog: str = ""):
    """Register the decorated ``run(args)`` function as subcommand ``name``: ``@command("score", help=...)``.

    Its arguments come from the adder that :func:`arguments` attached (put ``@arguments(adder)``
    directly under ``@command``); without one the subcommand takes no arguments.
    """

    def wrap(run: Callable[[argparse.Namespace], int]):
        adder = getattr(run, "_add_arguments", lambda parser: None)
        COMMANDS.add(name, Command(name, help, description or help, adder, run, epilog))
        return run

    return wrap


def arguments(adder: Callable[[argparse.ArgumentParser], None]):
    """Attach an argument adder to a run function: put ``@arguments(adder)`` under ``@command``."""

    def wrap(run):
        run._add_arguments = adder
        return run

    return wrap
