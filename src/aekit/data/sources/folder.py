"""``folder:PATH``: a folder of image files, sub-folders as classes.

Walking the folder, decoding every file (in threads) and reporting the unreadable
ones is shared with ``photos:PATH`` (:mod:`aekit.data.sources.photos`), which keeps
the photos at native size instead of resizing them: it subclasses
:class:`FolderSource` and overrides :meth:`FolderSource.assemble`. Decoding a single
image is :mod:`aekit.data.images`.
"""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from aekit.data.dataset import Dataset, U8Images, short_hash, split_indices
from aekit.data.images import decode_pixels
from aekit.data.sources.base import DEFAULT_CHANNELS, DEFAULT_IMAGE_SIZE, Source
from aekit.errors import DataError
from aekit.log import LOG
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


@dataclass
class FolderImages:
    """The readable images of a folder, in sorted file order, before splitting.

    ``labels`` hold the class index per image (-1 without class sub-folders);
    ``parts`` hold ``relative/path:sha256:label`` per image (for fingerprints and ids).
    """

    root: Path
    images: list[np.ndarray]
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
    native: ClassVar[bool] = False  # keep native sizes (photos:) instead of resizing

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        """Read every image under ``arg`` and hand them to :meth:`assemble`."""
        size = DEFAULT_IMAGE_SIZE if image_size is None else int(image_size)
        channels = DEFAULT_CHANNELS if channels is None else channels
        if self.native and image_size is not None:
            raise DataError(f"{spec} keeps photos at their native size; remove "
                            "data.image_size (or use folder: to resize)")
        if size < 1:
            raise DataError(f"image_size must be a positive number of pixels, not {size}")
        root = Path(arg or "").expanduser()
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
        if len(files) > MANY_FILES:
            LOG.info(f"reading {len(files)} files from {root}")

        def read(item: tuple[Path, int]) -> tuple[np.ndarray | None, str, str]:
            path, _ = item
            rel = path.relative_to(root).as_posix()
            try:
                data = path.read_bytes()
                arr = decode_pixels(data, rel, channels=channels,
                                    size=None if self.native else (size, size))
                return arr, hashlib.sha256(data).hexdigest(), ""
            except DataError as exc:
                reason = str(exc).removeprefix(f"{rel}: ").split(";")[0]
                return None, "", reason
            except OSError as exc:
                return None, "", f"cannot read ({exc.strerror or exc})"

        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(read, files))
        images, labels, parts, skipped = [], [], [], []
        for (path, k), (arr, digest, reason) in zip(files, results, strict=True):
            rel = path.relative_to(root).as_posix()
            if arr is None:
                skipped.append(f"{rel} ({reason})")
                continue
            images.append(arr)
            labels.append(k)
            parts.append(f"{rel}:{digest}:{k}")
        if not images:
            raise DataError(f"{root}: no readable images among {len(files)} files "
                            f"(skipped: {_shorten(skipped, 5)})")
        if skipped:
            notes.append(f"skipped {len(skipped)} unreadable files: {', '.join(skipped)}")
            LOG.warning(f"{root}: skipped {len(skipped)} unreadable files: {_shorten(skipped)}")
        if len(files) > MANY_FILES:
            LOG.info(f"read {len(images)} images in {time.monotonic() - t0:.1f} s")
        found = FolderImages(root=root, images=images, labels=labels, classes=classes,
                             parts=parts, notes=notes)
        return self.assemble(spec, found, size=size, channels=channels)

    def assemble(self, spec: str, found: FolderImages, *, size: int,
                 channels: int) -> Dataset:
        """Stack the (resized) images, label them by class folder, split 80/20 (seeded)."""
        notes = found.notes
        x = U8Images(np.stack(found.images))  # (n, c, size, size) uint8, read as float
        y = np.array(found.labels, dtype=np.int64) if found.classes else None
        tr, te = split_indices(len(x))
        if len(te) == 0:
            notes.append("only 1 image: the test split is empty")
        root = found.root
        return Dataset(name=spec, kind="image", x_train=x.take(tr),
                       y_train=None if y is None else y[tr], x_test=x.take(te),
                       y_test=None if y is None else y[te],
                       classes=found.classes or None, origin=str(root.resolve()),
                       checksums={f"{root.name or root}/ ({len(x)} images)": "unverified"},
                       fingerprint=short_hash(["folder", str(size), str(channels),
                                               *found.parts]),
                       notes=notes)
