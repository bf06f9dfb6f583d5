"""``<out>.partial/``: the finished chunks of a prediction that has not finished yet.

::

    <out>.partial/manifest.json      {"fingerprint": ..., "n_chunks": ...}: what the chunks were computed from
    <out>.partial/submission_<k>.csv the chunk's submission rows
    <out>.partial/rows_<k>.csv       the chunk's per-image rows (``prediction_table``), written last: done

A rerun with the same fingerprint keeps the finished chunks; another one discards them. Files
without ``format_version`` (older ones) are version 1; a newer one counts as another fingerprint.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from steeldefect.artifacts.versions import VERSION_KEY
from steeldefect.data.io import atomic_write

PARTIAL_SUFFIX = ".partial"  # <out>.partial/ holds the finished chunks of an interrupted run
PARTIAL_MANIFEST_FILE = "manifest.json"  # what the partial chunks were computed from
CHUNK_PATTERN = "rows_{:06d}.csv"  # per-image rows of a chunk, written last: the chunk is done
CHUNK_GLOB = "rows_*.csv"
SUBMISSION_PATTERN = "submission_{:06d}.csv"  # the chunk's submission rows
SUBMISSION_GLOB = "submission_*.csv"
FORMAT_VERSION = 1


def partial_dir(out: str | os.PathLike) -> Path:
    """``<out>.partial`` beside the submission ``out``."""
    out = Path(out)
    return out.parent / (out.name + PARTIAL_SUFFIX)


def chunk_paths(partial: Path, n_chunks: int) -> tuple[list[Path], list[Path]]:
    """(per-image rows, submission rows) of every chunk."""
    return ([partial / CHUNK_PATTERN.format(k) for k in range(n_chunks)],
            [partial / SUBMISSION_PATTERN.format(k) for k in range(n_chunks)])


def read_fingerprint(partial: Path) -> str | None:
    """The fingerprint the partial chunks were computed from; None when unknown (missing, unreadable or
    of a newer format version: the chunks are then computed again)."""
    try:
        data = json.loads((partial / PARTIAL_MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or int(data.get(VERSION_KEY, FORMAT_VERSION)) > FORMAT_VERSION:
        return None
    return data.get("fingerprint")


def discard_chunks(partial: Path) -> int:
    """Delete every chunk file; returns how many chunks were done."""
    done = sorted(partial.glob(CHUNK_GLOB))
    for path in done + sorted(partial.glob(SUBMISSION_GLOB)):
        path.unlink()
    return len(done)


def write_fingerprint(partial: Path, fingerprint: str, n_chunks: int) -> None:
    """Record what the chunks are computed from (atomically)."""
    with atomic_write(partial / PARTIAL_MANIFEST_FILE) as tmp:
        tmp.write_text(json.dumps({VERSION_KEY: FORMAT_VERSION, "fingerprint": fingerprint, "n_chunks": n_chunks}))
