"""The :class:`Source` every data source subclasses, and the helpers several share.

Kept apart from the package ``__init__`` so that each source module can import it
while :mod:`aekit.data.sources` is still registering them.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np

from aekit.config import MEMORY_BUDGET
from aekit.data.dataset import Dataset, U8Images, short_hash
from aekit.data.fetch import RemoteSpec, sha256_file

DEFAULT_IMAGE_SIZE = 64  # folder: images are resized to this square side unless told
DEFAULT_CHANNELS = 3  # image sources give RGB unless told (1 = ITU-R 601 luma)


class Source:
    """Base of every data source: what it is, and how to load it into a :class:`Dataset`."""

    description: ClassVar[str] = ""
    kind: ClassVar[str] = "image"
    takes_path: ClassVar[bool] = False
    takes_options: ClassVar[bool] = False  # accepts ``name?key=value&…`` (no path)
    remote: ClassVar[RemoteSpec | None] = None

    def __init__(self, memory_budget: str = MEMORY_BUDGET) -> None:
        # data.memory_budget: a source that can stream (folder:) streams above it
        self.memory_budget = memory_budget

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:  # pragma: no cover - abstract
        """Load the dataset named by ``spec`` (``arg`` is the part after ``name:``)."""
        raise NotImplementedError


def u8_images(x: np.ndarray) -> U8Images:
    """uint8 ``(N, C, H, W)`` kept as uint8, read as float32 in [0, 1] (:class:`U8Images`)."""
    return U8Images(np.ascontiguousarray(x))


def file_fingerprint(path: Path, extra: str = "") -> str:
    """Fingerprint of a data file read in place: its suffix, sha256 and ``extra``."""
    return short_hash([path.suffix, sha256_file(path), extra])
