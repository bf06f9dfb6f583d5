"""Which runs a config asks for: every backbone of a model kind x every fold to train."""

from __future__ import annotations

from steeldefect.config import Config
from steeldefect.errors import SteelDefectError

ALL = "all"  # the --fold / --backbone value meaning "every one the config lists"


def config_folds(config: Config) -> tuple[int, ...]:
    """The folds the config trains: ``folds.run``, or 0..k-1 when it is "all"."""
    run = config.folds.run
    return tuple(range(config.folds.k)) if run == ALL else tuple(run)


def planned_runs(config: Config, kind: str, fold: str | int = ALL,
                 backbone: str | None = ALL) -> list[tuple[str, int]]:
    """(backbone, fold) pairs to train, backbone-major, from CLI-style selections.

    ``fold``: an int or "all" (the config's folds); ``backbone``: a name, "all" (the config's list)
    or None (the first of the list).
    """
    listed = config.model(kind).backbones
    if backbone == ALL:
        backbones = tuple(listed)
    else:
        backbones = (backbone or listed[0],)
    if fold == ALL:
        folds = config_folds(config)
    else:
        try:
            folds = (int(fold),)
        except ValueError:
            raise SteelDefectError(f"--fold must be a fold number or 'all', got {fold!r}") from None
    return [(b, f) for b in backbones for f in folds]
