"""oof.npz of a run: its out-of-fold predictions on its validation fold, and the same under TTA views.

``probs`` holds classifier probabilities as float32 (N,) or (N, 4) and segmenter probabilities as
uint8 levels ``q = rint(p * 255)`` (N, h, w, 4): ``quantise`` is that encoding, and post-processing
thresholds the same levels, so what tuning scored is what prediction does. ``oof_<view>.npz`` holds
the predictions under a TTA view other than the identity (made on demand by ``select`` and
``tune --ensemble``, ``steeldefect.tuning.view_oof``).
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from steeldefect.artifacts.versions import VERSION_KEY, check_version
from steeldefect.data.io import atomic_write
from steeldefect.errors import SteelDefectError

OOF_FILE = "oof.npz"  # the run's out-of-fold predictions on its validation fold: image_ids + probs
OOF_VIEW_PATTERN = "oof_{}.npz"  # the OOF predictions under a TTA view other than the identity

IDENTITY_VIEW = "identity"  # the TTA view whose OOF predictions are OOF_FILE
IDS_KEY = "image_ids"  # npz arrays
PROBS_KEY = "probs"
FORMAT_VERSION = 1  # written as a 0-d array format_version; files without it are version 1
_LOCAL_HEADER = 30  # bytes of a zip local file header before its name and extra field
NPY_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
SEGMENTER = "segmenter"  # the kind stored as uint8 levels

PROB_LEVELS = 255  # segmenter probabilities are stored and thresholded as uint8 levels 0..PROB_LEVELS
N_LEVELS = PROB_LEVELS + 1  # number of distinct quantised probability values


def quantise(probs: np.ndarray) -> np.ndarray:
    """Probabilities in [0, 1], any shape -> uint8 levels rint(p * 255), the oof.npz encoding."""
    probs = np.asarray(probs)
    if probs.dtype == np.uint8:
        return probs
    return np.clip(np.rint(probs.astype(np.float32) * PROB_LEVELS), 0, PROB_LEVELS).astype(np.uint8)


def dequantise(levels: np.ndarray) -> np.ndarray:
    """uint8 levels -> float32 probabilities q / 255 (the centre of each level)."""
    return np.asarray(levels, dtype=np.float32) / PROB_LEVELS


def to_oof_probs(kind: str, probs: np.ndarray) -> np.ndarray:
    """Storage form: classifier float32 (N,) or (N, 4); segmenter uint8 levels (N, h, w, 4)."""
    if kind == SEGMENTER:
        return quantise(probs)
    probs = np.asarray(probs, dtype=np.float32)
    return probs[:, 0] if probs.ndim == 2 and probs.shape[1] == 1 else probs


@dataclass(frozen=True)
class OofPredictions:
    """One run's OOF predictions: ``image_ids`` (N,) str and ``probs`` in storage form."""

    image_ids: np.ndarray
    probs: np.ndarray

    def __len__(self) -> int:
        return len(self.image_ids)

    @property
    def levels(self) -> bool:
        """True when ``probs`` are uint8 levels (a segmenter's)."""
        return self.probs.dtype == np.uint8


def oof_view_path(run_dir: str | os.PathLike, view: str = IDENTITY_VIEW) -> Path:
    """The OOF file of a TTA view: oof.npz for the identity, oof_<view>.npz otherwise."""
    return Path(run_dir) / (OOF_FILE if view == IDENTITY_VIEW else OOF_VIEW_PATTERN.format(view))


def write_oof(run_dir: str | os.PathLike, kind: str, image_ids: list[str], probs: np.ndarray,
              view: str = IDENTITY_VIEW) -> Path:
    """Write oof.npz (or a TTA view's oof_<view>.npz) atomically in its storage form (``to_oof_probs``);
    returns its path."""
    path = oof_view_path(run_dir, view)
    with atomic_write(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **{IDS_KEY: np.asarray(image_ids, dtype=str), PROBS_KEY: to_oof_probs(kind, probs),
                                  VERSION_KEY: np.asarray(FORMAT_VERSION)})
    return path


def _check_zip_version(path: Path, zf: zipfile.ZipFile) -> None:
    """Refuse an OOF file of a newer format version (files without one are version 1)."""
    member = f"{VERSION_KEY}.npy"
    if member in zf.namelist():
        with zf.open(member) as fh:
            check_version(path, int(np.load(io.BytesIO(fh.read()), allow_pickle=False)), FORMAT_VERSION)


def npz_array(path: str | os.PathLike, key: str, mmap: bool = True) -> np.ndarray:
    """Array ``key`` of an OOF file; memory-mapped when stored uncompressed, else loaded."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            _check_zip_version(path, zf)
            info = zf.getinfo(f"{key}.npy")
    except FileNotFoundError:
        raise SteelDefectError(f"OOF file not found: {path}") from None
    except zipfile.BadZipFile:
        raise SteelDefectError(f"{path}: not an .npz file") from None
    except KeyError:
        raise SteelDefectError(f"{path}: has no array {key!r} (an {OOF_FILE} holds {IDS_KEY} and "
                               f"{PROBS_KEY})") from None
    if mmap and info.compress_type == zipfile.ZIP_STORED:
        with open(path, "rb") as fh:
            fh.seek(info.header_offset)
            local = fh.read(_LOCAL_HEADER)
            name_len, extra_len = struct.unpack("<HH", local[26:30])
            fh.seek(info.header_offset + _LOCAL_HEADER + name_len + extra_len)
            version = np.lib.format.read_magic(fh)
            header = NPY_HEADERS[version](fh) if version in NPY_HEADERS else None
            offset = fh.tell()
        if header is not None and not header[2].hasobject:
            shape, fortran, dtype = header
            return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape,
                             order="F" if fortran else "C")
    with np.load(path, allow_pickle=False) as data:
        return data[key]


def npz_shape(path: str | os.PathLike, key: str) -> tuple[int, ...]:
    """Shape of array ``key`` of an OOF file, read from its header only."""
    try:
        with zipfile.ZipFile(path) as zf, zf.open(f"{key}.npy") as fh:
            version = np.lib.format.read_magic(fh)
            if version in NPY_HEADERS:
                _check_zip_version(Path(path), zf)
                return tuple(NPY_HEADERS[version](fh)[0])
    except (KeyError, zipfile.BadZipFile, FileNotFoundError):
        pass
    return tuple(npz_array(path, key).shape)  # reports the error, or reads an unusual header


def open_oof(path: str | os.PathLike, mmap_mode: str | None = None):
    """The open npz of an OOF file after its version check (for reading ``probs`` in slices); close it."""
    data = np.load(path, mmap_mode=mmap_mode)
    if VERSION_KEY in data.files:
        try:
            check_version(path, int(data[VERSION_KEY]), FORMAT_VERSION)
        except Exception:
            data.close()
            raise
    return data


def read_oof_ids(path: str | os.PathLike) -> np.ndarray:
    """The image ids of an OOF file, without its probabilities."""
    with open_oof(path) as data:
        return data[IDS_KEY]


def read_oof(path: str | os.PathLike) -> OofPredictions:
    """An OOF file (oof.npz or oof_<view>.npz) read whole."""
    with open_oof(path) as data:
        return OofPredictions(data[IDS_KEY], data[PROBS_KEY])


def read_run_oof(run_dir: str | os.PathLike, view: str = IDENTITY_VIEW) -> OofPredictions:
    """A run's OOF predictions under ``view``."""
    return read_oof(oof_view_path(run_dir, view))
