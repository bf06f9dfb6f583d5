"""Reducers: how the predictions of several models (and TTA views) become one. Each formula is written
once here and run by every backend.

A reducer is a fold: ``lift`` turns one prediction into the quantity accumulated, ``merge`` joins two
accumulations, ``finish`` turns the accumulation of ``count`` predictions into the combination. The
three steps are written against a small ops namespace (``log``, ``exp``, ``clip``, ``add``,
``maximum``, ``divide``), so the same lines run

- on numpy arrays (``Reducer`` / ``reduce_arrays``: predict's Keras ensemble and the classifier OOF),
  one array at a time, so an ensemble of many models never holds all their predictions at once;
- on uint8 probability levels (``reduce_levels``: tuning's streamed OOF), in integers where the
  formula allows it (``on_levels``): the max exactly, the mean as the rounded mean of the levels
  (within one level of the float mean); the others on the dequantised levels, quantised again;
- on TensorFlow tensors (``graph_reducer``: the exported graph), TensorFlow imported only then.

``tests/ensemble/test_reducer_backends.py`` checks that the three agree on the same inputs, and
``tests/test_structure.py`` that no module outside ``steeldefect/ensemble/`` spells a reducer out.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Callable

import numpy as np

from steeldefect.registry import Registry
from steeldefect.artifacts.oof import dequantise, quantise

GMEAN_EPS = 1e-6  # probabilities are clipped to [GMEAN_EPS, 1] before the geometric mean's log


@dataclass(frozen=True)
class ReducerFormula:
    """One reducer: ``finish(merge(...merge(lift(x1), lift(x2))...), count)`` in terms of ``ops``."""

    name: str
    lift: Callable  # (ops, x) -> accumulated quantity of one prediction
    merge: Callable  # (ops, acc, y) -> acc joined with y (numpy ops may write into acc)
    finish: Callable  # (ops, acc, count) -> the combination
    on_levels: bool  # the formula may run on integer uint8 levels directly
    doc: str


_REDUCERS: Registry[ReducerFormula] = Registry("reducer")


def _add(formula: ReducerFormula) -> None:
    _REDUCERS.add(formula.name, formula)


def _same(ops, x):
    return x


def _last(ops, acc, count):
    return acc


_add(ReducerFormula(
    "mean", lift=_same, merge=lambda ops, acc, y: ops.add(acc, y),
    finish=lambda ops, acc, count: ops.divide(acc, count), on_levels=True,
    doc="arithmetic mean of probabilities (the default ensemble rule)"))
_add(ReducerFormula(
    "gmean", lift=lambda ops, x: ops.log(ops.clip(x, GMEAN_EPS, 1.0)), merge=lambda ops, acc, y: ops.add(acc, y),
    finish=lambda ops, acc, count: ops.exp(ops.divide(acc, count)), on_levels=False,
    doc="geometric mean of probabilities: a low vote pulls harder than in the mean"))
_add(ReducerFormula(
    "max", lift=_same, merge=lambda ops, acc, y: ops.maximum(acc, y), finish=_last, on_levels=True,
    doc="largest probability: any model's vote counts"))

# numpy: merges write into the accumulator, which ``Reducer`` owns
NUMPY_OPS = SimpleNamespace(log=np.log, exp=np.exp, clip=np.clip, divide=np.true_divide,
                            add=lambda a, b: np.add(a, b, out=a), maximum=lambda a, b: np.maximum(a, b, out=a))
# uint8 levels: sums in uint16 (up to 257 parts), the mean rounded half up to a level
LEVEL_OPS = SimpleNamespace(add=lambda a, b: np.add(a, b, dtype=np.uint16), maximum=np.maximum,
                            divide=lambda a, k: (a + k // 2) // k)


def _tf_ops() -> SimpleNamespace:
    import tensorflow as tf  # heavy: TensorFlow

    return SimpleNamespace(log=tf.math.log, exp=tf.exp, clip=tf.clip_by_value, add=tf.add, maximum=tf.maximum,
                           divide=lambda a, k: a / float(k))


def available_reducers() -> list[str]:
    return _REDUCERS.names()


def reducer_formula(name: str) -> ReducerFormula:
    """The formula of reducer ``name``; the error lists the valid names."""
    return _REDUCERS.get(name)


def _fold(formula: ReducerFormula, ops, xs):
    acc = formula.lift(ops, xs[0])
    for x in xs[1:]:
        acc = formula.merge(ops, acc, formula.lift(ops, x))
    return formula.finish(ops, acc, len(xs))


class Reducer:
    """Accumulates same-shaped float arrays one at a time; ``result()`` is their combination in
    ``dtype`` (float32 unless given)."""

    def __init__(self, formula: ReducerFormula, dtype=np.float32):
        self.formula, self.name, self.dtype = formula, formula.name, np.dtype(dtype)
        self.count = 0
        self._acc = None

    def add(self, x: np.ndarray) -> None:
        x = np.asarray(x, self.dtype)
        y = self.formula.lift(NUMPY_OPS, x)
        if self._acc is None:
            self._acc = y.copy() if y is x else y  # never accumulate into the caller's array
        else:
            self._acc = self.formula.merge(NUMPY_OPS, self._acc, y)
        self.count += 1

    def result(self) -> np.ndarray:
        if self._acc is None:
            raise ValueError(f"reducer {self.name!r} got no predictions")
        return np.asarray(self.formula.finish(NUMPY_OPS, self._acc, self.count)).astype(self.dtype)


def get_reducer(name: str, dtype=np.float32) -> Reducer:
    """A fresh numpy reducer of ``name``; the error lists the valid names."""
    return Reducer(reducer_formula(name), dtype)


def reduce_arrays(name: str, arrays, dtype=np.float32) -> np.ndarray:
    """Combine a sequence of same-shaped arrays with reducer ``name`` (numpy, in ``dtype``)."""
    reducer = get_reducer(name, dtype)
    for x in arrays:
        reducer.add(x)
    return reducer.result()


def reduce_levels(name: str, parts) -> np.ndarray:
    """uint8 probability levels (any shape) of several members / views -> one uint8 array: the formula
    on the levels themselves when ``on_levels`` (the mean rounded to a level), else on their
    dequantised probabilities, quantised again."""
    formula = reducer_formula(name)
    parts = list(parts)
    if not formula.on_levels:
        return quantise(reduce_arrays(name, [dequantise(p) for p in parts]))
    return np.asarray(_fold(formula, LEVEL_OPS, parts)).astype(np.uint8)


def graph_reducer(name: str) -> Callable:
    """The TensorFlow version of reducer ``name``: a list of same-shaped tensors -> one tensor."""
    formula = reducer_formula(name)
    ops = _tf_ops()
    return lambda xs: _fold(formula, ops, list(xs))
