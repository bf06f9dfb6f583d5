"""classes.txt: the class names of index masks (pixel value = class id), one a line, read and written.

Index masks (MMSegmentation's layout, and ``predict --format masks``) hold class ids only; classes.txt
beside them names class 1, 2, ... in order, so ``steeldefect import --format masks`` can take the
names back without ``--classes``. Blank lines and ``#`` comments are ignored.
"""

from __future__ import annotations

import os
from pathlib import Path

from steeldefect.artifacts.dataset_file import check_class_names
from steeldefect.data.io import atomic_write, read_text

CLASSES_FILE = "classes.txt"  # beside index masks


def parse_class_list(text: str, source: str = CLASSES_FILE) -> tuple[str, ...]:
    """The class names of a classes.txt text, in id order."""
    names = [line.strip() for line in text.splitlines()]
    return check_class_names([n for n in names if n and not n.startswith("#")], source)


def read_class_list(path: str | os.PathLike) -> tuple[str, ...]:
    """The class names of a classes.txt file, in id order."""
    return parse_class_list(read_text(path, "class list"), str(path))


def write_class_list(names, path: str | os.PathLike) -> None:
    """Write class names as classes.txt at ``path`` (a file or a folder), one a line, atomically."""
    path = Path(path)
    if path.is_dir():
        path = path / CLASSES_FILE
    names = check_class_names(names, str(path))
    with atomic_write(path) as tmp:
        tmp.write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
