"""docs/ARCHITECTURE.md matches the tree: its module table names every package and top-level module
of steeldefect/, and every path it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "steeldefect"
DOC = ROOT / "docs" / "ARCHITECTURE.md"
NOT_DOCUMENTED = {"__init__.py", "__main__.py"}  # the package's own entry points

_CELL_PATH = re.compile(r"`([A-Za-z_][\w/]*(?:\.py|\.sh|/))`")


def table_paths(text: str) -> list[str]:
    """The backticked module, package and script paths in the first cell of each table row."""
    paths = []
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        first_cell = line.split("|")[1]
        paths += _CELL_PATH.findall(first_cell)
    return paths


def tree_entries(package: Path) -> set[str]:
    """steeldefect/'s packages (``name/``) and top-level modules (``name.py``)."""
    entries = set()
    for child in package.iterdir():
        if child.is_dir() and (child / "__init__.py").exists():
            entries.add(child.name + "/")
        elif child.suffix == ".py" and child.name not in NOT_DOCUMENTED:
            entries.add(child.name)
    return entries


def missing_and_stale(doc_text: str, package: Path, root: Path) -> tuple[set[str], set[str]]:
    named = table_paths(doc_text)
    named_top = {p.split("/")[0] + "/" if "/" in p else p for p in named}
    missing = tree_entries(package) - named_top
    stale = {p for p in named if not ((package / p).exists() or (root / p).exists())}
    return missing, stale


def test_every_package_and_module_is_named_and_every_named_path_exists():
    missing, stale = missing_and_stale(DOC.read_text(), PACKAGE, ROOT)
    assert not missing, f"docs/ARCHITECTURE.md does not name: {sorted(missing)}"
    assert not stale, f"docs/ARCHITECTURE.md names paths that do not exist: {sorted(stale)}"


def test_the_checker_finds_a_missing_package_and_a_stale_path(tmp_path):
    package = tmp_path / "steeldefect"
    (package / "alpha").mkdir(parents=True)
    (package / "alpha" / "__init__.py").write_text("")
    (package / "beta").mkdir()
    (package / "beta" / "__init__.py").write_text("")
    (package / "gamma.py").write_text("")
    doc = "| module | owns |\n|---|---|\n| `alpha/` | a |\n| `gamma.py`, `delta.py` | g |\n"
    missing, stale = missing_and_stale(doc, package, tmp_path)
    assert missing == {"beta/"}
    assert stale == {"delta.py"}
