"""Reading source code for the structure tests: which string constants are docstrings."""

from __future__ import annotations

import ast

_DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def docstring_ids(tree: ast.AST) -> set[int]:
    """``id()`` of each docstring constant in ``tree`` (they describe; code names things)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, _DOCUMENTED) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found
