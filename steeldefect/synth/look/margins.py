"""Black margins by class: how often a strip holding a class ends inside the frame, and how wide the
black part is then. Pure: measured margins and class flags in, per-class rules out.

Real strips are not alike here: 9 of the 10 class-2 strips of the tune part of ../shared/real end
inside the frame (the thin scratches run along the strip's edge), against 4 of its 22 clean strips
and 1 of its 11 class-4 strips. A generator that draws margins without looking at the classes
teaches a model that a mostly black image is clean.
"""

from __future__ import annotations

import numpy as np

from steeldefect.synth.look.by_class import class_groups, image_rules

MIN_WIDTHS = 3  # a class with fewer measured margin widths draws from the widths of all strips


def class_margins(margins: list[tuple[str | None, int]], flags: np.ndarray,
                  all_widths: tuple[int, ...]) -> tuple[tuple[int, float, tuple[int, ...]], ...]:
    """((class, probability, widths), ...): class 0 for the clean strips, k for the strips flagged k.

    ``margins``: (side, width) of each strip (side None without a margin); ``flags``: bool (n, classes).
    The probability is the share of the class's strips with a margin, smoothed towards one half by one
    strip either way ((m + 1) / (n + 2)); the widths are the class's own when it has MIN_WIDTHS of them,
    else ``all_widths`` (its own when ``all_widths`` is empty). Classes without a strip, or without any
    width to draw, are left out (the look's overall rule applies).
    """
    if len(margins) != len(flags):
        raise ValueError(f"{len(margins)} margins for {len(flags)} rows of flags")
    widths = np.array([w if side is not None else 0 for side, w in margins])
    rules = []
    for cls, member in class_groups(flags):
        if not member.any():
            continue
        own = tuple(sorted(int(w) for w in widths[member] if w > 0))
        drawn = own if len(own) >= MIN_WIDTHS else (tuple(all_widths) or own)
        if not drawn:  # no margin among these strips and none to borrow: the look's overall rule applies
            continue
        probability = (len(own) + 1) / (int(member.sum()) + 2)
        rules.append((cls, round(probability, 6), drawn))
    return tuple(rules)


def margin_rule(rules, classes: tuple[int, ...], probability: float,
                widths: tuple[int, ...]) -> tuple[float, tuple[int, ...]]:
    """(probability, widths) for an image holding ``classes``: the rule of its class most often at an
    edge (the clean rule for no class); the look's overall ``probability`` and ``widths`` where
    ``rules`` has none of them."""
    known = image_rules({cls: (p, w) for cls, p, w in rules}, classes)
    return max(known, key=lambda rule: rule[0]) if known else (probability, widths)
