"""File-system edges: atomic writes and path checks with one-line errors."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

import yaml

from steeldefect.errors import SteelDefectError


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only if the block succeeds.

    Readers never see a half-written file, and a failure leaves any previous file untouched.
    """
    path = Path(path)
    if path.is_dir():
        raise SteelDefectError(f"cannot write {path}: it is a folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as err:
        raise SteelDefectError(f"cannot write {path}: {err.strerror or err}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual mode
        try:
            os.replace(tmp_path, path)
        except OSError as err:
            raise SteelDefectError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _require(path: str | os.PathLike, what: str, want_dir: bool) -> Path:
    path = Path(path)
    if not (path.is_dir() if want_dir else path.is_file()):
        wrong = path.is_file() if want_dir else path.is_dir()
        hint = f" (it is a {'file' if want_dir else 'folder'})" if wrong else ""
        raise SteelDefectError(f"{what} not found: {path}{hint}")
    return path


def require_file(path: str | os.PathLike, what: str = "file") -> Path:
    """Return ``path`` as a Path, or raise a one-line error if it is not an existing file."""
    return _require(path, what, want_dir=False)


def require_dir(path: str | os.PathLike, what: str = "folder") -> Path:
    """Return ``path`` as a Path, or raise a one-line error if it is not an existing folder."""
    return _require(path, what, want_dir=True)


def read_text(path: str | os.PathLike, what: str) -> str:
    """The UTF-8 text of ``path`` (a byte-order mark dropped); one-line SteelDefectError naming ``what``
    when it is missing or unreadable."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SteelDefectError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise SteelDefectError(f"cannot read {what} {path}: {getattr(err, 'strerror', None) or err}") from None


def read_yaml(path: str | os.PathLike, what: str, hint: str = ""):
    """The parsed YAML of ``path``; one-line SteelDefectError when it is missing (``what`` not found,
    then ``hint``) or not YAML."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise SteelDefectError(f"{what} not found: {path}{hint}") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise SteelDefectError(f"{path}: not valid YAML: {' '.join(str(err).split())[:300]}") from None
