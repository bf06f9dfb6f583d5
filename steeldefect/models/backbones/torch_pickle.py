"""Read a PyTorch state dict (``torch.save`` of a dict of tensors) into numpy arrays, without torch.

Two containers exist: the legacy one (a run of pickles: magic number, protocol, system info, the
dict with storages as persistent ids, the storage keys, then each storage's element count and raw
little-endian bytes) and the zip one of torch >= 1.6 (``archive/data.pkl`` plus ``archive/data/<key>``
files). Both rebuild tensors with ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride)``,
which is all this reader implements; any other class in the pickle is refused.
"""

from __future__ import annotations

import collections
import io
import os
import pickle
import struct
import zipfile

import numpy as np

from steeldefect.errors import SteelDefectError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
STORAGE_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
                  "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
                  "ByteStorage": np.uint8, "CharStorage": np.int8, "BoolStorage": np.bool_}


class _Tensor:
    """A tensor as the pickle describes it, resolved to an array once the storages are read."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, int(offset), tuple(size), tuple(stride)

    def array(self, data: dict) -> np.ndarray:
        flat = data[self.storage[0]]
        if not self.size:
            return np.array(flat[self.offset])
        strides = [s * flat.itemsize for s in self.stride]
        return np.array(np.lib.stride_tricks.as_strided(flat[self.offset:], self.size, strides))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, storages: dict):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return lambda storage, offset, size, stride, *rest: _Tensor(storage, offset, size, stride)
        if module == "torch" and name in STORAGE_DTYPES:
            return name
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"{module}.{name} is not a tensor part; refusing to load it")

    def persistent_load(self, pid):
        _, storage_type, key, _location, numel = pid[:5]
        if not isinstance(storage_type, str):  # torch >= 2 pickles a TypedStorage class name the same way
            storage_type = getattr(storage_type, "__name__", str(storage_type))
        self.storages[str(key)] = (STORAGE_DTYPES[storage_type], int(numel))
        return (str(key), storage_type)


def _resolve(state, data: dict) -> dict[str, np.ndarray]:
    if not isinstance(state, dict):
        raise SteelDefectError("the file does not hold a state dict (a mapping of names to tensors)")
    return {str(k): v.array(data) for k, v in state.items() if isinstance(v, _Tensor)}


def _read_legacy(fh) -> dict[str, np.ndarray]:
    if pickle.load(fh) != LEGACY_MAGIC:
        raise SteelDefectError("not a PyTorch file (bad magic number)")
    pickle.load(fh)  # protocol version
    pickle.load(fh)  # system info
    storages: dict = {}
    state = _Unpickler(fh, storages).load()
    keys = pickle.load(fh)
    data = {}
    for key in keys:
        dtype, _ = storages[str(key)]
        (count,) = struct.unpack("<q", fh.read(8))
        data[str(key)] = np.frombuffer(fh.read(count * np.dtype(dtype).itemsize), dtype)
    return _resolve(state, data)


def _read_zip(path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        pkl = next((n for n in names if n.endswith("/data.pkl") or n == "data.pkl"), None)
        if pkl is None:
            raise SteelDefectError("a zip without data.pkl is not a PyTorch file")
        root = pkl[: -len("data.pkl")]
        storages: dict = {}
        state = _Unpickler(io.BytesIO(zf.read(pkl)), storages).load()
        data = {key: np.frombuffer(zf.read(f"{root}data/{key}"), dtype) for key, (dtype, _) in storages.items()}
    return _resolve(state, data)


def read_state_dict(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """name -> numpy array of the tensors of a PyTorch state dict file."""
    try:
        if zipfile.is_zipfile(path):
            return _read_zip(path)
        with open(path, "rb") as fh:
            return _read_legacy(fh)
    except FileNotFoundError:
        raise SteelDefectError(f"weights file not found: {path}") from None
    except (pickle.UnpicklingError, EOFError, KeyError, struct.error, ValueError) as err:
        raise SteelDefectError(f"{path}: cannot read it as a PyTorch state dict ({err})") from None
