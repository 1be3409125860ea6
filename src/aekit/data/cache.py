"""Prepared caches: a folder of images decoded once into one memory-mapped uint8 file.

A ``folder:`` source larger than ``data.memory_budget`` — or one prepared ahead with
``aekit data prepare SPEC`` — is decoded and resized once, by worker processes, into
``<cache>/prepared/<key>/images.npy`` (N, C, S, S) uint8, with ``meta.json`` beside it
(classes, labels, the per-file digests the dataset's fingerprint is made of, the rows of
the train and test splits, the skipped files). Loading it maps the file read-only
(:class:`~aekit.data.dataset.U8Images` with a ``path``): no image is decoded again, no
pixel is held in RAM beyond the batches being cut (the kernel's page cache keeps what
fits), and every split is a list of rows over the one file.

The key is computed *without decoding*: the folder's resolved path, the image size and
channels, and every file's relative path, size, modification time and class, so
touching, adding or removing a file gives a new cache (the old one of that folder at
that size is removed once the new one is complete). A cache is written in a hidden staging folder
and renamed into place only when complete: an interrupted or failed write leaves
nothing a later run would read.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from aekit.data.dataset import U8Images, short_hash
from aekit.data.fetch.cache import cache_dir
from aekit.errors import DataError
from aekit.log import LOG, Progress

CACHE_FORMAT = 1
IMAGES = "images.npy"
META = "meta.json"

#: decode(path, rel) -> (uint8 (C, S, S) or None, sha256 hex, reason when None)
Decoder = Callable[[str, str], tuple[np.ndarray | None, str, str]]


def prepared_root() -> Path:
    """Where prepared caches live: ``<aekit cache>/prepared`` (``$AEKIT_DATA`` moves it)."""
    return cache_dir() / "prepared"


@dataclass
class Listing:
    """The files of a folder source, in the order they are read, with their classes."""

    root: Path
    files: list[tuple[Path, int]]  # (path, class index or -1)
    classes: list[str]
    notes: list[str]

    def key(self, size: int, channels: int) -> str:
        """The cache key: folder, layout and every file's name, size, mtime and class."""
        parts = ["prepared", str(CACHE_FORMAT), str(self.root.resolve()), str(size),
                 str(channels)]
        for path, label in self.files:
            rel = path.relative_to(self.root).as_posix()
            try:
                st = path.stat()
                parts.append(f"{rel}:{st.st_size}:{st.st_mtime_ns}:{label}")
            except OSError:  # a dangling link, a file gone since listing: read as skipped
                parts.append(f"{rel}:missing:{label}")
        return short_hash(parts)


@dataclass
class Prepared:
    """A prepared cache, opened: the mapped images and what ``meta.json`` says."""

    path: Path  # the cache folder
    images: U8Images  # every file's row, mapped read-only (unreadable files: zero rows)
    meta: dict[str, Any]

    def split(self, name: str) -> U8Images:
        """The images of split ``name`` ("train" / "test"): rows over the mapped file."""
        return self.images.take(np.asarray(self.meta[name]["rows"], dtype=np.int64))

    @property
    def nbytes(self) -> int:
        """Size of the image file."""
        return int(self.images.nbytes)


def open_prepared(key: str) -> Prepared | None:
    """The complete cache ``key``, or None when there is none (or it is unreadable)."""
    where = prepared_root() / key
    try:
        meta = json.loads((where / META).read_text())
        if meta.get("format") != CACHE_FORMAT:
            return None
        store = np.load(where / IMAGES, mmap_mode="r")
    except (OSError, ValueError):
        return None
    return Prepared(path=where, images=U8Images(store, path=str(where / IMAGES)), meta=meta)


