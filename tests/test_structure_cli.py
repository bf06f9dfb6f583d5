"""The CLI is thin: each cli/cmd_*.py parses flags, calls one stage of steeldefect.stages and prints.

Checked on the source (ast), so a violation names its file and line: (a) no cmd module imports
another; (b) cmd modules import from steeldefect only the stages, cli.commands, cli.options, errors
and upper-case constants (names and choices for help texts), and no cli module imports numpy,
pandas, TensorFlow or Keras; (c) no function in cli/ is over 25 lines, no import sits inside a
function, and cmd modules loop over nothing outside their argument adders; (d) the checker catches a
planted violation of each rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CLI = Path(__file__).resolve().parents[1] / "steeldefect" / "cli"
ALLOWED = ("steeldefect.stages", "steeldefect.cli.commands", "steeldefect.cli.options", "steeldefect.errors")
BANNED = ("numpy", "pandas", "tensorflow", "keras", "cv2", "matplotlib", "albumentations")
MAX_LINES = 25
LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _imports(tree: ast.AST):
    """(line, module, names) of every import in ``tree``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module, tuple(a.name for a in node.names)


def _functions(tree: ast.AST):
    return [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _is_adder(name: str) -> bool:
    return name.startswith(("_add", "add_")) or name == "build_parser"


def _import_problems(name: str, tree: ast.AST) -> list[str]:
    problems = []
    cmd = name.startswith("cmd_")
    for line, module, names in _imports(tree):
        where = f"cli/{name}.py:{line}"
        if module.split(".")[0] in BANNED:
            problems.append(f"{where} imports {module}: the stage does that")
        if cmd and module.startswith("steeldefect.cli.cmd_"):
            problems.append(f"{where} imports another subcommand module, {module}: share it through cli/options.py")
        elif cmd and module.startswith("steeldefect") and not module.startswith(ALLOWED) and (
                not names or not all(n.isupper() for n in names)):
            problems.append(f"{where} imports {', '.join(names) or module} from {module}: call a stage instead "
                            "(constants only from other modules)")
    return problems


def _function_problems(name: str, tree: ast.AST) -> list[str]:
    problems = []
    for func in _functions(tree):
        where = f"cli/{name}.py:{func.lineno} {func.name}()"
        length = func.end_lineno - func.lineno + 1
        if length > MAX_LINES:
            problems.append(f"{where} has {length} lines (at most {MAX_LINES})")
        if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(func)):
            problems.append(f"{where} imports inside the function: import at the top")
        if name.startswith("cmd_") and not _is_adder(func.name):
            loop = next((n for n in ast.walk(func) if isinstance(n, LOOPS)), None)
            if loop is not None:
                problems.append(f"cli/{name}.py:{loop.lineno} loops in {func.name}(): data work belongs to a stage")
    return problems


def check_cli_module(name: str, source: str) -> list[str]:
    """Every violation of the thin-CLI rules in module ``cli/<name>.py`` with this source."""
    tree = ast.parse(source)
    return _import_problems(name, tree) + _function_problems(name, tree)


def cli_modules() -> dict[str, str]:
    return {p.stem: p.read_text() for p in sorted(CLI.glob("*.py"))}


def test_every_subcommand_has_a_cmd_module():
    assert len([n for n in cli_modules() if n.startswith("cmd_")]) >= 18


@pytest.mark.parametrize("name", sorted(cli_modules()))
def test_cli_module_is_thin(name):
    assert check_cli_module(name, cli_modules()[name]) == []


PLANTED = {
    "another cmd module": ("from steeldefect.cli.cmd_predict import ensemble_option\n",
                           "imports another subcommand module"),
    "a library call": ("from steeldefect.data.labels import read_labels\n", "call a stage instead"),
    "numpy": ("import numpy as np\n", "imports numpy"),
    "a long function": ("def run(args):\n" + "    x = 1\n" * 30, "has 31 lines"),
    "an import inside": ("def run(args):\n    import json\n    return json\n", "imports inside the function"),
    "a loop": ("def run(args):\n    for p in args.paths:\n        print(p)\n", "loops in run()"),
}


@pytest.mark.parametrize("planted", sorted(PLANTED))
def test_the_checker_catches_a_planted_violation(planted):
    source, message = PLANTED[planted]
    problems = check_cli_module("cmd_planted", source)
    assert len(problems) == 1 and message in problems[0], problems


def test_the_checker_allows_stages_options_and_constants():
    source = ("from steeldefect.cli.options import add_set_option\nfrom steeldefect.artifacts.run_folder import DONE_FILE\n"
              "from steeldefect.stages.tune_stage import TuneArgs, tune\n"
              "def _add(p):\n    for flag in ('--a', '--b'):\n        p.add_argument(flag)\n")
    assert check_cli_module("cmd_planted", source) == []
