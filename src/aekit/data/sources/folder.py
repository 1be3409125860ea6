"""``folder:PATH``: a folder of image files, sub-folders as classes.

Walking the folder, decoding every file (in threads) and reporting the unreadable
ones is shared with ``photos:PATH`` (:mod:`aekit.data.sources.photos`), which keeps
the photos at native size instead of resizing them: it subclasses
:class:`FolderSource` and overrides :meth:`FolderSource.assemble`. Decoding a single
image is :mod:`aekit.data.images`.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import ClassVar

import numpy as np

from aekit.config import parse_size
from aekit.data.cache import Listing, Prepared, open_prepared, write_prepared
from aekit.data.dataset import Dataset, U8Images, short_hash, split_indices
from aekit.data.images import decode_pixels
from aekit.data.sources.base import DEFAULT_CHANNELS, DEFAULT_IMAGE_SIZE, Source
from aekit.errors import DataError
from aekit.log import LOG
from aekit.machine import physical_memory, usable_cores
from aekit.registry import register_source

MANY_FILES = 2000  # from this many files on, reading reports its progress


def _hidden(name: str) -> bool:
    return name.startswith(".")


def _walk_files(top: Path) -> list[Path]:
    """Non-hidden files under ``top`` (recursively, hidden folders skipped), sorted."""
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
        out.extend(Path(dirpath) / f for f in filenames if not _hidden(f))
    return sorted(out)


def _shorten(names: list[str], limit: int = 20) -> str:
    return ", ".join(names[:limit]) + (f" … and {len(names) - limit} more"
                                       if len(names) > limit else "")


def list_folder(root: Path) -> Listing:
    """The files a folder source reads, with their classes (sub-folders) and notes.

    Files directly in ``root`` are used only when there are no class sub-folders."""
    if not root.exists():
        raise DataError(f"{root}: no such directory")
    if not root.is_dir():
        raise DataError(f"{root}: not a directory (folder: needs a folder of images; "
                        "use npy:, npz: or csv: for data files)")
    notes: list[str] = []
    entries = sorted(root.iterdir())
    subdirs = [d for d in entries if d.is_dir() and not _hidden(d.name)]
    top = [f for f in entries if f.is_file() and not _hidden(f.name)]
    per_class = {d.name: _walk_files(d) for d in subdirs}
    empty = [c for c, fs in per_class.items() if not fs]
    classes = [c for c, fs in per_class.items() if fs]
    files: list[tuple[Path, int]] = []
    if classes:
        if empty:
            notes.append(f"ignored empty sub-folders: {', '.join(empty)}")
        if top:
            notes.append(f"not used: {len(top)} files directly in {root} (class "
                         f"sub-folders exist): {_shorten([f.name for f in top])}")
        for k, c in enumerate(classes):
            files.extend((f, k) for f in per_class[c])
    else:
        files = [(f, -1) for f in top]
    if not files:
        raise DataError(f"{root}: no files found (hidden files are ignored); put images in "
                        "it or in one sub-folder per class")
    return Listing(root=root, files=files, classes=classes, notes=notes)


def read_image(path: str, rel: str, *, channels: int, size: int | None
               ) -> tuple[np.ndarray | None, str, str]:
    """One file as uint8 (C, H, W) — resized to ``size`` square unless None — with its
    sha256; or None and the reason it cannot be read. Module level, so that worker
    processes can run it."""
    try:
        data = Path(path).read_bytes()
        arr = decode_pixels(data, rel, channels=channels,
                            size=None if size is None else (size, size))
        return arr, hashlib.sha256(data).hexdigest(), ""
    except DataError as exc:
        return None, "", str(exc).removeprefix(f"{rel}: ").split(";")[0]
    except OSError as exc:
        return None, "", f"cannot read ({exc.strerror or exc})"


def _say_skipped(root: Path, skipped: list[str], notes: list[str]) -> None:
    if skipped:
        notes.append(f"skipped {len(skipped)} unreadable files: {', '.join(skipped)}")
        LOG.warning(f"{root}: skipped {len(skipped)} unreadable files: {_shorten(skipped)}")


@dataclass
class FolderImages:
    """The readable images of a folder, in sorted file order, before splitting.

    ``labels`` hold the class index per image (-1 without class sub-folders);
    ``parts`` hold ``relative/path:sha256:label`` per image (for fingerprints and ids).
    """

    root: Path
    images: list[np.ndarray] | U8Images  # photos: a list; resized images: one array
    labels: list[int]
    classes: list[str]
    parts: list[str]
    notes: list[str]


@register_source("folder")
class FolderSource(Source):
    """A folder of images; its immediate sub-folders are the classes.

    Layout: ``PATH/<class>/**/image`` → labelled (classes = sorted sub-folder names);
    only files directly in ``PATH`` → unlabelled (``y = None``). When class sub-folders
    exist, files directly in ``PATH`` are not used (and are named in ``notes``). Hidden
    files and folders (``.name``) are ignored. Every other file is decoded; files that
    cannot be read as images (corrupt, truncated, text, …) are skipped, counted and
    named on stderr and in ``notes``. Images are resized to ``image_size`` square
    (default 64, Lanczos, no crop) with ``channels`` (default 3 = RGB). Split: seeded
    80/20 permutation of the sorted readable files (at least 1 test image if >= 2).
    """

    description = "a folder of images, sub-folders = classes (resized, default 64x64 RGB)"
    takes_path = True
    preparable: ClassVar[bool] = True  # `aekit data prepare` can decode it into a cache
    native: ClassVar[bool] = False  # keep native sizes (photos:) instead of resizing

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        """List the files under ``arg``; read them from a prepared cache when there is
        one (or when they would exceed ``data.memory_budget``: then prepare it), else
        decode them into memory and hand them to :meth:`assemble`."""
        size = DEFAULT_IMAGE_SIZE if image_size is None else int(image_size)
        channels = DEFAULT_CHANNELS if channels is None else channels
        if self.native and image_size is not None:
            raise DataError(f"{spec} keeps photos at their native size; remove "
                            "data.image_size (or use folder: to resize)")
        if size < 1:
            raise DataError(f"image_size must be a positive number of pixels, not {size}")
        listing = list_folder(Path(arg or "").expanduser())
        if not self.native:
            streamed = self._streamed(spec, listing, size, channels)
            if streamed is not None:
                return streamed
        files, root = listing.files, listing.root
        if len(files) > MANY_FILES:
            LOG.info(f"reading {len(files)} files from {root}")
        read = partial(read_image, channels=channels, size=None if self.native else size)
        t0 = time.monotonic()
        # resized images go straight into one array (no list of them, then a stacked
        # copy): the pixels are held once while decoding; native photos stay a list
        store = None if self.native else np.zeros((len(files), channels, size, size),
                                                   dtype=np.uint8)
        images: list[np.ndarray] = []
        kept: list[int] = []
        labels, parts, skipped = [], [], []
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = pool.map(read, [str(p) for p, _ in files],
                               [p.relative_to(root).as_posix() for p, _ in files])
            for i, ((path, k), (arr, digest, reason)) in enumerate(
                    zip(files, results, strict=True)):
                rel = path.relative_to(root).as_posix()
                if arr is None:
                    skipped.append(f"{rel} ({reason})")
                    continue
                if store is None:
                    images.append(arr)
                else:
                    store[i] = arr
                kept.append(i)
                labels.append(k)
                parts.append(f"{rel}:{digest}:{k}")
        if not kept:
            raise DataError(f"{root}: no readable images among {len(files)} files "
                            f"(skipped: {_shorten(skipped, 5)})")
        notes = listing.notes
        _say_skipped(root, skipped, notes)
        if len(files) > MANY_FILES:
            LOG.info(f"read {len(kept)} images in {time.monotonic() - t0:.1f} s")
        found = FolderImages(root=root, images=images if store is None else
                             U8Images(store, rows=np.asarray(kept)), labels=labels,
                             classes=listing.classes, parts=parts, notes=notes)
        return self.assemble(spec, found, size=size, channels=channels)

    def _streamed(self, spec: str, listing: Listing, size: int, channels: int
                  ) -> Dataset | None:
        """The dataset read from its prepared cache — opened when one exists, written
        first when the decoded images would not fit ``self.memory_budget`` — or None
        (decode into memory)."""
        key = listing.key(size, channels)
        prepared = open_prepared(key)
        if prepared is not None:
            LOG.info(f"{spec}: reading the prepared cache {prepared.path} (no decoding)")
            return self._from_prepared(spec, prepared, size, channels)
        need = len(listing.files) * channels * size * size
        # a machine that does not say its RAM: a share of it means no limit
        budget = parse_size(self.memory_budget, physical_memory() or math.inf)
        if need <= budget:
            return None
        LOG.info(f"{spec}: {len(listing.files):,} images of {channels}×{size}×{size} take "
                 f"{need / 1e6:,.0f} MB decoded, over data.memory_budget "
                 f"({self.memory_budget} = {budget / 1e6:,.0f} MB): decoding them once into "
                 f"a prepared cache and streaming batches from it")
        return self._from_prepared(spec, self.prepare(spec, listing, key, size, channels),
                                   size, channels)

    def prepare(self, spec: str, listing: Listing, key: str, size: int, channels: int,
                workers: int | None = None) -> Prepared:
        """Decode every file of ``listing`` into the prepared cache ``key``, in
        ``workers`` processes (default: the usable cores), and open it."""
        read = partial(read_image, channels=channels, size=size)
        return write_prepared(listing, key, (channels, size, size), read, split_indices,
                              spec=spec, workers=usable_cores() if workers is None else workers)

    def prepare_spec(self, spec: str, arg: str | None, *, image_size: int | None,
                     channels: int | None, workers: int | None = None
                     ) -> tuple[Prepared, bool]:
        """The prepared cache of this folder at this size and channels — written now
        (True) or found complete (False)."""
        size = DEFAULT_IMAGE_SIZE if image_size is None else int(image_size)
        channels = DEFAULT_CHANNELS if channels is None else channels
        listing = list_folder(Path(arg or "").expanduser())
        key = listing.key(size, channels)
        found = open_prepared(key)
        if found is not None:
            return found, False
        return self.prepare(spec, listing, key, size, channels, workers), True

    def _from_prepared(self, spec: str, prepared: Prepared, size: int,
                       channels: int) -> Dataset:
        meta = prepared.meta
        notes = [*meta["notes"], f"streamed from the prepared cache {prepared.path}"]
        _say_skipped(Path(meta["root"]), meta["skipped"], notes)
        labelled = bool(meta["classes"])
        ys = {s: np.asarray(meta[s]["labels"], dtype=np.int64) if labelled else None
              for s in ("train", "test")}
        return _folder_dataset(spec, Path(meta["root"]), (prepared.split("train"),
                               ys["train"]), (prepared.split("test"), ys["test"]),
                               meta["classes"], meta["parts"], size, channels, notes)

    def assemble(self, spec: str, found: FolderImages, *, size: int,
                 channels: int) -> Dataset:
        """Stack the (resized) images, label them by class folder, split 80/20 (seeded)."""
        notes = found.notes
        x = found.images  # (n, c, size, size) uint8 (U8Images), read as float
        assert isinstance(x, U8Images)  # load decodes resized images into one store
        y = np.array(found.labels, dtype=np.int64) if found.classes else None
        tr, te = split_indices(len(x))
        if len(te) == 0:
            notes.append("only 1 image: the test split is empty")
        return _folder_dataset(spec, found.root,
                               (x.take(tr), None if y is None else y[tr]),
                               (x.take(te), None if y is None else y[te]),
                               found.classes, found.parts, size, channels, notes)


def _folder_dataset(spec: str, root: Path, train: tuple[U8Images, np.ndarray | None],
                    test: tuple[U8Images, np.ndarray | None], classes: list[str],
                    parts: list[str], size: int, channels: int, notes: list[str]
                    ) -> Dataset:
    """The Dataset of a folder, decoded in RAM or read from its prepared cache: one
    builder, so both give the same fingerprint, checksums and origin."""
    return Dataset(name=spec, kind="image", x_train=train[0], y_train=train[1],
                   x_test=test[0], y_test=test[1], classes=classes or None,
                   origin=str(root.resolve()),
                   checksums={f"{root.name or root}/ ({len(parts)} images)": "unverified"},
                   fingerprint=short_hash(["folder", str(size), str(channels), *parts]),
                   notes=notes)
