"""Reader and writer for the IDX format of MNIST and Fashion-MNIST (raw or gzip).

An IDX file is: two zero bytes, a type code, the number of dimensions ``k``, then
``k`` big-endian uint32 sizes, then the values in C order (big-endian). The reader
checks all of that and that the file holds exactly the announced number of bytes,
so a wrong or truncated file is a one-line :class:`DataError` naming the file,
never a garbled array.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from aekit.errors import DataError

# type code -> big-endian dtype
_TYPES: dict[int, str] = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
_CODES = {np.dtype(v).newbyteorder("=").str.lstrip("<>|="): k for k, v in _TYPES.items()}


def is_gzip(path: str | Path) -> bool:
    """True when the file starts with the gzip magic bytes."""
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, gunzipped when it is gzip (detected by content, not name)."""
    path = Path(path)
    try:
        if is_gzip(path):
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise DataError(f"{path}: corrupt or truncated gzip file ({exc}); "
                        "delete it and fetch it again") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None


def parse_idx(data: bytes, name: str = "IDX data") -> np.ndarray:
    """Decode IDX ``data`` into a native-endian array, checking magic, dims and size."""
    if len(data) < 4:
        raise DataError(f"{name}: not an IDX file (only {len(data)} bytes); "
                        "delete it and fetch it again")
    if data[0] != 0 or data[1] != 0 or data[2] not in _TYPES:
        raise DataError(f"{name}: not an IDX file (wrong magic number "
                        f"0x{data[:4].hex()}); delete it and fetch it again")
    dtype = np.dtype(_TYPES[data[2]])
    ndim = data[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(data) < header:
        raise DataError(f"{name}: truncated IDX header ({len(data)} bytes, "
                        f"{ndim} dimensions announced); delete it and fetch it again")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) < expected:
        raise DataError(f"{name}: truncated IDX file ({len(data)} of {expected} bytes for "
                        f"shape {dims}); delete it and fetch it again")
    if len(data) > expected:
        raise DataError(f"{name}: IDX file has {len(data) - expected} extra bytes after "
                        f"shape {dims}; it is corrupt, delete it and fetch it again")
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (raw or ``.gz``) into a native-endian NumPy array."""
    return parse_idx(read_bytes(path), str(path))


def encode_idx(array: np.ndarray) -> bytes:
    """The IDX bytes for ``array`` (uint8, int8, int16, int32, float32 or float64)."""
    a = np.asarray(array)
    key = a.dtype.newbyteorder("=").str.lstrip("<>|=")
    if key not in _CODES:
        raise ValueError(f"IDX cannot store dtype {a.dtype}")
    code = _CODES[key]
    head = bytes([0, 0, code, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
    return head + np.ascontiguousarray(a, dtype=_TYPES[code]).tobytes()


def write_idx(path: str | Path, array: np.ndarray) -> None:
    """Write ``array`` as IDX (gzip-compressed when ``path`` ends in ``.gz``), atomically."""
    path = Path(path)
    data = encode_idx(array)
    if path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
