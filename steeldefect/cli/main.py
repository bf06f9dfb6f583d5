"""The `steeldefect` command: one entry point, one subcommand per pipeline stage."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from steeldefect import __version__, logs
from steeldefect.cli.commands import COMMANDS, SUBCOMMANDS, module_of
from steeldefect.cli.options import add_verbosity
from steeldefect.errors import SteelDefectError
from steeldefect.artifacts.run_folder import FOLDS_FILE

# Subcommands are the modules steeldefect/cli/cmd_*.py, each registering itself when imported; --help
# lists them in the order of SUBCOMMANDS (the data flow). A run imports only its subcommand's module.

PROLOG = """Severstal steel-defect detection, end to end.

Data flows one way: labels -> folds -> training -> (ensemble selection and) tuning on
out-of-fold predictions -> prediction -> submission (-> pseudo labels for another round). Each subcommand runs one stage and writes into a folder; rerunning
it resumes or skips finished work."""

EPILOG = """examples:
  steeldefect synth --out data/synth --train 200 --test 50 --seed 0
  steeldefect eda --data data/synth --out runs/eda
  steeldefect folds --data data/synth --k 5 --seed 42 --out runs/{folds_file}
  steeldefect validate --pred submission.csv --sample data/synth/sample_submission.csv
  steeldefect score --truth data/synth/test_labels.csv --pred submission.csv

run `steeldefect <subcommand> --help` for the options of each.""".format(folds_file=FOLDS_FILE)


def build_parser() -> argparse.ArgumentParser:
    """The full parser, every subcommand's module imported (tests and the README check use it)."""
    return _parser(tuple(SUBCOMMANDS))


def _parser(loaded: tuple[str, ...]) -> argparse.ArgumentParser:
    """The parser with the arguments of the subcommands ``loaded``; the others take none (help and choices only)."""
    for name in loaded:
        importlib.import_module(module_of(name))  # a cmd module registers its subcommand when imported
    parser = argparse.ArgumentParser(
        prog="steeldefect", description=PROLOG, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"steeldefect {__version__}")
    add_verbosity(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")
    for name, line in SUBCOMMANDS.items():
        if name not in loaded:
            sub.add_parser(name, help=line)
            continue
        cmd = COMMANDS.get(name)
        p = sub.add_parser(name, help=line, description=cmd.description, epilog=cmd.epilog,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        cmd.add_arguments(p)
        add_verbosity(p)
        p.set_defaults(_run=cmd.run)
    return parser


def subcommand_in(argv: list[str]) -> str | None:
    """The subcommand named in ``argv``: its first token that is one (global options such as -v come before it)."""
    return next((token for token in argv if token in SUBCOMMANDS), None)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter off stderr
    argv = sys.argv[1:] if argv is None else list(argv)
    name = subcommand_in(argv)
    parser = _parser((name,) if name else ())
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    log = logs.configure(args.verbosity)
    try:
        return int(args._run(args) or 0)
    except SteelDefectError as err:
        log.error(f"steeldefect {args.command}: error: {err}")
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0
    except OSError as err:  # a file the user named cannot be read or written
        where = f": {err.filename}" if err.filename else ""
        log.error(f"steeldefect {args.command}: error: {err.strerror or err}{where}")
        return 2
    except KeyboardInterrupt:
        log.error(f"steeldefect {args.command}: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
