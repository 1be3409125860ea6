"""What ``aekit data list | info | fetch`` show and do (the CLI only prints these)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from aekit.config import MEMORY_BUDGET
from aekit.data.dataset import Dataset
from aekit.data.sources import check_layout, load_dataset, parse_spec
from aekit.errors import DataError
from aekit.registry import SOURCES

MAX_CLASSES_SHOWN = 50
MAX_FEATURES_SHOWN = 20


def list_sources() -> list[dict]:
    """One row per registered source: ``name`` (as written in a spec), ``description``, ``kind``."""
    rows = sorted(SOURCES.items(), key=lambda item: (item[1].takes_path, item[0]))
    return [{"name": f"{n}:PATH" if cls.takes_path else n, "description": cls.description,
             "kind": cls.kind} for n, cls in rows]


def _range(xs: np.ndarray | list[np.ndarray]) -> str:
    if isinstance(xs, list):
        if not xs:
            return "n/a"
        lo, hi = min(float(a.min()) for a in xs), max(float(a.max()) for a in xs)
    else:
        if xs.size == 0:
            return "n/a"
        lo, hi = float(xs.min()), float(xs.max())
    return f"{lo:.4g} .. {hi:.4g}"


def summarize(ds: Dataset) -> dict:
    """A JSON-able summary of a loaded dataset (what ``aekit data info`` prints)."""
    _, _, cls = parse_spec(ds.name)
    info: dict = {"name": ds.name, "description": cls.description, "kind": ds.kind,
                  "origin": ds.origin}
    if ds.kind == "photos":
        info["channels"] = ds.input_shape[0]
        info["train"] = f"{ds.n_train} photos: " + ", ".join(
            f"{a.shape[2]}x{a.shape[1]}" for a in ds.x_train)
        info["test"] = f"{ds.n_test} photos: " + ", ".join(
            f"{a.shape[2]}x{a.shape[1]}" for a in ds.x_test)
    else:
        info["input_shape"] = list(ds.input_shape)
        info["train"] = ds.n_train
        if ds.fixed_val is not None:  # shards: validation was fixed when written
            info["train"] = (f"{ds.n_train - ds.fixed_val.n} (+ {ds.fixed_val.n} validation, "
                             f"fixed: data.val_fraction={ds.fixed_val.fraction:g})")
        info["test"] = ds.n_test
    info["value_range"] = _range(ds.x_train)
    if ds.classes is None:
        info["classes"] = "none (unlabelled)"
    elif len(ds.classes) > MAX_CLASSES_SHOWN:
        info["classes"] = f"{len(ds.classes)} classes"
    else:
        n = len(ds.classes)
        tr = np.bincount(ds.y_train, minlength=n) if ds.y_train is not None else np.zeros(n)
        te = np.bincount(ds.y_test, minlength=n) if ds.y_test is not None else np.zeros(n)
        info["classes"] = {c: f"{int(tr[k])} train / {int(te[k])} test"
                           for k, c in enumerate(ds.classes)}
    if ds.feature_names is not None:
        names = ds.feature_names
        shown = ", ".join(names[:MAX_FEATURES_SHOWN])
        more = f", … (+{len(names) - MAX_FEATURES_SHOWN})" if len(names) > MAX_FEATURES_SHOWN \
            else ""
        info["features"] = f"{len(names)}: {shown}{more}"
    info["checksums"] = dict(ds.checksums)
    info["fingerprint"] = ds.fingerprint
    info["notes"] = "; ".join(ds.notes) if ds.notes else "none"
    return info


def describe(name: str) -> dict:
    """Load ``name`` (fetching it if needed) and summarise it; see :func:`summarize`."""
    return summarize(load_dataset(name))


def prepare(name: str, *, image_size: int | None = None, channels: int | None = None,
            workers: int | None = None) -> tuple[Any, bool]:
    """Decode ``name`` (a ``folder:PATH``) once into its memory-mapped prepared cache
    (:mod:`aekit.data.cache`); returns the opened cache and whether it was written now
    (False: it was already complete). Other sources are refused in one line."""
    src, arg, cls = parse_spec(name)
    if not getattr(cls, "preparable", False):
        why = ("keeps photos at their native sizes, which one array cannot hold"
               if cls.kind == "photos" else "loads without decoding image files")
        raise DataError(f"only folder:PATH can be prepared; {src} {why}")
    check_layout(image_size, channels)
    if workers is not None and workers < 1:
        raise DataError(f"--workers must be at least 1, not {workers}")
    return cls().prepare_spec(name.strip(), arg, image_size=image_size, channels=channels,
                              workers=workers)


def shard(name: str, out: str | Path, *, shard_size: int | None = None,
          val_fraction: float = 0.1, seed: int = 0, image_size: int | None = None,
          channels: int | None = None, memory_budget: str = MEMORY_BUDGET) -> dict:
    """Write the 8-bit image source ``name`` as WebDataset tar shards in the new folder
    ``out`` (:mod:`aekit.data.shards`), with its validation split fixed
    (``val_fraction``, ``seed``: as ``data.val_fraction`` and ``train.seed``); returns
    the meta.json written. Read them back with ``shards:OUT``."""
    from aekit.data.shards import write_shards

    src, _, _ = parse_spec(name)
    if src == "shards":
        raise DataError(f"{name} is sharded already; copy its folder to move it")
    ds = load_dataset(name, image_size=image_size, channels=channels,
                      memory_budget=memory_budget)
    return write_shards(ds, name.strip(), Path(out).expanduser(), shard_size=shard_size,
                        val_fraction=val_fraction, seed=seed)


def fetch(name: str, source_dir: str | None = None) -> Path:
    """Make sure ``name``'s files are in the cache, verified; return the cache folder.

    With ``source_dir`` only that local folder is used (raw or ``.gz`` files, or the
    official archive). Files already cached are re-checked and replaced if corrupt.
    """
    from aekit.data.fetch import ensure

    src, arg, cls = parse_spec(name)
    if cls.remote is None:
        if cls.takes_path:
            raise DataError(f"{src}:PATH is read in place from its path; there is nothing to "
                            "fetch (try `aekit data info` on it)")
        if source_dir is not None:
            raise DataError(f"{src} ships with its Python package; --from is not used")
        ds = load_dataset(name)
        return Path(ds.origin)
    if source_dir is not None and not Path(source_dir).expanduser().is_dir():
        raise DataError(f"{source_dir}: no such directory (given with --from)")
    return ensure(cls.remote, source_dir=source_dir, recheck=True)
