"""``Registry``: a name -> value table filled by decorators, shared by every pluggable part.

Backbones, decoders, losses, reducers and CLI subcommands each register themselves under a name and
are looked up by the name a user wrote in a config or on the command line. One helper keeps the rules
the same everywhere: a name is registered once (a second registration is a programming error,
ValueError), and an unknown name is a user mistake (SteelDefectError) whose message lists the valid
names, e.g. "unknown backbone 'vgg16'; available backbones: efficientnetb0, ...". It imports only the
standard library and steeldefect.errors, so config validation and ``--help`` stay free of keras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from steeldefect.errors import SteelDefectError

T = TypeVar("T")
F = TypeVar("F")


class Registry(Generic[T]):
    """Values of type T by name; ``what`` ("backbone") and ``plural`` ("backbones") word the errors."""

    def __init__(self, what: str, plural: str | None = None):
        self.what = what
        self.plural = plural or f"{what}s"
        self._entries: dict[str, T] = {}

    def add(self, name: str, value: T) -> T:
        """Register ``value`` under ``name`` and return it; ValueError if ``name`` is taken."""
        if not isinstance(name, str):
            raise TypeError(f"{self.what} name must be a string; got {name!r}")
        if name in self._entries:
            raise ValueError(f"{self.what} {name!r} is registered twice")
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
