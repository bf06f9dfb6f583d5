"""labelmap.txt: the class names and colours of CVAT's "Segmentation mask" export, read and written.

CVAT writes it beside its colour-coded masks, one label a line after a header comment::

    # label:color_rgb:parts:actions
    background:0,0,0::
    scratch:250,50,83::
    pit:51,221,255::

The ``background`` entry (and black, whatever the file says) is background, not a class; every other
entry is a class, numbered 1..K in the order of the file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from steeldefect.artifacts.dataset_file import check_class_names
from steeldefect.data.io import atomic_write, read_text
from steeldefect.errors import SteelDefectError

LABELMAP_FILE = "labelmap.txt"  # beside CVAT's colour masks
HEADER = "# label:color_rgb:parts:actions"  # the header comment CVAT writes
BACKGROUND = "background"  # the entry that is not a class
BLACK = (0, 0, 0)  # background's colour in every CVAT export

Color = tuple[int, int, int]


@dataclass(frozen=True)
class Labelmap:
    """Class names (ids 1..K in order) and their RGB colours; ``background`` is the colour of id 0."""

    class_names: tuple[str, ...]
    colors: tuple[Color, ...]
    background: Color = BLACK

    def color_ids(self) -> dict[Color, int]:
        """Colour -> class id, background's colour (and black) -> 0."""
        ids = {c: i for i, c in enumerate(self.colors, start=1)}
        ids[BLACK] = 0
        ids[self.background] = 0
        return ids


def _color(text: str, where: str) -> Color:
    parts = text.split(",")
    try:
        rgb = tuple(int(p) for p in parts)
    except ValueError:
        rgb = ()
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise SteelDefectError(f"{where}: colour {text!r} is not r,g,b with values 0..255")
    return rgb  # type: ignore[return-value]


def parse_labelmap(text: str, source: str = LABELMAP_FILE) -> Labelmap:
    """A Labelmap from the text of a labelmap.txt; one line naming ``source`` and the line when wrong."""
    names, colors, background = [], [], BLACK
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source} line {number}"
        fields = line.split(":")
        if len(fields) < 2:
            raise SteelDefectError(f"{where}: expected name:r,g,b::, got {line!r}")
        name, color = fields[0].strip(), _color(fields[1].strip(), where)
        if name.lower() == BACKGROUND:
            background = color
            continue
        if color == BLACK:
            raise SteelDefectError(f"{where}: class {name!r} has the background colour 0,0,0")
        if color in colors:
            raise SteelDefectError(f"{where}: colour {fields[1].strip()} is used by {names[colors.index(color)]!r} too")
        names.append(name)
        colors.append(color)
    return Labelmap(check_class_names(names, source), tuple(colors), background)


def read_labelmap(path: str | os.PathLike) -> Labelmap:
    """The Labelmap of a labelmap.txt file."""
    return parse_labelmap(read_text(path, "labelmap"), str(path))


def format_labelmap(labelmap: Labelmap) -> str:
    """The text of a labelmap.txt as CVAT writes it."""
    lines = [HEADER, f"{BACKGROUND}:{','.join(map(str, labelmap.background))}::"]
    lines += [f"{n}:{','.join(map(str, c))}::" for n, c in zip(labelmap.class_names, labelmap.colors)]
    return "\n".join(lines) + "\n"


def write_labelmap(labelmap: Labelmap, path: str | os.PathLike) -> None:
    """Write ``labelmap`` as labelmap.txt at ``path`` (a file or a folder), atomically."""
    path = Path(path)
    if path.is_dir():
        path = path / LABELMAP_FILE
    with atomic_write(path) as tmp:
        tmp.write_text(format_labelmap(labelmap), encoding="utf-8")
