"""How a fetchable dataset is described: its files, digests, archive and retrievers.

A :class:`RemoteSpec` is plain data. The concrete specs (URLs, file names, sha256
digests) live beside the loader that reads those files, in
:mod:`aekit.data.sources` (e.g. ``sources/mnist.py`` holds ``MNIST``); the fetch
machinery only knows this shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aekit.data.fetch.cache import cache_dir, env_var

if TYPE_CHECKING:  # retrievers import Archive from here
    from aekit.data.fetch.retrievers import FetchSource


@dataclass(frozen=True)
class FileSpec:
    """One file of a dataset, by its cached (decompressed) name and sha256 (if known)."""

    name: str
    sha256: str | None = None


@dataclass(frozen=True)
class Archive:
    """An official archive that holds the files under ``prefix`` (e.g. CIFAR's tar.gz)."""

    filename: str
    url: str
    md5: str
    prefix: str


@dataclass(frozen=True)
class RemoteSpec:
    """Everything needed to fetch one dataset: its files and where they can come from."""

    name: str
    files: tuple[FileSpec, ...]
    sources: Callable[[], list[FetchSource]] = field(default=lambda: [])
    archive: Archive | None = None
    manual: str = ""  # extra words for the "place the files by hand" message

    def hint(self) -> str:
        """How to place the files by hand (last part of the failure message)."""
        names = ", ".join(f.name for f in self.files)
        what = self.manual or f"put {names} (raw or .gz) in a directory DIR"
        return (f"To install by hand: {what}, then run `aekit data fetch {self.name} --from DIR` "
                f"(or set {env_var(self.name)}=DIR); files are cached in "
                f"{cache_dir() / self.name}")
