"""The registered data sources and :func:`load_dataset`.

Specs: a registered name (``mnist``, ``fashion-mnist``, ``cifar10``,
``natural-images``, ``mate-photos``, ``moving-mnist[?OPTIONS]``) or ``folder:PATH``,
``photos:PATH``, ``npy:PATH``, ``npz:PATH``, ``csv:PATH[?label=COL]``, ``shards:DIR``.
Each source is a :class:`~aekit.data.sources.base.Source` subclass registered with
``@register_source(name)``; it has a ``description``, a ``kind`` and a ``load``
method, plus ``remote`` (a :class:`~aekit.data.fetch.RemoteSpec`) when its files can
be fetched.

One module per source (or family of sources), holding its remote spec -- URLs, file
names, digests -- beside the loader that reads those files:

* :mod:`.mnist`: ``mnist``, ``fashion-mnist`` (IDX files);
* :mod:`.cifar10`: ``cifar10`` (the official pickle batches);
* :mod:`.photos`: ``natural-images``, ``mate-photos``, ``photos:PATH``;
* :mod:`.folder`: ``folder:PATH``;
* :mod:`.arrays`: ``npy:PATH``, ``npz:PATH``;
* :mod:`.csv`: ``csv:PATH`` (tables, windows, sequences);
* :mod:`.shards`: ``shards:DIR`` (WebDataset tar shards, :mod:`aekit.data.shards`);
* :mod:`.moving_mnist`: ``moving-mnist`` (generated from MNIST).

File *formats* are read by modules one level up (:mod:`aekit.data.idx`,
:mod:`aekit.data.cifar`, :mod:`aekit.data.images`, :mod:`aekit.data.tabular`,
:mod:`aekit.data.timeseries`, :mod:`aekit.data.moving_mnist`): they know nothing of
specs, caches or the registry, and are used on their own (tests write fixtures with
them). Adding a source is one module here, imported below, and nothing else.

Splits: MNIST, Fashion-MNIST and CIFAR-10 use their official train/test files;
``natural-images`` holds out a fixed list of photos (``NATURAL_TEST``); every other
source uses the seeded 80/20 permutation of :mod:`aekit.data.dataset` (time-series
windows: chronological, see :mod:`aekit.data.timeseries`).
"""

from __future__ import annotations

from pathlib import Path

from aekit.config import MEMORY_BUDGET
from aekit.data.dataset import Dataset
from aekit.data.sources import (  # noqa: F401 - imported to register their sources
    arrays,
    cifar10,
    csv,
    folder,
    mnist,
    moving_mnist,
    photos,
    shards,
)
from aekit.data.sources.base import Source
from aekit.errors import DataError
from aekit.registry import SOURCES

__all__ = ["Source", "load_dataset", "parse_spec", "spec_names"]


def spec_names() -> list[str]:
    """How each registered source is written in a spec (``folder:PATH`` for path sources).

    Plain names first, then path sources, then generated sources that take options
    (``moving-mnist[?OPTIONS]``).
    """
    rows = sorted(SOURCES.items(), key=lambda item: (item[1].takes_options,
                                                     item[1].takes_path, item[0]))
    return [f"{n}:PATH" if cls.takes_path else f"{n}[?OPTIONS]" if cls.takes_options else n
            for n, cls in rows]


def parse_spec(spec: str) -> tuple[str, str | None, type[Source]]:
    """Split ``spec`` into ``(name, path-or-None, source class)``; DataError if unknown."""
    if not isinstance(spec, str) or not spec.strip():
        raise DataError(f"empty data spec; choose one of: {', '.join(spec_names())}")
    spec = spec.strip()
    name, sep, arg = spec.partition(":")
    query = None
    if not sep and "?" in name:  # options without a path: name?key=value&…
        name, _, query = name.partition("?")
    if name not in SOURCES:
        hint = ""
        p = Path(spec).expanduser()
        if p.is_dir():
            hint = f" (for a folder of images write folder:{spec})"
        elif p.suffix.lower() in (".csv", ".npy", ".npz"):
            hint = f" (for a data file write {p.suffix.lower()[1:]}:{spec})"
        raise DataError(f"unknown data source {spec!r}{hint}; choose one of: "
                        f"{', '.join(spec_names())}")
    cls = SOURCES.get(name)
    if cls.takes_path and not (sep and arg):
        raise DataError(f"{name} needs a path: {name}:PATH")
    if not cls.takes_path and sep:
        raise DataError(f"{name} takes no path; write just {name!r} (use aekit data fetch "
                        f"{name} --from DIR to load it from a folder)")
    if query is not None:
        if not cls.takes_options:
            raise DataError(f"{name} takes no options; write just {name!r}")
        return name, query, cls
    return name, (arg if sep else None), cls


def check_layout(image_size: int | None, channels: int | None) -> None:
    """Refuse, in one line, an ``image_size`` below 1 or ``channels`` other than 1 / 3."""
    if channels not in (None, 1, 3):
        raise DataError(f"channels must be 1 (grayscale) or 3 (RGB), not {channels}")
    if image_size is not None and int(image_size) < 1:
        raise DataError(f"image_size must be a positive number of pixels, not {image_size}")


def load_dataset(spec: str, *, image_size: int | None = None,
                 channels: int | None = None, memory_budget: str = MEMORY_BUDGET
                 ) -> Dataset:
    """Load the dataset named by ``spec`` with its fixed train/test split.

    ``spec``: ``mnist``, ``fashion-mnist``, ``cifar10``, ``natural-images``,
    ``folder:PATH``, ``npy:PATH``, ``npz:PATH`` or ``csv:PATH[?label=COL]``. Missing
    fetchable datasets are fetched into the cache first (progress on the ``aekit``
    logger, see :mod:`aekit.log`).
    ``image_size`` (square side) and ``channels`` (1 or 3) resize / convert image data;
    ``None`` keeps each source's native or default layout (folder: 64 px, RGB).
    ``memory_budget`` (``data.memory_budget``): a ``folder:`` whose decoded images
    would take more is streamed from a memory-mapped prepared cache
    (:mod:`aekit.data.cache`); a folder already prepared is always read from its cache.
    Raises :class:`DataError` with one line for anything the user can fix.
    """
    check_layout(image_size, channels)
    _, arg, cls = parse_spec(spec)
    return cls(memory_budget).load(spec.strip(), arg, image_size=image_size,
                                   channels=channels)
