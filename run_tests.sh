#!/usr/bin/env bash
# The test suite, from a fresh clone: makes .venv, installs what the tests need (Python packages,
# and Debian's chromium for the browser tests when apt can), then runs pytest on 2 workers.
# Extra arguments go to pytest, e.g. ./run_tests.sh -m "not slow" tests/data
#
# Skips: the summary lists the skipped tests grouped by reason (tests/conftest.py), and a run whose
# tests pass still fails (exit 1) when a test skipped because something CI must have is missing (an
# optional dependency, chromium, a Playwright browser, ../shared). Skips by design (the rest of the
# backbone x head product) do not fail it. Without chromium or ../shared on your machine, run
#   STEELDEFECT_ALLOW_SKIPS=1 ./run_tests.sh
# to let those skips pass (they are still listed).
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
  exit 0
fi
EXTRA_REQUIREMENTS="$PWD/requirements/dev.txt" source scripts/ensure_env.sh
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "[setup] installing Debian's chromium for the browser tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) >&2 \
    || echo "[setup] could not install chromium; the browser tests will skip and fail the run (STEELDEFECT_ALLOW_SKIPS=1 allows it)" >&2
fi
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONHASHSEED=0
exec python -m pytest -n 2 --dist loadfile -rs "$@"
