#!/usr/bin/env bash
# Make ./.venv on first use and keep it in step with requirements.txt, requirements/*.txt and
# pyproject.toml, with the TensorFlow build this machine needs. Sourced by run_all.sh and run_tests.sh
# (installs when needed, then puts the venv's bin/ first on PATH); also runs on its own:
#
#   scripts/ensure_env.sh               # install or update the venv
#   scripts/ensure_env.sh --dry-run     # the accelerator it picks and why, the requirement lines it
#                                       # would install; installs and creates nothing
#
# STEELDEFECT_ACCELERATOR=auto|cpu|cuda|tpu   the TensorFlow build, requirements/<name>.txt. auto (the
#     default): cuda when `nvidia-smi -L` lists a GPU, tpu on a TPU VM (/dev/accel* or TPU_NAME,
#     TPU_ACCELERATOR_TYPE, TPU_WORKER_ID, COLAB_TPU_ADDR set), else cpu.
# STEELDEFECT_VENV      the venv (default ./.venv);  PYTHON  the Python that makes it (default python3)
# EXTRA_REQUIREMENTS    more requirement files, space-separated (run_tests.sh: requirements/dev.txt)
#
# Re-installs only when a requirements file, pyproject.toml or the accelerator changed. A venv holds one
# TensorFlow build (they all write the same `tensorflow` package folder): before installing a build,
# the other builds present are uninstalled; .steeldefect-accelerator in the venv names the one installed.
# (Switching away from cuda leaves the nvidia-* CUDA libraries installed; the CPU build ignores them.)
# Sourced, it leaves the caller's shell options alone and returns non-zero on failure.

# The hints steeldefect/training/device.py reads (TPU_HINT_VARS, TPU_DEVICE_GLOB).
_sd_tpu_vars="TPU_NAME COLAB_TPU_ADDR TPU_ACCELERATOR_TYPE TPU_WORKER_ID"
_sd_tpu_glob="/dev/accel*"

_sd_say() {  # progress goes to stderr, except in a dry run, whose report is the output
  if [ "$_sd_dry" = 1 ]; then echo "$*"; else echo "$*" >&2; fi
}

_sd_choose() {  # sets _sd_accel and _sd_why, or says what is wrong and fails
  local asked="${STEELDEFECT_ACCELERATOR:-auto}" n=0 v d
  case "$asked" in
    cpu|cuda|tpu) _sd_accel="$asked" _sd_why="STEELDEFECT_ACCELERATOR=$asked"; return 0 ;;
    auto) ;;
    *) echo "[setup] error: STEELDEFECT_ACCELERATOR must be auto, cpu, cuda or tpu (got $asked)" >&2
       return 2 ;;
  esac
  if command -v nvidia-smi >/dev/null 2>&1; then
    n="$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)"
    if [ "${n:-0}" -gt 0 ]; then
      _sd_accel=cuda _sd_why="nvidia-smi lists $n GPU$([ "$n" -gt 1 ] && echo s); STEELDEFECT_ACCELERATOR=auto"
      return 0
    fi
  fi
  for d in $_sd_tpu_glob; do
    if [ -e "$d" ]; then _sd_accel=tpu _sd_why="$d exists; STEELDEFECT_ACCELERATOR=auto"; return 0; fi
  done
  for v in $_sd_tpu_vars; do
    if [ -n "${!v:-}" ]; then _sd_accel=tpu _sd_why="$v is set; STEELDEFECT_ACCELERATOR=auto"; return 0; fi
  done
  if command -v nvidia-smi >/dev/null 2>&1; then
    _sd_why="nvidia-smi lists no GPU, no TPU found; STEELDEFECT_ACCELERATOR=auto"
  else
    _sd_why="no nvidia-smi, no TPU found; STEELDEFECT_ACCELERATOR=auto"
  fi
  _sd_accel=cpu
}

