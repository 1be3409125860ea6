"""The :class:`Dataset` every source returns, and the helpers all sources share.

A dataset is plain NumPy in memory: the training engine turns it into tensors, the
evaluation code reads its fixed test split, the run directory records its
``fingerprint``. Nothing here imports torch.

8-bit images (MNIST, CIFAR-10, ``folder:``, uint8 ``npy:``) are *stored* as their uint8
pixels in a :class:`U8Images` — a quarter of the memory of float32 — and *read* as
float32 in [0, 1]: indexing, ``len``, ``shape`` and ``np.asarray`` give exactly the
values a float32 array would hold (``pixel / 255`` in float32), so a reader never sees
the storage. The training engine takes :attr:`U8Images.raw` and converts each batch
(:mod:`aekit.engine.batches`).

Split policy (for sources without an official split): a permutation of the samples
drawn from ``numpy.random.default_rng(SPLIT_SEED)``; the first
``max(1, round(TEST_FRACTION * n))`` permuted indices (for ``n >= 2``) are the test
split, the rest train; indices are sorted again inside each split so samples keep
their file order. The same input therefore always gives the same split.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from aekit.errors import DataError

SPLIT_SEED = 0
TEST_FRACTION = 0.2


class U8Images:
    """Images stored as uint8 pixels, read as float32 ``pixel / 255``.

    It stands where a float32 image array stood: ``x[key]`` (any NumPy index) returns a
    float32 ndarray of the indexed pixels, ``np.asarray(x)`` the whole array as float32
    (a copy: readers that need everything pay for it, readers that take a slice do not),
    and ``len``, ``shape``, ``ndim``, ``dtype`` (float32: what is read) and iteration
    behave as for that array. Arithmetic on the object itself is not defined, so a reader
    that forgets to index or convert fails loudly instead of computing on 0..255.

    ``store`` holds the pixels (N, …); ``rows`` (None = all, in order) picks the rows of
    ``store`` this object shows, so a split of a memory-mapped ``store`` (a prepared
    cache, :mod:`aekit.data.cache`) is a list of row numbers, not a copy in RAM. A
    memory-mapped store is pickled as its file ``path`` and mapped again on unpickling
    (a loader worker or another rank never receives the pixels through a pipe).
    ``store`` may also be a row store that reads files itself — a
    :class:`~aekit.data.shards.ShardStore` (tar shards): any object with a uint8
    ``dtype`` and ``shape`` whose ``store[rows]`` returns an ndarray for an int, a slice or
    an index array; such a store always shows picked ``rows``.
    """

    def __init__(self, raw: Any, rows: np.ndarray | None = None,
                 path: str | None = None) -> None:
        if raw.dtype != np.uint8:
            raise TypeError(f"U8Images holds uint8 pixels, not {raw.dtype}")
        in_files = not isinstance(raw, np.ndarray)  # a row store (shards)
        self.store = raw if in_files else canonical(raw)
        if in_files and rows is None:
            rows = np.arange(raw.shape[0])  # ``raw`` must never be the store itself
        self.rows = None if rows is None else np.asarray(rows, dtype=np.int64)
        self.path = path  # the .npy file ``store`` maps (None: held in memory)

    dtype = np.dtype(np.float32)

    @property
    def mapped(self) -> bool:
        """True when the pixels stay in files — a read-only memory map, or shards — not
        in RAM."""
        return self.path is not None or not isinstance(self.store, np.ndarray)

    @property
    def raw(self) -> np.ndarray:
        """The uint8 pixels of the rows shown (N, …): ``store`` itself when every row is
        shown, else a copy of the rows picked."""
        return self.store if self.rows is None else self.store[self.rows]

    @property
    def shape(self) -> tuple[int, ...]:
        n = self.store.shape[0] if self.rows is None else len(self.rows)
        return (int(n), *(int(d) for d in self.store.shape[1:]))

    @property
    def ndim(self) -> int:
        return self.store.ndim

    @property
    def size(self) -> int:
        """Number of values (as ``ndarray.size``)."""
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def nbytes(self) -> int:
        """Bytes of pixels shown (uint8, not the float32 a reader gets)."""
        return self.size

    def __len__(self) -> int:
        return self.shape[0]

    def pixels(self, key: Any = slice(None)) -> np.ndarray:
        """The uint8 pixels at ``key`` (any NumPy index on the rows shown), in RAM."""
        if self.rows is None:  # an ndarray (held or mapped)
            return np.array(self.store[key]) if self.mapped else np.asarray(self.store[key])
        head, rest = (key[0], key[1:]) if isinstance(key, tuple) and key else (key, ())
        if isinstance(head, (int, np.integer)):  # one row: the rest indexes its axes
            return np.array(self.store[self.rows[head]][rest])
        pick = None if head is Ellipsis or head is None else np.asarray(
            self.rows[head] if isinstance(head, slice) else head)
        if pick is not None and pick.ndim == 1 and pick.dtype.kind in "biu" and not any(
                not isinstance(k, (slice, int, np.integer)) for k in rest):
            # rows picked first (one read of just those rows), then the plain rest
            rows = pick if isinstance(head, slice) else self.rows[pick]
            return np.array(self.store[rows][(slice(None), *rest)])
        # Ellipsis, None, masks over several axes, several index arrays: NumPy's own
        # rules, on the shown rows taken whole (rare readers; a copy of the rows)
        return np.asarray(self.raw[key])

    def __getitem__(self, key: Any) -> np.ndarray:
        return to_float(self.pixels(key))

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self[i]

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        out = to_float(self.raw)
        return out if dtype is None else out.astype(dtype, copy=False)

    def reshape(self, *shape: Any) -> np.ndarray:
        """The whole array as float32, reshaped (a copy, as ``np.asarray(x).reshape``)."""
        return np.asarray(self).reshape(*shape)

    def astype(self, dtype: Any, copy: bool = True) -> np.ndarray:
        """The whole array as ``dtype`` (from the float32 values a reader sees)."""
        return np.asarray(self).astype(dtype, copy=False)

    def _extreme(self, pick: Any) -> np.float32:
        # in blocks of rows: a memory-mapped store is never read into RAM whole
        step = max(1, 2**24 // max(1, self.size // max(1, len(self))))
        vals = [pick(self.pixels(slice(i, i + step))) for i in range(0, len(self), step)]
        return to_float(np.asarray(pick(np.asarray(vals, dtype=np.uint8))))[()]

    def min(self) -> np.float32:
        """Smallest value read (``min / 255``; computed on the uint8 storage)."""
        return self._extreme(np.min)

    def max(self) -> np.float32:
        """Largest value read (``max / 255``; computed on the uint8 storage)."""
        return self._extreme(np.max)

    def take(self, rows: Any) -> U8Images:
        """The images at ``rows`` (indices, a mask or a slice), still stored as uint8: a
        list of rows over the same store — in RAM or mapped — not a copy, so the splits
        of a dataset hold its pixels once."""
        shown = np.arange(self.store.shape[0]) if self.rows is None else self.rows
        return U8Images(self.store, rows=shown[rows], path=self.path)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if self.path is not None:
            state["store"] = None  # mapped again from ``path`` (a row store pickles small)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if self.store is None:
            self.store = canonical(np.load(self.path, mmap_mode="r"))

    def __repr__(self) -> str:
        where = f", mapped from {self.path}" if self.mapped else ""
        return f"U8Images(shape={self.shape}, {self.nbytes / 2**20:.1f} MiB uint8{where})"


def canonical(a: np.ndarray) -> np.ndarray:
    """``a`` C-contiguous with the strides a fresh array of its shape has, also on its
    length-1 axes (a view where it already is contiguous, else a copy).

    A view such as ``x[:, None]`` of an (N, H, W) array is contiguous yet has stride 1 on
    its channel axis; PyTorch then takes the batches cut from it for channels-last and
    runs different convolution kernels — the same values, different rounding (a conv's
    first-epoch loss moved in the 5th digit). The float32 path never saw this, because
    converting made a fresh array."""
    a = np.ascontiguousarray(a)
    want = tuple(int(np.prod(a.shape[i + 1:], dtype=np.int64)) * a.itemsize
                 for i in range(a.ndim))
    if a.strides == want:
        return a
    return np.lib.stride_tricks.as_strided(a, a.shape, want, writeable=a.flags.writeable)


def to_float(raw: np.ndarray) -> np.ndarray:
    """uint8 pixels (any shape) → float32 in [0, 1], ``pixel / 255`` exactly rounded."""
    out = raw.astype(np.float32)
    np.divide(out, np.float32(255.0), out=out)
    return out


def pick_rows(x: Any, rows: np.ndarray) -> Any:
    """``x[rows]`` keeping the storage: a :class:`U8Images` stays uint8."""
    return x.take(rows) if isinstance(x, U8Images) else x[rows]


@dataclass(frozen=True)
class FixedVal:
    """A validation split the source fixed: the last ``n`` rows of ``x_train``, held out
    as ``fraction`` of the training samples (``shards:``, whose splits are written at
    shard time so that validation reads its own shards)."""

    n: int
    fraction: float


@dataclass
class Dataset:
    """A loaded dataset with a fixed train/test split and its provenance.

    ``x_*`` layouts: ``image`` → ``(N, C, H, W)`` float32 in [0, 1] (a
    :class:`U8Images` for 8-bit sources, read as float32); ``vector`` →
    ``(N, D)`` float32; ``photos`` → a list of ``(C, H, W)`` float32 arrays in [0, 1]
    of varying size (``photos:`` folders: one :class:`U8Images` per photo, read as
    float32); ``sequence`` → ``(N, T, …)`` float32 (T frames or time steps).
    ``ids_train`` / ``ids_test`` optionally hold one row id (string) per sample.
    Labels are int64 or ``None``. ``checksums`` maps each file read
    to ``"ok"`` (matched a known digest) or ``"unverified"`` (no digest known), and
    ``fingerprint`` (16 hex chars) identifies the content so a run can record exactly
    what it was trained on. ``fixed_val`` (``shards:``) marks the last rows of
    ``x_train`` as a validation split the source fixed.
    """

    name: str
    kind: str
    x_train: np.ndarray | list[np.ndarray]
    y_train: np.ndarray | None
    x_test: np.ndarray | list[np.ndarray]
    y_test: np.ndarray | None
    classes: list[str] | None
    origin: str
    checksums: dict[str, str]
    fingerprint: str
    feature_names: list[str] | None = None
    notes: list[str] = field(default_factory=list)
    ids_train: np.ndarray | None = None  # row ids (e.g. csv:PATH?id=COL), one per sample
    ids_test: np.ndarray | None = None
    fixed_val: FixedVal | None = None  # None: runs hold validation out of x_train

    @property
    def input_shape(self) -> tuple[int, ...]:
        """Per-sample shape: ``(C, H, W)`` for images, ``(D,)`` for vectors.

        For ``photos`` (variable size) only the channel count is fixed, so this is
        ``(C,)``; cut fixed-size patches with :func:`aekit.data.patches.extract_patches`.
        """
        if self.kind == "photos":
            first = self.x_train[0] if len(self.x_train) else self.x_test[0]
            return (int(first.shape[0]),)
        return tuple(int(s) for s in np.shape(self.x_train)[1:])

    @property
    def n_train(self) -> int:
        """Number of training samples."""
        return len(self.x_train)

    @property
    def n_test(self) -> int:
        """Number of test samples."""
        return len(self.x_test)


def split_indices(n: int, test_fraction: float = TEST_FRACTION,
                  seed: int = SPLIT_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(train_idx, test_idx)`` for ``n`` samples by the documented seeded split.

    At least one test sample when ``n >= 2``; with ``n == 1`` the test split is empty.
    """
    if n < 1:
        raise DataError("the dataset has no samples")
    n_test = 0 if n < 2 else max(1, int(round(test_fraction * n)))
    n_test = min(n_test, n - 1) if n >= 2 else 0
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_test:]), np.sort(perm[:n_test])


def short_hash(parts: Iterable[str | bytes]) -> str:
    """16-hex-char sha256 over ``parts`` (each length-prefixed, so joins are unambiguous)."""
    h = hashlib.sha256()
    for part in parts:
        b = part.encode() if isinstance(part, str) else bytes(part)
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()[:16]


def array_digest(a: np.ndarray | None) -> str:
    """sha256 hex of an array's dtype, shape and bytes (``"none"`` for ``None``)."""
    if a is None:
        return "none"
    a = np.ascontiguousarray(a)
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def labels_or_none(y: np.ndarray | None, what: str) -> np.ndarray | None:
    """Validate labels as non-negative integers and return them as int64."""
    if y is None:
        return None
    y = np.asarray(y)
    if y.ndim != 1:
        raise DataError(f"{what}: labels must be one-dimensional, got shape {y.shape}")
    if y.dtype.kind not in "iub":
        if y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y)):
            y = y.astype(np.int64)
        else:
            raise DataError(f"{what}: labels must be integers, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.size and y.min() < 0:
        raise DataError(f"{what}: labels must be >= 0, found {int(y.min())}")
    return y
