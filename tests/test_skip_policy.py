"""The skip policy of tests/conftest.py on tiny inner suites: skips of the environment fail the run,
designed skips do not, STEELDEFECT_ALLOW_SKIPS=1 lets a local run pass; the same under pytest-xdist."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = Path(__file__).with_name("conftest.py")
INNER_ARGS = ("-p", "no:dash", "-p", "no:cacheprovider")  # dash's plugin is outside the project's addopts here

ENVIRONMENTAL = """
import pytest

def test_runs():
    pass

def test_needs_a_tool():
    pytest.importorskip("no_such_module_steeldefect")
"""

DESIGNED = """
import pytest

def test_runs():
    pass

@pytest.mark.designed_skip
@pytest.mark.skipif(True, reason="only with SOME_ENV=1")
def test_marked():
    pass

def test_prefixed():
    pytest.skip("by design: only on a machine with a TPU")
"""


@pytest.fixture
def inner(pytester, monkeypatch):
    """``inner(source, *args)``: run ``source`` as a suite under the project's conftest, in a subprocess."""
    monkeypatch.delenv("STEELDEFECT_ALLOW_SKIPS", raising=False)
    pytester.makeconftest(CONFTEST.read_text())

    def run(source: str, *args: str):
        pytester.makepyfile(test_inner=source)
        return pytester.runpytest_subprocess(*INNER_ARGS, *args)

    return run


def test_an_environmental_skip_fails_the_run(inner):
    result = inner(ENVIRONMENTAL)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*skipped tests by reason*",
                                 "ENVIRONMENT*1*test_inner.py*no_such_module_steeldefect*",
                                 "FAILED: 1 tests skipped*STEELDEFECT_ALLOW_SKIPS=1*"])


def test_designed_skips_pass(inner):
    result = inner(DESIGNED)
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(["*skipped tests by reason*", "designed*1*by design: only on a machine with a TPU",
                                 "designed*1*only with SOME_ENV=1"])
    result.stdout.no_fnmatch_line("FAILED:*")


def test_the_opt_out_lets_an_environmental_skip_pass(inner, monkeypatch):
    monkeypatch.setenv("STEELDEFECT_ALLOW_SKIPS", "1")
    result = inner(ENVIRONMENTAL)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["ENVIRONMENT*no_such_module_steeldefect*", "*allowed by STEELDEFECT_ALLOW_SKIPS=1*"])


def test_a_failure_keeps_its_exit_status(inner):
    result = inner(ENVIRONMENTAL + "\ndef test_fails():\n    assert False\n")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, skipped=1, failed=1)


@pytest.mark.parametrize("source, code", [(ENVIRONMENTAL, pytest.ExitCode.TESTS_FAILED),
                                          (DESIGNED, pytest.ExitCode.OK)], ids=["environmental", "designed"])
def test_under_xdist_the_controller_decides(inner, source, code):
    pytest.importorskip("xdist")
    result = inner(source, "-p", "xdist", "-n", "2", "--dist", "loadfile")
    assert result.ret == code
    result.stdout.fnmatch_lines(["*skipped tests by reason*"])
