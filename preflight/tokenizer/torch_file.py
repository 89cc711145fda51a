"""Read a tensor that `torch.save` wrote, without importing torch (which costs seconds).

`token_bytes.pt` is a small 1-D int32 tensor in torch's zip format: `<name>/data.pkl` (a pickle
that rebuilds the tensor from a storage, offset, size and stride) and `<name>/data/<key>` (the raw
bytes of each storage). This reader admits only the globals a plain tensor uses, like
`torch.load(weights_only=True)`, and never executes code from the pickle. Anything it does not know
(the legacy non-zip format, a dtype numpy lacks, a nested structure) raises `NotReadable`, and the
caller may fall back to torch itself.
"""

import io
import pickle
import sys
import zipfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# torch's typed storage classes, as the pickle names them -> (torch dtype name, numpy dtype)
STORAGES = {
    "ByteStorage": ("uint8", "u1"), "CharStorage": ("int8", "i1"), "ShortStorage": ("int16", "i2"),
    "IntStorage": ("int32", "i4"), "LongStorage": ("int64", "i8"), "HalfStorage": ("float16", "f2"),
    "FloatStorage": ("float32", "f4"), "DoubleStorage": ("float64", "f8"), "BoolStorage": ("bool", "?"),
}


class NotReadable(Exception):
    """The file is not a plain tensor in torch's zip format; the message says why."""


@dataclass(frozen=True)
class SavedTensor:
    dtype: str      # torch's name: int32, int64, float32, ...
    shape: tuple
    values: list    # nested lists, as torch's tensor.tolist() gives them

    def dim(self) -> int:
        return len(self.shape)


@dataclass(frozen=True)
class _StorageType:
    name: str


@dataclass(frozen=True)
class _Tensor:
    array: np.ndarray
    dtype: str


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    array, dtype = storage
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride) or any(not isinstance(v, int) or v < 0 for v in (offset, *size, *stride)):
        raise NotReadable(f"tensor with size {size}, stride {stride}, offset {offset}")
    if not all(size):
        return _Tensor(np.empty(size, array.dtype), dtype)
    # the furthest element must lie inside the storage: as_strided itself does not check
    last = offset + sum((n - 1) * s for n, s in zip(size, stride))
    if last >= len(array):
        raise NotReadable(f"tensor reaches element {last} of a storage of {len(array)}")
    view = np.lib.stride_tricks.as_strided(array[offset:], shape=size,
                                           strides=[s * array.itemsize for s in stride],
                                           writeable=False)
    return _Tensor(view, dtype)


_ALLOWED = {("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
            ("collections", "OrderedDict"): OrderedDict}


class _Unpickler(pickle.Unpickler):
    def __init__(self, data: bytes, storage_bytes):
        super().__init__(io.BytesIO(data))
        self.storage_bytes = storage_bytes

    def find_class(self, module, name):
        if module == "torch" and name in STORAGES:
            return _StorageType(name)
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise NotReadable(f"the pickle asks for {module}.{name}, which a plain tensor does not "
                              "use") from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise NotReadable(f"unknown persistent id {str(pid)[:60]}")
        _, kind, key, _location, numel = pid
        dtype, code = STORAGES[kind.name]
        raw = self.storage_bytes(str(key))
        array = np.frombuffer(raw, dtype=np.dtype(code).newbyteorder(self.byteorder))
        if not isinstance(numel, int) or len(array) < numel:
            raise NotReadable(f"storage {key} holds {len(array)} elements, the pickle says {numel}")
        return array[:numel], dtype

    byteorder = "<"


def read_tensor(path: Path) -> SavedTensor:
    """The tensor saved at path; NotReadable when it is not a plain tensor in torch's zip format,
    OSError when the file cannot be read."""
    try:
        archive = zipfile.ZipFile(Path(path))
    except zipfile.BadZipFile:
        raise NotReadable("not torch's zip format (a legacy torch.save file, or not one at all)") from None
    with archive:
        names = archive.namelist()
        pickles = [n for n in names if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise NotReadable("no single <name>/data.pkl inside the zip")
        prefix = pickles[0][:-len("data.pkl")]
        order = (archive.read(prefix + "byteorder").decode().strip()
                 if prefix + "byteorder" in names else sys.byteorder)

        def storage_bytes(key: str) -> bytes:
            try:
                return archive.read(f"{prefix}data/{key}")
            except KeyError:
                raise NotReadable(f"storage {key} is missing from the zip") from None

        unpickler = _Unpickler(archive.read(pickles[0]), storage_bytes)
        unpickler.byteorder = "<" if order == "little" else ">"
        try:
            obj = unpickler.load()
        except NotReadable:
            raise
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError,
                AttributeError, KeyError, zipfile.BadZipFile) as exc:
            raise NotReadable(f"data.pkl does not load: {type(exc).__name__}: {exc}") from None
    if not isinstance(obj, _Tensor):
        raise NotReadable(f"holds a {type(obj).__name__}, not a tensor")
    return SavedTensor(obj.dtype, tuple(obj.array.shape), obj.array.tolist())
