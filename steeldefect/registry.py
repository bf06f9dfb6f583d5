"""``Registry``: a name -> value table filled by decorators, shared by every pluggable part.

Backbones, decoders, losses, reducers and CLI subcommands each register themselves under a name and
are looked up by the name a user wrote in a config or on the command line. One helper keeps the rules
the same everywhere: a name is registered once (a second registration is a programming error,
ValueError), and an unknown name is a user mistake (SteelDefectError) whose message lists the valid
names, e.g. "unknown backbone 'vgg16'; available backbones: efficientnetb0, ...". It imports only the
standard library and steeldefect.errors, so config validation and ``--help`` stay free of keras.

A registry whose module imports Keras is declared with its name list (``declared``, from the light
``steeldefect.config.choices``), so a config's choices are known without importing it: registering a
name outside the list is a ValueError, and ``missing()`` names the declared ones not registered yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from steeldefect.errors import SteelDefectError

T = TypeVar("T")
F = TypeVar("F")


class Registry(Generic[T]):
    """Values of type T by name; ``what`` ("backbone") and ``plural`` ("backbones") word the errors."""

    def __init__(self, what: str, plural: str | None = None, declared: tuple[str, ...] | None = None):
        self.what = what
        self.plural = plural or f"{what}s"
        self.declared = None if declared is None else tuple(declared)  # the only names it may register
        self._entries: dict[str, T] = {}

    def add(self, name: str, value: T) -> T:
        """Register ``value`` under ``name`` and return it; ValueError if ``name`` is taken."""
        if not isinstance(name, str):
            raise TypeError(f"{self.what} name must be a string; got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self.what} {name!r} is registered twice")
        if self.declared is not None and name not in self.declared:
            raise ValueError(f"{self.what} {name!r} is not declared; the declared {self.plural} are "
                             f"{', '.join(self.declared)} (steeldefect/config/choices.py): add it there")
        self._entries[name] = value
        return value

    def register(self, name: str) -> Callable[[F], F]:
        """Decorator: register the decorated object itself under ``name`` and return it unchanged."""

        def decorate(obj):
            self.add(name, obj)
            return obj

        return decorate

    def get(self, name) -> T:
        """The value of ``name``; SteelDefectError listing the valid names if there is none."""
        try:
            return self._entries[name]
        except (KeyError, TypeError):  # TypeError: an unhashable name such as a dict from a config
            raise SteelDefectError(
                f"unknown {self.what} {name!r}; available {self.plural}: {', '.join(self.names()) or 'none'}"
            ) from None

    def names(self) -> list[str]:
        """The registered names, sorted."""
        return sorted(self._entries)

    def missing(self) -> list[str]:
        """The declared names not registered (none when the registering module has been imported)."""
        return [name for name in self.declared or () if name not in self._entries]

    def values(self) -> list[T]:
        """The registered values, in registration order."""
        return list(self._entries.values())

    def __contains__(self, name) -> bool:
        try:
            return name in self._entries
        except TypeError:
            return False

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.what!r}: {', '.join(self.names())})"
