#!/usr/bin/env bash
# The test suite, from a fresh clone: makes .venv, installs what the tests need (Python packages,
# and Debian's chromium for the browser tests when apt can), then runs pytest on 2 workers.
# Extra arguments go to pytest, e.g. ./run_tests.sh -m "not slow" tests/data
set -euo pipefail
cd "$(dirname "$0")"
EXTRA_REQUIREMENTS="$PWD/requirements/dev.txt" source scripts/ensure_env.sh
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "[setup] installing Debian's chromium for the browser tests" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) >&2 \
    || echo "[setup] could not install chromium; browser tests will be skipped" >&2
fi
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONHASHSEED=0
exec python -m pytest -n 2 --dist loadfile "$@"
