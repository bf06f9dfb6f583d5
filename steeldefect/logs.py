"""The ``steeldefect`` logger's one setup: ``configure(verbosity)`` from the CLI's -q / -v.

Library modules log with ``logging.getLogger(__name__)`` (names under ``steeldefect``) and never
configure logging themselves; results a command prints go to stdout, diagnostics to this logger.
"""

from __future__ import annotations

import logging
import sys

LOGGER_NAME = "steeldefect"  # the parent of every module's logger
QUIET, NORMAL, VERBOSE = -1, 0, 1  # verbosity of -q, of neither flag, and of -v (debug)
PLAIN_FORMAT = "%(message)s"  # INFO and quieter: messages as the user reads them
DEBUG_FORMAT = "%(levelname)s: %(name)s: %(message)s"  # DEBUG: where each message comes from


def level_of(verbosity: int) -> int:
    """The logging level of a verbosity: -1 (and below) WARNING, 0 INFO, 1 and above DEBUG."""
    if verbosity <= QUIET:
        return logging.WARNING
    return logging.INFO if verbosity == NORMAL else logging.DEBUG


class _StderrHandler(logging.StreamHandler):
    """A handler on whatever ``sys.stderr`` is when a record is written (pytest swaps it per test)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):  # StreamHandler.__init__ assigns it
        pass


def configure(verbosity: int = NORMAL) -> logging.Logger:
    """Send the ``steeldefect`` logger's records at the level of ``verbosity`` to stderr.

    Calling it again replaces the handler it added before (no duplicate lines); other loggers and
    the root logger are left alone, and records do not propagate to the root.
    """
    logger = logging.getLogger(LOGGER_NAME)
    level = level_of(verbosity)
    for handler in [h for h in logger.handlers if getattr(h, "_steeldefect", False)]:
        logger.removeHandler(handler)
    handler = _StderrHandler()
    handler._steeldefect = True  # marks the handler configure() owns
    handler.setFormatter(logging.Formatter(DEBUG_FORMAT if level <= logging.DEBUG else PLAIN_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return logger