_sd_trim() {  # _sd_trim TEXT: without surrounding whitespace
  local s="$1"
  s="${s#"${s%%[![:space:]]*}"}"
  printf '%s' "${s%"${s##*[![:space:]]}"}"
}

_sd_expand() {  # _sd_expand FILE: its requirement and option lines as pip reads them: comments
                # dropped, `-r FILE` followed (relative to the file that names it)
  local file="$1" line target
  [ -f "$file" ] || { echo "[setup] error: no requirements file $file" >&2; return 1; }
  while IFS= read -r line || [ -n "$line" ]; do
    line="$(_sd_trim "${line%%[[:space:]]#*}")"
    case "$line" in
      ''|'#'*) ;;
      -r\ *|--requirement\ *|--requirement=*)
        target="$(_sd_trim "${line#*[ =]}")"
        case "$target" in /*) ;; *) target="${file%/*}/$target" ;; esac
        _sd_expand "$target" || return 1 ;;
      *) printf '%s\n' "$line" ;;
    esac
  done < "$file"
}

_sd_find_links() {  # _sd_find_links FILE: the URLs of its `# find-links: URL` comments (files that
                    # setuptools reads may not hold pip options, so they carry them as comments)
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in '# find-links:'*) _sd_trim "${line#'# find-links:'}"; echo ;; esac
  done < "$1"
}

_sd_other_builds() {  # _sd_other_builds VENV_PYTHON ACCEL_FILE: the TensorFlow builds installed in the
                      # venv that ACCEL_FILE does not ask for on this platform (space-separated)
  "$1" -m pip list --format=freeze 2>/dev/null | "$1" -B -c '
import re, sys
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.utils import canonicalize_name
builds = {"tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-tpu", "tensorflow-intel",
          "tensorflow-macos", "tensorflow-aarch64", "tensorflow-cpu-aws", "tensorflow-rocm", "intel-tensorflow"}
wanted = set()
for line in open(sys.argv[1]):
    line = re.split(r"(^|\s)#", line)[0].strip()
    if line and not line.startswith("-"):
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate():
            wanted.add(canonicalize_name(req.name))
installed = {canonicalize_name(line.split("==")[0]) for line in sys.stdin if "==" in line}
print(" ".join(sorted(n for n in installed - wanted if n in builds or n.startswith("tf-nightly"))))
' "$2"
}

_sd_main() {
  local root venv py accel_file stamp record want prev others url f
  local -a args
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  venv="${STEELDEFECT_VENV:-$root/.venv}"
  py="${PYTHON:-python3}"
  accel_file="$root/requirements/$_sd_accel.txt"
  [ -f "$accel_file" ] || { echo "[setup] error: $accel_file is missing" >&2; return 1; }
  args=(-r "$root/requirements.txt" -r "$accel_file")
  for url in $(_sd_find_links "$accel_file"); do args+=(-f "$url"); done
  for f in ${EXTRA_REQUIREMENTS:-}; do args+=(-r "$f"); done
  stamp="$venv/.steeldefect-installed"
  record="$venv/.steeldefect-accelerator"
  want="$({ echo "accelerator=$_sd_accel"; cat "$root/requirements.txt" "$root"/requirements/*.txt \
           "$root/pyproject.toml" ${EXTRA_REQUIREMENTS:-} 2>/dev/null || true; } | sha256sum | cut -c1-16)"
  _sd_say "[setup] accelerator: $_sd_accel ($_sd_why)"

  if [ "$_sd_dry" = 1 ]; then
    if [ ! -x "$venv/bin/python" ]; then
      _sd_say "[setup] dry run: would create $venv with $( { command -v "$py" >/dev/null && "$py" --version; } 2>&1 \
        || echo "$py (not found)")"
    elif [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
      _sd_say "[setup] dry run: $venv is up to date for $_sd_accel; nothing would be installed"
    else
      prev="$(cat "$record" 2>/dev/null || true)"
      others="$(_sd_other_builds "$venv/bin/python" "$accel_file" || true)"
      _sd_say "[setup] dry run: $venv needs an update (TensorFlow build installed: ${prev:-not recorded});" \
        "would uninstall first: ${others:-nothing}"
    fi
    _sd_say "[setup] dry run: the install: pip install ${args[*]}, then pip install --no-deps -e $root"
    _sd_say "[setup] dry run: the requirement lines:"
    _sd_expand "$root/requirements.txt" || return 1
    _sd_expand "$accel_file" || return 1
    for f in ${EXTRA_REQUIREMENTS:-}; do _sd_expand "$f" || return 1; done
    return 0
  fi

  if [ ! -x "$venv/bin/python" ]; then
    echo "[setup] creating $venv with $("$py" --version)" >&2
    if ! "$py" -m venv "$venv" >/dev/null 2>&1; then
      rm -rf "$venv"
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "[setup] installing python3-venv with apt-get" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null) >&2 || true
      fi
      "$py" -m venv "$venv" || {
        echo "[setup] cannot create $venv: install python3-venv (Debian: apt-get install python3-venv)" >&2; return 1; }
    fi
    "$venv/bin/python" -m pip install --quiet --upgrade pip >&2 || return 1
  fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    prev="$(cat "$record" 2>/dev/null || true)"
    if [ -n "$prev" ] && [ "$prev" != "$_sd_accel" ]; then
      echo "[setup] switching $venv from the $prev build of TensorFlow to the $_sd_accel build" >&2
    fi
    others="$(_sd_other_builds "$venv/bin/python" "$accel_file")" || {
      echo "[setup] warning: could not list the TensorFlow builds in $venv" >&2; others=""; }
    if [ -n "$others" ]; then
      echo "[setup] uninstalling $others (another TensorFlow build) before installing the $_sd_accel build" >&2
      # shellcheck disable=SC2086  # one word per distribution
      "$venv/bin/python" -m pip uninstall --quiet -y $others >&2 || return 1
    fi
    rm -f "$stamp" "$record"
    echo "[setup] installing requirements into $venv (first run takes a minute or two)" >&2
    "$venv/bin/python" -m pip install --quiet "${args[@]}" >&2 || return 1
    "$venv/bin/python" -m pip install --quiet --no-deps -e "$root" >&2 || return 1
    echo "$_sd_accel" > "$record"
    echo "$want" > "$stamp"
  fi
  export PATH="$venv/bin:$PATH"
}

_sd_dry=0
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then  # run, not sourced: options (sourced, "$@" is the caller's)
  set -euo pipefail
  for _sd_arg in "$@"; do
    case "$_sd_arg" in
      --dry-run) _sd_dry=1 ;;
      -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
      *) echo "[setup] error: unknown argument '$_sd_arg' (scripts/ensure_env.sh [--dry-run])" >&2; exit 2 ;;
    esac
  done
fi
_sd_choose || { _sd_rc=$?; return "$_sd_rc" 2>/dev/null || exit "$_sd_rc"; }
_sd_main || { _sd_rc=$?; return "$_sd_rc" 2>/dev/null || exit "$_sd_rc"; }
