"""Greedy forward selection: pure, on made-up scores and costs."""

from __future__ import annotations

import itertools

import pytest

from steeldefect.errors import SteelDefectError
from steeldefect.selection.greedy import Candidate, TTA_UPGRADES, greedy_select, moves

SEG = {"a": 0.80, "b": 0.82, "c": 0.70}  # each segmenter's score alone
COST = {"a": 10.0, "b": 30.0, "c": 5.0, "k": 4.0}  # seconds per view
TTA_GAIN = {"none": 0.0, "hflip": 0.004, "vflip": 0.001, "both": 0.006}


def score(c: Candidate) -> float:
    base = max(SEG[m] for m in c.segmenters) + 0.01 * (len(c.segmenters) - 1)  # a second member adds 0.01
    base += 0.02 if "k" in c.classifiers else 0.0
    return base + TTA_GAIN[c.tta] + (0.003 if c.reducer == "gmean" else 0.0)


def cost(c: Candidate) -> float:
    views = {"none": 1, "hflip": 2, "vflip": 2, "both": 3}[c.tta]
    return views * sum(COST[m] for m in c.segmenters + c.classifiers)


def test_moves_list_members_then_views():
    c = Candidate(("a",))
    assert [m for m, _ in moves(c, ["a", "b"], ["k"])] == ["+ segmenter b", "+ classifier k", "TTA hflip", "TTA vflip"]
    assert [m for m, _ in moves(c, ["a"], [], tta=False)] == []
    assert TTA_UPGRADES["both"] == ()


def test_unlimited_budget_takes_every_gain_in_order():
    sel = greedy_select(list(SEG), ["k"], score, cost, budget_s=1e9, reducers=("mean", "gmean", "max"))
    assert [s.move for s in sel.steps] == ["start: segmenter b", "+ classifier k", "+ segmenter a", "+ segmenter c",
                                           "TTA hflip", "TTA both", "reducer gmean"]
    final = sel.chosen.candidate
    assert final == Candidate(("b", "a", "c"), ("k",), "both", "gmean")
    assert sel.chosen.score == pytest.approx(score(final)) and sel.chosen.cost_s == cost(final)
    assert all(later.score > earlier.score for earlier, later in zip(sel.steps, sel.steps[1:]))


def test_budget_is_never_exceeded_and_the_best_affordable_move_wins():
    for budget in (5, 12, 30, 44, 60, 100, 150):
        sel = greedy_select(list(SEG), ["k"], score, cost, budget_s=budget)
        assert all(s.cost_s <= budget for s in sel.steps)
        # greedy stops only when no affordable one-step extension gains
        last = sel.chosen
        for _, c in moves(last.candidate, list(SEG), ["k"]):
            assert cost(c) > budget or score(c) <= last.score


def test_start_is_the_best_affordable_single_segmenter():
    assert greedy_select(list(SEG), [], score, cost, budget_s=12).steps[0].move == "start: segmenter a"  # b costs 30
    assert greedy_select(list(SEG), [], score, cost, budget_s=30).steps[0].move == "start: segmenter b"


def test_min_gain_stops_small_moves():
    sel = greedy_select(list(SEG), ["k"], score, cost, budget_s=1e9, min_gain=0.015)
    assert [s.move for s in sel.steps] == ["start: segmenter b", "+ classifier k"]


def test_greedy_matches_exhaustive_search_on_an_additive_problem():
    """With additive gains and a budget that binds nowhere, greedy finds the best subset."""
    sel = greedy_select(list(SEG), ["k"], score, cost, budget_s=1e9)
    best = max((Candidate(segs, cls, tta) for r in (1, 2, 3) for segs in itertools.permutations(SEG, r)
                for cls in ((), ("k",)) for tta in TTA_GAIN), key=score)
    assert sel.chosen.score == pytest.approx(score(best))


def test_nothing_affordable_is_one_clear_error():
    with pytest.raises(SteelDefectError, match=r"no segmenter fits the budget of 1 s \(the cheapest needs 5.0 s\)"):
        greedy_select(list(SEG), [], score, cost, budget_s=1)


def test_each_candidate_is_scored_once():
    calls = []
    sel = greedy_select(list(SEG), ["k"], lambda c: calls.append(c) or score(c), cost, budget_s=1e9)
    assert len(calls) == len(set(calls)) == sel.evaluated
