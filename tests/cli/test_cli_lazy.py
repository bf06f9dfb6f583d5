"""`steeldefect` imports only the module of the subcommand it runs; SUBCOMMANDS lists every cmd module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import steeldefect.cli
from steeldefect.cli.commands import SUBCOMMANDS, module_of
from steeldefect.cli.main import build_parser, subcommand_in

CLI = Path(steeldefect.cli.__file__).parent
HEAVY = ("tensorflow", "keras", "albumentations", "dash", "fastapi", "pandas", "matplotlib", "ray", "sklearn", "scipy")


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_subcommands_lists_every_cmd_module():
    assert sorted(module_of(name) for name in SUBCOMMANDS) == sorted(
        f"steeldefect.cli.{p.stem}" for p in CLI.glob("cmd_*.py"))


def test_the_full_parser_lists_the_subcommands_in_flow_order():
    choices = build_parser()._subparsers._group_actions[0].choices
    assert list(choices) == list(SUBCOMMANDS)


@pytest.mark.parametrize("argv, name", [(["tune", "--runs", "train"], "tune"), (["-v", "score"], "score"),
                                        (["--help"], None), ([], None), (["-q", "pseudo-label", "-h"], "pseudo-label")])
def test_the_subcommand_is_the_first_known_token(argv, name):
    assert subcommand_in(argv) == name


def test_help_imports_no_cmd_module_and_no_heavy_library():
    code = ("import sys\nfrom steeldefect.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            f"print('LOADED', [m for m in sys.modules if m.startswith('steeldefect.cli.cmd_') or m in {HEAVY!r}])")
    assert _run(code).splitlines()[-1] == "LOADED []"


def test_a_run_imports_only_its_cmd_module(tmp_path):
    code = ("import sys\nfrom steeldefect.cli.main import main\n"
            "try:\n    main(['-q', 'validate', '--help'])\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in sys.modules if m.startswith('steeldefect.cli.cmd_')))")
    assert _run(code).splitlines()[-1] == "LOADED ['steeldefect.cli.cmd_validate']"


def test_an_unknown_subcommand_lists_them_all():
    out = subprocess.run([sys.executable, "-m", "steeldefect", "bogus"], capture_output=True, text=True)
    assert out.returncode == 2
    assert all(repr(name) in out.stderr for name in SUBCOMMANDS)
