"""Loss registry: ``@register_loss("name")`` on a loss class, ``get_loss(name, class_weights, **kw)``."""

from __future__ import annotations

import inspect

from steeldefect.config.choices import LOSSES
from steeldefect.errors import SteelDefectError
from steeldefect.registry import Registry

_LOSSES: Registry[type] = Registry("loss", plural="losses", declared=LOSSES)


def register_loss(name: str):
    """Class decorator: make ``get_loss(name, ...)`` build this keras.losses.Loss subclass; ``name`` must be
    one of ``config.choices.LOSSES``."""

    return _LOSSES.register(name)


def available_losses() -> list[str]:
    """The registered loss names, sorted."""
    return _LOSSES.names()


def get_loss(name: str, class_weights=None, **kwargs):
    """Build loss ``name`` with optional per-class weights (one per class) and its own options.

    Unknown names and unknown options raise SteelDefectError listing the valid ones.
    """
    cls = _LOSSES.get(name)
    keras_options = {"name", "reduction", "dtype"}  # accepted by every keras.losses.Loss
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "class_weights", "kwargs", *keras_options)]
    unknown = sorted(set(kwargs) - set(accepted) - keras_options)
    if unknown:
        raise SteelDefectError(
            f"loss {name!r} has no option {', '.join(map(repr, unknown))}; its options: {', '.join(accepted) or 'none'}"
        )
    return cls(class_weights=class_weights, **kwargs)
