"""Reuse of a compiled model by the next run in the same process.

Tracing an EfficientNet training step costs about a minute of CPU, paid again for every new
model. When ``steeldefect train`` runs several folds of the same model in one process, the next
fold takes the compiled model back with every model and optimizer variable reset to its value
right after building, exactly the state a fresh build from the same seed would have, and keeps
the traced functions. Only under the default strategy (a TPU or mirrored model stays with the
strategy that made it).
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import Callable

import keras
import numpy as np

from steeldefect.config import Config, to_dict


@dataclass
class _Entry:
    key: str
    model: object
    loss: object
    model_values: list[np.ndarray]
    optimizer_values: list[np.ndarray]


_LAST: list[_Entry] = []  # at most one compiled model is kept


def _values(variables) -> list[np.ndarray]:
    with warnings.catch_warnings():  # Keras's TF backend trips NumPy 2's __array__(copy=) deprecation
        warnings.simplefilter("ignore", DeprecationWarning)
        return [keras.ops.convert_to_numpy(v) for v in variables]


def _key(kind: str, config: Config, backbone: str, policy: str) -> str:
    return json.dumps([kind, backbone, to_dict(config.model(kind)), config.data.height, config.data.width,
                       config.seed, policy], sort_keys=True, default=str)


def compiled_model(kind: str, config: Config, backbone: str, policy: str, reusable: bool,
                   build: Callable[[], tuple[object, object]]) -> tuple[object, object, bool]:
    """(model, loss, reused): the kept model reset to its initial state, or ``build()``'s.

    ``build`` returns a compiled model (optimizer built) and its loss; it runs right after
    seeding with ``config.seed`` so the initial weights depend on the config alone.
    """
    key = _key(kind, config, backbone, policy)
    if reusable and _LAST and _LAST[0].key == key:
        entry = _LAST[0]
        for variable, value in zip(entry.model.variables, entry.model_values):
            variable.assign(value)
        for variable, value in zip(entry.model.optimizer.variables, entry.optimizer_values):
            variable.assign(value)
        return entry.model, entry.loss, True
    _LAST.clear()
    keras.utils.set_random_seed(config.seed)
    model, loss = build()
    if reusable:
        _LAST.append(_Entry(key, model, loss, _values(model.variables), _values(model.optimizer.variables)))
    return model, loss, False


def forget() -> None:
    """Drop the kept model (frees its memory)."""
    _LAST.clear()
