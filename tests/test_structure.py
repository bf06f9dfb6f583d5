"""The package's shape, checked from its source: no import circle, one home for each run-folder name,
file names that say what they hold, reducer formulas only in ``steeldefect/ensemble/``, and a config
load that stays free of the heavy libraries."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import steeldefect
from steeldefect.artifacts import oof, run_folder, run_meta
from steeldefect.ensemble.reducers import available_reducers
from testkit.source_ast import docstring_ids

PACKAGE = Path(steeldefect.__file__).parent
ROOT = PACKAGE.parent
ENSEMBLE = PACKAGE / "ensemble"  # the one home of the reducer formulas
SHARED_BASENAMES = {"__init__.py", "__main__.py"}  # the only file names two modules may share
RUN_FOLDER_NAMES = {run_folder.FOLDS_FILE: "steeldefect.artifacts.run_folder",  # name -> the one module spelling it
                    run_folder.CONFIG_FILE: "steeldefect.artifacts.run_folder",
                    run_meta.META_FILE: "steeldefect.artifacts.run_meta",
                    run_folder.HISTORY_FILE: "steeldefect.artifacts.run_folder",
                    run_folder.STATE_FILE: "steeldefect.artifacts.run_folder",
                    run_folder.MODEL_FILE: "steeldefect.artifacts.run_folder",
                    oof.OOF_FILE: "steeldefect.artifacts.oof",
                    run_folder.DONE_FILE: "steeldefect.artifacts.run_folder"}


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _package_of(name: str, modules: dict[str, Path]) -> str:
    return name if modules[name].name == "__init__.py" else name.rpartition(".")[0]


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Every steeldefect module ``name`` imports, at the top or lazily inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = _package_of(name, modules).split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def _import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    # A package's __init__ importing its own submodules is how Python loads them, not a circle.
    for name in graph:
        graph[name] = {t for t in graph[name] if not (modules[name].name == "__init__.py" and t.startswith(name + "."))}
    return graph


def test_the_package_has_no_import_circle_counting_lazy_imports():
    assert _cycles(_import_graph()) == []


def test_the_circle_finder_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _string_constants(tree: ast.AST) -> list[str]:
    """String literals of a module, docstrings left out (they describe the layout; code names it)."""
    docstrings = docstring_ids(tree)
    return [n.value for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings]


def test_each_run_folder_file_name_is_a_literal_in_exactly_one_module():
    holders = {name: set() for name in RUN_FOLDER_NAMES}
    for module, path in _modules().items():
        for text in _string_constants(ast.parse(path.read_text())):
            for name in RUN_FOLDER_NAMES:
                if re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text):
                    holders[name].add(module)
    assert holders == {name: {module} for name, module in RUN_FOLDER_NAMES.items()}


def test_module_file_names_are_unique():
    counts = Counter(p.name for p in PACKAGE.rglob("*.py") if p.name not in SHARED_BASENAMES)
    assert [name for name, n in counts.items() if n > 1] == []


def _reducer_formulas(tree: ast.AST, names: set[str]) -> list[str]:
    """Where a module spells reducers out itself: a table keyed by reducer names (``{"mean": f, "max":
    g}``), a comparison of something named like a reducer with a reducer name (``if reducer ==
    "mean"``), a function named after a reducer (``def _gmean``), or the geometric mean's epsilon."""
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if len(keys & names) >= 2:
                found.append(f"line {line}: a table keyed by reducer names")
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            literals = {c.value for o in operands for c in ast.walk(o) if isinstance(c, ast.Constant)}
            named = any("reducer" in ast.unparse(o).lower() for o in operands if not isinstance(o, ast.Constant))
            if literals & names and named:
                found.append(f"line {line}: a reducer chosen by name: {ast.unparse(node)}")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.strip("_") in names:
            found.append(f"line {line}: a function named after a reducer: {node.name}")
        elif (isinstance(node, ast.Name) and node.id == "GMEAN_EPS") or (
                isinstance(node, ast.Attribute) and node.attr == "GMEAN_EPS") or (
                isinstance(node, ast.alias) and node.name == "GMEAN_EPS"):
            found.append(f"line {line}: the geometric mean's GMEAN_EPS")
    return found


def test_reducer_formulas_live_only_in_the_ensemble_package():
    names = set(available_reducers())
    found = {module: hits for module, path in _modules().items() if ENSEMBLE not in path.parents
             if (hits := _reducer_formulas(ast.parse(path.read_text()), names))}
    assert found == {}, "reducers are defined in steeldefect/ensemble/reducers.py only; call it instead"


def test_the_formula_finder_finds_the_old_copies_and_nothing_else():
    names = set(available_reducers())
    old_graph = ("from steeldefect.ensemble.reducers import GMEAN_EPS\n"
                 "def _gmean(xs):\n    return tf.exp(tf.add_n([tf.math.log(tf.clip_by_value(x, GMEAN_EPS, 1.0))"
                 " for x in xs]) / len(xs))\n"
                 "GRAPH_REDUCERS = {'mean': _mean, 'gmean': _gmean, 'max': _max}\n")
    old_levels = ("def combine_levels(parts, reducer='mean'):\n    if reducer == 'mean':\n        return 0\n"
                  "    if spec.reducer in ('max',):\n        return 1\n")
    assert len(_reducer_formulas(ast.parse(old_graph), names)) == 4
    assert len(_reducer_formulas(ast.parse(old_levels), names)) == 2
    benign = ("def f(reducer: str = 'mean', tta='none'):\n    order = [r for r in names if r != 'mean']\n"
              "    return table.agg('max'), {'mean': 1}, reduce_arrays(reducer, xs)\n")
    assert _reducer_formulas(ast.parse(benign), names) == []


def test_loading_a_config_leaves_keras_tensorflow_and_albumentations_out():
    code = ("import sys\n"
            "from steeldefect.config import load_config\n"
            f"load_config({str(ROOT / 'configs' / 'demo.yaml')!r})\n"
            f"load_config({str(ROOT / 'configs' / 'full.yaml')!r})\n"
            "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
                 .stdout.split())
    assert "steeldefect" in loaded
    assert loaded & {"keras", "tensorflow", "albumentations", "jax"} == set()
