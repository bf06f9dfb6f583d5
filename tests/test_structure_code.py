"""The shape of the code in steeldefect/: short functions, and few imports inside functions, each saying why.

An import inside a function is for a heavy optional dependency (TensorFlow, Keras, albumentations, ...)
or a steeldefect module that imports one at its top; its line (or the line before) says so in a
comment, e.g. ``import tensorflow as tf  # heavy: TensorFlow``. Everything else goes at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "steeldefect"
MAX_FUNCTION_LINES = 60  # a function or method longer than this is split
MAX_FUNCTION_IMPORTS = 60  # the in-function imports of the whole package stay under this


def python_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def long_functions(root: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``path:line name (n lines)`` of every function or method over ``limit`` lines (decorators excluded)."""
    found = []
    for path in python_files(root):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                if n > limit:
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno} {node.name} ({n} lines)")
    return found


def function_imports(root: Path) -> list[tuple[str, int, bool]]:
    """(path, line, has a reason) of every import statement inside a function, once each.

    The reason is a comment on one of the statement's lines or a comment line right before it.
    """
    found = {}
    for path in python_files(root):
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines), str(path))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    own = lines[sub.lineno - 1:sub.end_lineno]
                    before = lines[sub.lineno - 2].strip() if sub.lineno > 1 else ""
                    has_reason = any("#" in line for line in own) or before.startswith("#")
                    found[(str(path.relative_to(root.parent)), sub.lineno)] = has_reason
    return [(path, line, reason) for (path, line), reason in sorted(found.items())]


def test_no_function_is_over_60_lines():
    found = long_functions(PACKAGE)
    assert not found, f"{len(found)} functions over {MAX_FUNCTION_LINES} lines; split them:\n" + "\n".join(found)


def test_imports_inside_functions_are_few_and_say_why():
    imports = function_imports(PACKAGE)
    silent = [f"{path}:{line}" for path, line, reason in imports if not reason]
    assert not silent, (f"{len(silent)} imports inside functions without a comment saying why (e.g. "
                        "`# heavy: TensorFlow`); move them to the top or say why:\n" + "\n".join(silent))
    assert len(imports) < MAX_FUNCTION_IMPORTS, (
        f"{len(imports)} imports inside functions (limit {MAX_FUNCTION_IMPORTS}); move the light ones to the top:\n"
        + "\n".join(f"{path}:{line}" for path, line, _ in imports))


def test_the_checks_catch_planted_violations(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES - 1))  # def line + 59 = 60 lines
    (pkg / "ok.py").write_text(
        f"def fits():\n{body}\n\n\n"
        "def lazy():\n"
        "    import json  # heavy: stands in for TensorFlow\n"
        "    # heavy: Keras, read from the comment line before\n"
        "    from os import (path,\n"
        "                    sep)\n"
        "    return json, path, sep\n")
    (pkg / "bad.py").write_text(
        "class A:\n"
        f"    def too_long(self):\n{body.replace('    ', '        ')}\n        return 1\n\n\n"
        "def silent():\n"
        "    import json\n"
        "    return json\n")
    assert long_functions(pkg) == [f"pkg/bad.py:2 too_long ({MAX_FUNCTION_LINES + 1} lines)"]
    assert function_imports(pkg) == [("pkg/bad.py", 66, False), ("pkg/ok.py", 64, True), ("pkg/ok.py", 66, True)]
