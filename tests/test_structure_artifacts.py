"""Every file a stage writes or reads is named and keyed in one place, ``steeldefect/artifacts/``:
no other module spells an artifact's file name, and none reads a key of meta, summary, manifest,
spec or record data by hand (they use the typed readers' attributes)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import steeldefect
import steeldefect.artifacts
from testkit.source_ast import docstring_ids

PACKAGE = Path(steeldefect.__file__).parent
ARTIFACTS = PACKAGE / "artifacts"
DATA_NAMES = {"meta", "summary", "manifest", "spec", "record"}  # variables holding an artifact's data


def artifact_names() -> set[str]:
    """The file names the artifacts modules own: their ``*_FILE`` and ``*_SUFFIX`` string constants."""
    names = set()
    for info in pkgutil.iter_modules(steeldefect.artifacts.__path__):
        module = importlib.import_module(f"steeldefect.artifacts.{info.name}")
        for attr, value in vars(module).items():
            if attr.isupper() and attr.endswith(("_FILE", "_SUFFIX")) and isinstance(value, str):
                names.add(value)
    names.discard(".partial")  # <out>.partial/ is a suffix other staging folders share
    return names


def name_spellings(source: str, names: set[str]) -> list[str]:
    """``line N: name`` for each artifact file name in a string literal of ``source`` (the literal parts
    of f-strings included, docstrings left out: they describe, code names)."""
    tree = ast.parse(source)
    docstrings = docstring_ids(tree)
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            for name in sorted(names):
                pattern = re.escape(name) if name.startswith("_") else rf"(?<![\w.]){re.escape(name)}(?![\w])"
                if re.search(pattern, node.value):
                    hits.append(f"line {node.lineno}: {name}")
    return hits


def _data_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name) and node.id in DATA_NAMES:
        return node.id
    if isinstance(node, ast.Attribute) and node.attr in DATA_NAMES:
        return node.attr
    return None


def _is_str(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def key_reads(source: str) -> list[str]:
    """``line N: code`` for each ``meta["key"]`` / ``summary.get("key")`` (and manifest, spec, record)."""
    hits = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and _data_name(node.value) and _is_str(node.slice):
            hits.append(f"line {node.lineno}: {ast.unparse(node)}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
              and _data_name(node.func.value) and node.args and _is_str(node.args[0])):
            hits.append(f"line {node.lineno}: {ast.unparse(node)}")
    return hits


def _outside_artifacts() -> list[Path]:
    return [p for p in sorted(PACKAGE.rglob("*.py")) if ARTIFACTS not in p.parents]


def test_artifact_file_names_are_spelled_only_in_the_artifacts_package():
    names = artifact_names()
    assert {"meta.json", "oof.npz", "thresholds.yaml", "ensemble.yaml", "summary.json", "devices.json",
            "manifest.json", "_images.csv"} <= names
    found = {str(p.relative_to(PACKAGE.parent)): hits for p in _outside_artifacts()
             if (hits := name_spellings(p.read_text(), names))}
    assert found == {}, "use the name constants of steeldefect.artifacts instead"


def test_no_module_reads_artifact_keys_by_hand():
    found = {str(p.relative_to(PACKAGE.parent)): hits for p in _outside_artifacts()
             if (hits := key_reads(p.read_text()))}
    assert found == {}, "read the file with its steeldefect.artifacts reader and use the attributes"


def test_the_finders_find_planted_violations(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text('"""Reads meta.json (a docstring may say so)."""\n'
                       'PATH = "runs/thresholds.yaml"\n'
                       'def f(run, out, meta, summary, self):\n'
                       '    x = run / f"{out}_images.csv"\n'
                       '    y = meta["fold"], summary.get("test"), self.manifest["runs"], spec.get("tta", "none")\n'
                       '    return meta.fold, summary.get(key), record[0], other["fold"], "meta.jsonl"\n')
    source = planted.read_text()
    assert name_spellings(source, artifact_names()) == ["line 2: thresholds.yaml", "line 4: _images.csv"]
    assert key_reads(source) == ["line 5: meta['fold']", "line 5: summary.get('test')",
                                 "line 5: self.manifest['runs']", "line 5: spec.get('tta', 'none')"]
