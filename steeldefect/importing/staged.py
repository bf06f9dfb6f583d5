"""A folder written all or nothing: built in a hidden folder beside it, renamed into place at the end."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from steeldefect.errors import SteelDefectError

STAGING_SUFFIX = ".partial"  # the hidden folder beside the target being written


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _swap(staging: Path, out: Path) -> None:
    """Rename ``staging`` to ``out``; an existing ``out`` is moved aside first and removed after."""
    old = None
    if out.exists() or out.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.replace(out, old / out.name)
    os.replace(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(out: str | os.PathLike) -> Iterator[Path]:
    """Yield an empty hidden folder beside ``out``; when the block succeeds it replaces ``out`` (whatever
    was there is removed only then), when it fails it is removed and ``out`` is untouched."""
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=STAGING_SUFFIX, dir=out.parent))
        os.chmod(staging, 0o777 & ~_umask())  # mkdtemp makes 0700; give the folder the usual mode
    except OSError as err:
        raise SteelDefectError(f"cannot write {out}: {err.strerror or err}") from None
    try:
        yield staging
        _swap(staging, out)
    except OSError as err:
        where = f" ({err.filename})" if getattr(err, "filename", None) else ""
        raise SteelDefectError(f"cannot write {out}: {err.strerror or err}{where}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
