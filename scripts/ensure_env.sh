#!/usr/bin/env bash
# Make ./.venv on first use and keep it in step with requirements*.txt (sourced by run_all.sh and
# run_tests.sh). Re-installs only when a requirements file or pyproject.toml changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
py="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  echo "[setup] creating $venv with $($py --version)" >&2
  if ! "$py" -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "[setup] installing python3-venv with apt-get" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null) >&2 || true
    fi
    "$py" -m venv "$venv" || { echo "[setup] cannot create $venv: install python3-venv (Debian: apt-get install python3-venv)" >&2; exit 1; }
  fi
  "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
fi
stamp="$venv/.steeldefect-installed"
want="$(cat "$root/requirements.txt" "$root/pyproject.toml" ${EXTRA_REQUIREMENTS:-} 2>/dev/null | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing requirements into $venv (first run takes a minute or two)" >&2
  "$venv/bin/python" -m pip install --quiet -r "$root/requirements.txt" ${EXTRA_REQUIREMENTS:+$(for f in $EXTRA_REQUIREMENTS; do printf -- '-r %s ' "$f"; done)} >&2
  "$venv/bin/python" -m pip install --quiet --no-deps -e "$root" >&2
  echo "$want" > "$stamp"
fi
export PATH="$venv/bin:$PATH"
