"""Greedy forward selection of an ensemble under a time budget: pure, a score and a cost in.

The state is a candidate ensemble (segmenter members, classifier members, TTA mode, reducer). It
starts from the best single segmenter without TTA, then repeatedly takes the move that raises the
score most among those whose cost stays within the budget: add a segmenter member, add a classifier
member, or add a TTA view (none -> hflip or vflip -> both). It stops when no affordable move gains
more than ``min_gain``. Last, the other reducers are tried on the final members and views (they cost
nothing more). Ties go to the earlier move in that order, so the result is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from steeldefect.errors import SteelDefectError

TTA_UPGRADES = {"none": ("hflip", "vflip"), "hflip": ("both",), "vflip": ("both",), "both": ()}


@dataclass(frozen=True)
class Candidate:
    segmenters: tuple[str, ...]
    classifiers: tuple[str, ...] = ()
    tta: str = "none"
    reducer: str = "mean"


@dataclass(frozen=True)
class Step:
    """One accepted move: what it did, the candidate after it, its score and cost."""

    move: str
    candidate: Candidate
    score: float
    cost_s: float


@dataclass(frozen=True)
class Selection:
    steps: tuple[Step, ...]
    evaluated: int  # candidates scored

    @property
    def chosen(self) -> Step:
        return self.steps[-1]


def moves(c: Candidate, segmenters, classifiers, tta: bool = True) -> list[tuple[str, Candidate]]:
    """Every one-step extension of ``c``, in tie-breaking order (no TTA view added unless ``tta``)."""
    out = [(f"+ segmenter {m}", replace(c, segmenters=c.segmenters + (m,))) for m in segmenters if m not in c.segmenters]
    out += [(f"+ classifier {m}", replace(c, classifiers=c.classifiers + (m,)))
            for m in classifiers if m not in c.classifiers]
    out += [(f"TTA {t}", replace(c, tta=t)) for t in (TTA_UPGRADES[c.tta] if tta else ())]
    return out


def greedy_select(segmenters, classifiers, score: Callable[[Candidate], float], cost: Callable[[Candidate], float],
                  budget_s: float, reducers=("mean",), min_gain: float = 0.0, tta: bool = True,
                  progress=None) -> Selection:
    """The greedy forward selection over the member names given; ``reducers[0]`` is used while adding.
    ``progress(text)`` is called before each candidate is scored."""
    cache: dict[Candidate, float] = {}

    def scored(c: Candidate) -> float:
        if c not in cache:
            if progress is not None:
                progress(c)
            cache[c] = float(score(c))
        return cache[c]

    starts = [(f"start: segmenter {m}", Candidate((m,), reducer=reducers[0])) for m in segmenters]
    affordable = [(move, c) for move, c in starts if cost(c) <= budget_s]
    if not affordable:
        cheapest = min((cost(c) for _, c in starts), default=float("nan"))
        raise SteelDefectError(f"no segmenter fits the budget of {budget_s:g} s (the cheapest needs {cheapest:.1f} s); "
                               "raise --budget-s or lower --n-images")
    best = max(affordable, key=lambda mc: scored(mc[1]))  # max keeps the first of equals
    steps = [Step(best[0], best[1], scored(best[1]), cost(best[1]))]
    while True:
        current = steps[-1]
        options = [(move, c) for move, c in moves(current.candidate, segmenters, classifiers, tta) if cost(c) <= budget_s]
        if not options:
            break
        move, c = max(options, key=lambda mc: scored(mc[1]))
        if scored(c) - current.score <= min_gain:
            break
        steps.append(Step(move, c, scored(c), cost(c)))
    final = steps[-1]
    others = [replace(final.candidate, reducer=r) for r in reducers if r != final.candidate.reducer]
    if others:
        c = max(others, key=scored)
        if scored(c) - final.score > min_gain:
            steps.append(Step(f"reducer {c.reducer}", c, scored(c), cost(c)))
    return Selection(tuple(steps), len(cache))
