"""Rules by class, shared by the margins (``margins``) and the grain roughness (``roughness``): which
strips each rule is measured on, and which rules an image holding some classes draws from. Class 0 is
the rule of strips without a defect.
"""

from __future__ import annotations

import numpy as np

CLEAN = 0  # the rule of strips without a defect


def class_groups(flags: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """(class, bool mask of its strips) for the clean strips (class 0) and for each class k of ``flags``
    (bool (n, classes)), k from 1."""
    flags = np.asarray(flags, dtype=bool)
    return [(CLEAN, ~flags.any(axis=1))] + [(k + 1, flags[:, k]) for k in range(flags.shape[1])]


def image_rules(by_class: dict, classes: tuple[int, ...]) -> list:
    """The rules of ``by_class`` an image holding ``classes`` draws from (the clean rule for no class);
    empty where ``by_class`` has none of them."""
    return [by_class[c] for c in (classes or (CLEAN,)) if c in by_class]