def _ignore_interrupts() -> None:
    """Decoding workers leave Ctrl-C to the parent, which stops them all at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _star(decode: Decoder, item: tuple[str, str]) -> tuple[np.ndarray | None, str, str]:
    return decode(*item)


def _decode_all(items: list[tuple[str, str]], decode: Decoder, workers: int
                ) -> Iterator[tuple[np.ndarray | None, str, str]]:
    """Decode ``items`` in order, in ``workers`` processes (in this one for 1). Stopped
    early — Ctrl-C, a full disk — the workers are terminated, not waited for."""
    if workers <= 1:
        for path, rel in items:
            yield decode(path, rel)
        return
    pool = multiprocessing.get_context().Pool(workers, initializer=_ignore_interrupts)
    try:
        yield from pool.imap(partial(_star, decode), items, chunksize=32)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def write_prepared(listing: Listing, key: str, shape: tuple[int, int, int],
                   decode: Decoder, split: Callable[[int], tuple[np.ndarray, np.ndarray]],
                   *, workers: int, spec: str) -> Prepared:
    """Decode every file of ``listing`` into a new cache ``key`` and open it.

    ``shape`` is one image's (C, S, S); ``split(n)`` gives the (train, test) positions
    among the ``n`` readable images. Rows are written as the workers finish them (the
    pixels never sit in RAM together); progress goes to the ``data`` topic. Raises
    :class:`DataError` when the disk has no room (checked, then reserved before
    decoding) or another write fails (after removing the partial cache), or when no file
    is readable. Staging folders of writers that died are removed first."""
    root = prepared_root()
    n = len(listing.files)
    need = n * int(np.prod(shape))
    try:
        root.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(root).free
    except OSError as exc:
        raise DataError(f"{spec}: cannot write the prepared cache in {root} "
                        f"({exc.strerror or exc}); set AEKIT_DATA to a writable folder"
                        ) from None
    if need > free:
        raise DataError(f"{spec}: the prepared cache needs {need / 1e9:,.2f} GB in {root}, "
                        f"which has {free / 1e9:,.2f} GB free; free space there or set "
                        f"AEKIT_DATA to a folder on a larger disk")
    remove_abandoned(root)
    stage = root / f".{key}.partial-{os.getpid()}"
    final = root / key
    try:
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir()
        store = np.lib.format.open_memmap(stage / IMAGES, mode="w+", dtype=np.uint8,
                                          shape=(n, *shape))
        _reserve(stage / IMAGES)  # a full disk fails here, not as SIGBUS mid-write
        items = [(str(p), p.relative_to(listing.root).as_posix()) for p, _ in listing.files]
        ok: list[int] = []
        parts: list[str] = []
        skipped: list[str] = []
        t0 = time.monotonic()
        with Progress("data", f"preparing {spec}", total=n, unit="images") as bar:
            for i, ((arr, digest, reason), (_, label)) in enumerate(
                    zip(_decode_all(items, decode, workers), listing.files, strict=True)):
                if arr is None:
                    skipped.append(f"{items[i][1]} ({reason})")
                else:
                    store[i] = arr
                    ok.append(i)
                    parts.append(f"{items[i][1]}:{digest}:{label}")
                bar.update()
        if not ok:
            raise DataError(f"{listing.root}: no readable images among {n} files")
        store.flush()
        del store
        rows = np.asarray(ok, dtype=np.int64)
        labels = np.asarray([listing.files[i][1] for i in ok], dtype=np.int64)
        tr, te = split(len(ok))
        meta = {"format": CACHE_FORMAT, "root": str(listing.root.resolve()),
                "shape": list(shape), "files": n, "parts": parts, "skipped": skipped,
                "classes": listing.classes, "notes": listing.notes,
                "seconds": round(time.monotonic() - t0, 1),
                "train": {"rows": rows[tr].tolist(), "labels": labels[tr].tolist()},
                "test": {"rows": rows[te].tolist(), "labels": labels[te].tolist()}}
        with open(stage / META, "w") as f:
            f.write(json.dumps(meta))
            f.flush()
            os.fsync(f.fileno())  # on disk before the rename makes the cache visible
        if final.exists() and open_prepared(key) is None:
            shutil.rmtree(final)  # an unreadable cache of this key (e.g. a lost meta.json)
        try:
            os.replace(stage, final)
        except OSError:  # another process completed the same cache first: use it
            shutil.rmtree(stage, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise DataError(f"{spec}: cannot write the prepared cache in {root} "
                        f"({exc.strerror or exc}); free space there or set AEKIT_DATA to "
                        f"a folder on a larger disk") from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _remove_older(listing.root, shape, key)
    opened = open_prepared(key)
    if opened is None:  # pragma: no cover - just written
        raise DataError(f"{spec}: the prepared cache {final} cannot be read back; remove "
                        f"that folder and run again")
    return opened


def _reserve(path: Path) -> None:
    """Allocate ``path``'s blocks now: a memory map of a sparse file that meets a full
    disk kills the process with SIGBUS instead of raising."""
    if hasattr(os, "posix_fallocate"):
        with open(path, "r+b") as f:
            os.posix_fallocate(f.fileno(), 0, os.fstat(f.fileno()).st_size)


def remove_abandoned(root: Path, pattern: str = ".*.partial-*") -> None:
    """Remove the staging folders (``pattern`` in ``root``) whose writer is gone (killed,
    out of memory)."""
    for stage in root.glob(pattern):
        try:
            os.kill(int(stage.name.rsplit("-", 1)[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(stage, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue  # not ours to judge: another user's, or a live process


def _remove_older(folder: Path, shape: tuple[int, int, int], key: str) -> None:
    """Remove the other complete caches of ``folder`` at this image shape: its files have
    changed since they were written (caches at other sizes or channels stay)."""
    want = str(folder.resolve())
    for other in prepared_root().iterdir():
        if other.name == key or other.name.startswith("."):
            continue
        try:
            meta = json.loads((other / META).read_text())
            if meta.get("root") == want and meta.get("shape") == list(shape):
                shutil.rmtree(other)
                LOG.info(f"removed the outdated prepared cache {other} of {folder}")
        except (OSError, ValueError):
            continue
