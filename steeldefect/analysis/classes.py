"""How the analysis shows a class: its colour, its name, and its short label in text tables.

Shared by the EDA, the report and the app. Colours come from one palette of eight, cycled beyond;
names come from the dataset (``DatasetSpec.class_names``; Severstal's are ``class 1`` .. ``class 4``).
"""

from __future__ import annotations

# One colour per class (RGB), chosen to stay distinct on grey steel and for colour-blind readers;
# the first four are Severstal's classes, class K + 8 takes class K's colour.
PALETTE = ((230, 25, 75), (60, 180, 75), (0, 130, 200), (255, 200, 0),
           (245, 130, 48), (145, 30, 180), (70, 240, 240), (240, 50, 230))


def class_colour(cls: int) -> tuple[int, int, int]:
    """(r, g, b) of class ``cls`` (1-based), cycling through the palette."""
    return PALETTE[(int(cls) - 1) % len(PALETTE)]


def hex_colour(cls: int) -> str:
    """'#rrggbb' of a class colour (for matplotlib, plotly and HTML)."""
    return "#{:02x}{:02x}{:02x}".format(*class_colour(cls))


def default_names(n_classes: int) -> tuple[str, ...]:
    """``class 1`` .. ``class K``: what classes without a dataset.yaml are called (Severstal's)."""
    return tuple(f"class {c}" for c in range(1, int(n_classes) + 1))


def short_label(cls: int, name: str) -> str:
    """A class in a text table or a combination: its id when it goes by the default name
    (``class 3`` -> ``3``), else its name."""
    return str(cls) if name == f"class {cls}" else name


def names_or_default(class_names, n_classes: int) -> tuple[str, ...]:
    """``class_names`` as a tuple when given (K of them), else ``default_names(n_classes)``."""
    if not class_names:
        return default_names(n_classes)
    names = tuple(class_names)
    if len(names) != n_classes:
        raise ValueError(f"{len(names)} class names for {n_classes} classes")
    return names
