"""Reader for the CIFAR-10 "python version" batches (``cifar-10-batches-py/``).

Each batch (``data_batch_1`` … ``data_batch_5``, ``test_batch``) is a pickle of a dict
with ``b"data"`` (uint8, ``(N, 3072)``, channel-major: 1024 red, 1024 green, 1024
blue values) and ``b"labels"`` (N ints); ``batches.meta`` holds ``b"label_names"``.

Pickle can run arbitrary code, so the batches are read with a restricted unpickler
that only rebuilds plain containers and NumPy arrays; anything else is refused
with a :class:`DataError`.

A format reader only: the ``cifar10`` source (file names, the official archive and
its md5, the loader) is :mod:`aekit.data.sources.cifar10`.
"""

from __future__ import annotations

import importlib
import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from aekit.errors import DataError

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("copy_reg", "_reconstructor"),
    ("copyreg", "_reconstructor"),
    ("__builtin__", "object"),
    ("builtins", "object"),
    ("_codecs", "encode"),  # how Python 3 writes bytes in protocol-2 pickles
}


class _SafeUnpickler(pickle.Unpickler):
    """Unpickler that resolves only the NumPy/array helpers CIFAR batches need."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        module = {"copy_reg": "copyreg", "__builtin__": "builtins"}.get(module, module)
        if module.startswith("numpy.core."):  # numpy 2 moved numpy.core to numpy._core
            try:
                return getattr(importlib.import_module("numpy._core" + module[10:]), name)
            except (ImportError, AttributeError):
                pass
        return getattr(importlib.import_module(module), name)


def load_pickle(path: str | Path) -> Any:
    """Unpickle ``path`` safely with ``encoding="bytes"`` (as the official batches need)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    try:
        return _SafeUnpickler(io.BytesIO(data), encoding="bytes").load()
    except Exception as exc:  # any unpickling failure means a corrupt or foreign file
        raise DataError(f"{path}: not a readable CIFAR pickle ({type(exc).__name__}: "
                        f"{exc}); delete it and fetch it again") from None


def _get(d: dict, key: str) -> Any:
    for k in (key.encode(), key):
        if k in d:
            return d[k]
    return None


def read_cifar_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one batch: ``(images uint8 (N, 3, 32, 32), labels int64 (N,))``."""
    obj = load_pickle(path)
    if not isinstance(obj, dict):
        raise DataError(f"{path}: not a CIFAR batch (a {type(obj).__name__}, not a dict)")
    data, labels = _get(obj, "data"), _get(obj, "labels")
    if data is None or labels is None:
        raise DataError(f"{path}: not a CIFAR-10 batch (needs keys 'data' and 'labels')")
    data = np.asarray(data)
    labels = np.asarray(labels)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        raise DataError(f"{path}: CIFAR 'data' must be uint8 of shape (N, 3072), "
                        f"got {data.dtype} {data.shape}")
    if labels.shape != (data.shape[0],) or labels.dtype.kind not in "iu":
        raise DataError(f"{path}: CIFAR 'labels' must be {data.shape[0]} integers, "
                        f"got {labels.dtype} {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= len(CLASSES)):
        raise DataError(f"{path}: CIFAR-10 labels must lie in 0..9, found "
                        f"{int(labels.min())}..{int(labels.max())}")
    return data.reshape(-1, 3, 32, 32), labels.astype(np.int64)


def read_cifar_meta(path: str | Path) -> list[str]:
    """Class names from ``batches.meta`` (``b"label_names"``)."""
    obj = load_pickle(path)
    names = _get(obj, "label_names") if isinstance(obj, dict) else None
    if not names:
        raise DataError(f"{path}: CIFAR meta file has no 'label_names'")
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


def write_cifar_batch(path: str | Path, images: np.ndarray, labels: np.ndarray) -> None:
    """Write ``images`` (N, 3, 32, 32) uint8 and ``labels`` as an official-format batch."""
    images = np.asarray(images, dtype=np.uint8)
    obj = {b"batch_label": b"aekit", b"labels": [int(v) for v in labels],
           b"data": images.reshape(len(images), 3072),
           b"filenames": [f"{i}.png".encode() for i in range(len(images))]}
    Path(path).write_bytes(pickle.dumps(obj, protocol=2))
