"""The stages are importable without their heavy libraries, and their argument defaults are the CLI's."""

from __future__ import annotations

import argparse
import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from steeldefect import stages
from steeldefect.cli.main import build_parser

STAGES_DIR = Path(stages.__file__).parent
HEAVY = ("tensorflow", "keras", "albumentations", "dash", "fastapi", "pandas", "matplotlib", "ray", "sklearn", "scipy")
# a stage module imports these only when its stage is called
HEAVY_FOR_A_STAGE = ("tensorflow", "keras", "albumentations", "dash", "fastapi", "ray")
STAGE_MODULES = sorted(f"steeldefect.stages.{p.stem}" for p in STAGES_DIR.glob("*_stage.py"))
ARGS = {  # subcommand -> its stage's argument dataclass
    "synth": stages.SynthArgs, "import": stages.ImportArgs, "doctor": stages.DoctorArgs, "eda": stages.EdaArgs, "folds": stages.FoldsArgs,
    "tfrecords": stages.TfrecordsArgs, "train": stages.TrainArgs, "select": stages.SelectArgs,
    "tune": stages.TuneArgs, "predict": stages.PredictArgs, "pseudo-label": stages.PseudoLabelArgs,
    "validate": stages.ValidateArgs, "score": stages.ScoreArgs, "summary": stages.SummaryArgs,
    "report": stages.ReportArgs, "app": stages.AppArgs, "kaggle-package": stages.KagglePackageArgs,
    "export": stages.ExportArgs, "serve": stages.ServeArgs,
}


def _loaded_by(module: str, candidates) -> str:
    """The ``candidates`` that importing ``module`` in a fresh interpreter loads, comma-separated."""
    code = f"import sys, {module}; print(','.join(m for m in {tuple(candidates)!r} if m in sys.modules))"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_the_cli_and_the_stages_import_no_heavy_library():
    assert _loaded_by("steeldefect.stages, steeldefect.cli.main", HEAVY) == ""


def test_the_stages_package_exports_lazily():
    code = ("import sys, steeldefect.stages as s; before = [m for m in sys.modules if m.endswith('_stage')]; "
            "from steeldefect.stages import TuneArgs, tune; "
            "print(before, tune.__module__, TuneArgs.__module__, 'tune' in dir(s), "
            "sorted(s.__all__) == sorted(set(s.__all__)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "steeldefect.stages.tune_stage", "steeldefect.stages.tune_stage", "True", "True"]
    assert all(hasattr(stages, name) for name in stages.__all__)


@pytest.mark.parametrize("module", STAGE_MODULES)
def test_a_stage_module_imports_no_model_or_server_library(module):
    assert _loaded_by(module, HEAVY_FOR_A_STAGE) == ""


def test_every_subcommand_has_a_stage():
    assert set(ARGS) == set(stages.STAGES)
    for name, func in stages.STAGES.items():
        assert func.__module__ == f"steeldefect.stages.{name.replace('-', '_')}_stage"


def test_in_function_imports_of_the_stages_say_why():
    for path in sorted(STAGES_DIR.glob("*.py")):
        lines = path.read_text().splitlines()
        for func in ast.walk(ast.parse(path.read_text())):
            if not isinstance(func, ast.FunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    text = "\n".join(lines[node.lineno - 1:node.end_lineno])
                    assert "# heavy:" in text, f"{path.name}:{node.lineno}: import at the top, or say # heavy: what"


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("name", sorted(ARGS))
def test_stage_arguments_are_frozen_with_the_cli_defaults(name):
    cls = ARGS[name]
    assert cls.__dataclass_params__.frozen
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for action in _subparsers()[name]._actions:
        field = fields.get(action.dest)
        if field is None or field.default is dataclasses.MISSING or action.default in (None, argparse.SUPPRESS):
            continue
        default = action.default
        if isinstance(default, list):
            default = tuple(default)
        if isinstance(default, str) and action.type is not None and not isinstance(action.type, type):
            default = action.type(default)  # e.g. export --format 'savedmodel,onnx'
        assert field.default == default, f"{name} --{action.dest}: stage {field.default!r}, CLI {default!r}"
