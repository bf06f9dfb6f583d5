"""Reducers: how the predictions of several models (and TTA views) become one, as a registry.

A reducer accumulates arrays one at a time (``add``) and gives their combination (``result``), so an
ensemble of many models never holds all their predictions at once.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from steeldefect.registry import Registry

GMEAN_EPS = 1e-6  # probabilities are clipped to [GMEAN_EPS, 1] before the geometric mean's log

_REDUCERS: Registry[Callable[[], "Reducer"]] = Registry("reducer")


def register_reducer(name: str):
    """Class decorator: register a Reducer subclass under ``name``."""

    def wrap(cls):
        _REDUCERS.add(name, cls)
        cls.name = name
        return cls

    return wrap


def available_reducers() -> list[str]:
    return _REDUCERS.names()


def get_reducer(name: str) -> "Reducer":
    """A fresh reducer of ``name``; the error lists the valid names."""
    return _REDUCERS.get(name)()


class Reducer:
    """Accumulates same-shaped float arrays; ``result()`` is their combination (float32)."""

    name = ""

    def __init__(self):
        self.count = 0
        self._acc = None

    def add(self, x: np.ndarray) -> None:
        x = np.asarray(x, np.float32)
        self._acc = self._first(x) if self._acc is None else self._update(self._acc, x)
        self.count += 1

    def result(self) -> np.ndarray:
        if self._acc is None:
            raise ValueError(f"reducer {self.name!r} got no predictions")
        return self._final(self._acc).astype(np.float32)

    def _first(self, x):
        return x.copy()


@register_reducer("mean")
class MeanReducer(Reducer):
    """Arithmetic mean of probabilities (the default ensemble rule)."""

    def _update(self, acc, x):
        acc += x
        return acc

    def _final(self, acc):
        return acc / self.count


@register_reducer("gmean")
class GeometricMeanReducer(Reducer):
    """Geometric mean of probabilities: a low vote pulls harder than in the mean."""

    def _first(self, x):
        return np.log(np.clip(x, GMEAN_EPS, 1.0))

    def _update(self, acc, x):
        acc += np.log(np.clip(x, GMEAN_EPS, 1.0))
        return acc

    def _final(self, acc):
        return np.exp(acc / self.count)


@register_reducer("max")
class MaxReducer(Reducer):
    """Largest probability: any model's vote counts."""

    def _update(self, acc, x):
        np.maximum(acc, x, out=acc)
        return acc

    def _final(self, acc):
        return acc


def reduce_arrays(name: str, arrays) -> np.ndarray:
    """Combine a sequence of same-shaped arrays with reducer ``name``."""
    reducer = get_reducer(name)
    for x in arrays:
        reducer.add(x)
    return reducer.result()
