"""Walking a Dash component tree in tests: every component, and one by id."""

from __future__ import annotations


def walk(component):
    """Every component under ``component`` (depth first)."""
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for child in children:
            yield from walk(child)
    elif children is not None and not isinstance(children, (str, int, float)):
        yield from walk(children)
