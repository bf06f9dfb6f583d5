"""steeldefect.logs.configure: levels by verbosity, formats, stderr only, no duplicate handlers."""

from __future__ import annotations

import logging

import pytest

from steeldefect.logs import LOGGER_NAME, configure, level_of


@pytest.fixture(autouse=True)
def restore_logger():
    logger = logging.getLogger(LOGGER_NAME)
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = saved[0], saved[1], saved[2]


@pytest.mark.parametrize("verbosity, level", [(-2, logging.WARNING), (-1, logging.WARNING), (0, logging.INFO),
                                              (1, logging.DEBUG), (3, logging.DEBUG)])
def test_levels(verbosity, level):
    assert level_of(verbosity) == level
    configure(verbosity)
    assert logging.getLogger(LOGGER_NAME).level == level


def emit_all():
    log = logging.getLogger("steeldefect.some.module")
    log.debug("a debug line")
    log.info("an info line")
    log.warning("a warning line")


def test_info_is_plain_on_stderr(capsys):
    configure(0)
    emit_all()
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == ["an info line", "a warning line"]


def test_quiet_keeps_warnings_only(capsys):
    configure(-1)
    emit_all()
    assert capsys.readouterr().err.splitlines() == ["a warning line"]


def test_debug_names_level_and_logger(capsys):
    configure(1)
    emit_all()
    assert capsys.readouterr().err.splitlines() == [
        "DEBUG: steeldefect.some.module: a debug line",
        "INFO: steeldefect.some.module: an info line",
        "WARNING: steeldefect.some.module: a warning line",
    ]


def test_configuring_twice_does_not_duplicate_lines(capsys):
    configure(0)
    configure(0)
    logging.getLogger("steeldefect").info("once")
    assert capsys.readouterr().err.splitlines() == ["once"]


def test_other_loggers_are_left_alone(capsys):
    configure(1)
    logging.getLogger("somebody.else").debug("not ours")
    assert "not ours" not in capsys.readouterr().err
