"""Train / validation / test tensors for a run, from a :class:`~aekit.data.Dataset`.

Validation is held out from the *training* split (a seeded permutation, fraction
``data.val_fraction``); the official test split is used only for final evaluation.
A source may fix its validation split itself (``Dataset.fixed_val``: ``shards:``, whose
splits are written at shard time); ``data.val_fraction`` must then match it.
``data.train_classes`` keeps only those labels in train/val (the one-class anomaly
protocol); ``data.limit`` then keeps the first N training samples (before the
validation split) for quick runs; the test split is never filtered or shortened here
(``aekit evaluate --limit`` shortens it).

Photos (``natural-images``, ``photos:DIR``; variable sizes) are split *by photo*: a
seeded ``val_fraction`` of the training photos (at least one; at least two when there
are :data:`MIN_PHOTOS_FOR_TWO_VAL` or more) is held out whole for
validation (larger photos are cut to their most detailed :data:`VAL_MAX_SIDE`-pixel
window, which bounds the cost of validating every epoch without keeping only a flat
middle), ``data.patches`` random ``data.patch_size`` patches, each randomly flipped or
rotated by 90°, are cut from the remaining photos, from every photo of the
``data.extra_photos`` sources (e.g. ``mate-photos``), and from copies of all of these
downscaled by each factor in ``data.photo_scales`` (seeded, see
:mod:`aekit.data.patches`); the test photos stay whole. No patch ever comes from a
validation or test photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from aekit.config import DataConfig
from aekit.data.dataset import U8Images, array_digest, pick_rows
from aekit.errors import ConfigError, DataError

if TYPE_CHECKING:
    from aekit.data.dataset import Dataset

VAL_MAX_SIDE = 384  # validation photos are cut to at most this many pixels a side
MIN_PHOTOS_FOR_TWO_VAL = 8  # from this many training photos on, hold out at least two


@dataclass
class Splits:
    """Arrays of one run: train / val / test samples and labels (labels may be None).

    ``x_*`` of 8-bit image data are :class:`~aekit.data.dataset.U8Images` (uint8 storage,
    read as float32 in [0, 1]), as the dataset's were."""

    x_train: np.ndarray
    y_train: np.ndarray | None
    x_val: np.ndarray | list[np.ndarray]  # photos: a list of (c, h, w) of varying size
    y_val: np.ndarray | None
    x_test: np.ndarray | list[np.ndarray]
    y_test: np.ndarray | None
    dataset: Dataset  # (classes, origin, fingerprint, …)
    train_rows: np.ndarray | None = None  # row of each training sample in dataset.x_train
    val_rows: np.ndarray | None = None  # row of each validation sample in dataset.x_train
    val_names: list[str] | None = None  # photos: names of the validation / test photos
    test_names: list[str] | None = None
    # photos: {spec: fingerprint} of the data.extra_photos sources (provenance)
    extra_fingerprints: dict[str, str] | None = None

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def stored_images(x: Any) -> Any:
    """``x`` as the splits store it: a :class:`~aekit.data.dataset.U8Images` as it is,
    anything else as a float32 ndarray."""
    return x if isinstance(x, U8Images) else np.asarray(x, dtype=np.float32)


def load_dataset_for(cfg: DataConfig) -> Dataset:
    """Load the dataset named in ``cfg``."""
    from aekit.data import load_dataset

    return load_dataset(cfg.source, image_size=cfg.image_size, channels=cfg.channels,
                        memory_budget=cfg.memory_budget)


def sample_shape(cfg: DataConfig, ds: Dataset) -> tuple[int, ...]:
    """Shape of one training sample: a patch ``(c, p, p)`` for photos, else the data's."""
    if ds.kind == "photos":
        return (ds.input_shape[0], cfg.patch_size, cfg.patch_size)
    return tuple(ds.input_shape)


def _names(ids: Any, n: int, prefix: str) -> list[str]:
    return [str(v) for v in ids] if ids is not None else [f"{prefix}{i}" for i in range(n)]


def detail_crop(img: np.ndarray, side: int) -> np.ndarray:
    """(c, h, w) → its (c, ≤side, ≤side) window with the most detail (mean gradient)."""
    from aekit.data.colour import detail_window

    top, left = detail_window(img, side)
    return img[..., top:top + side, left:left + side]


def hold_out(n: int, fraction: float, seed: int, at_least: int, too_few: str
             ) -> tuple[np.ndarray, np.ndarray]:
    """Sorted (train, validation) indices: a seeded ``fraction`` of ``n`` (at least
    ``at_least`` when the fraction is > 0) is held out; ``too_few`` if nothing is left."""
    n_val = max(at_least, int(round(n * fraction))) if fraction > 0 else 0
    if n - n_val < 1:
        raise DataError(too_few)
    perm = np.random.default_rng(seed).permutation(n)
    return np.sort(perm[n_val:]), np.sort(perm[:n_val])


def _downscaled(photos: list[np.ndarray], factor: float, min_side: int) -> list[np.ndarray]:
    """Photos resized by ``factor`` (anti-aliased bicubic); ones that become smaller than
    ``min_side`` are left out."""
    import torch
    import torch.nn.functional as F

    out = []
    for im in photos:
        h, w = round(im.shape[1] * factor), round(im.shape[2] * factor)
        if min(h, w) >= min_side:
            t = F.interpolate(torch.from_numpy(np.asarray(im, dtype=np.float32))[None],
                              size=(h, w), mode="bicubic",
                              antialias=True, align_corners=False)
            out.append(t[0].clamp_(0, 1).numpy())
    return out


def _extra_sources(cfg: DataConfig, ds: Dataset) -> list[Any]:
    """Load and check every ``data.extra_photos`` source (a Dataset each).

    A main dataset that is not photos, an extra source that is not photos, or one that
    holds any of the main dataset's test photos (pixel-identical) is refused: the last
    would train on the photos the scores are reported on.
    """
    if not cfg.extra_photos:
        return []
    if ds.kind != "photos":
        raise ConfigError(f"data.extra_photos adds training photos to a photo dataset "
                          f"(natural-images, photos:DIR); {cfg.source} is not one")
    from aekit.data import load_dataset

    channels = int(ds.x_train[0].shape[0])
    test = {array_digest(im) for im in ds.x_test}
    out = []
    for spec in cfg.extra_photos:
        extra = load_dataset(spec, channels=channels)
        if extra.kind != "photos":
            raise ConfigError(f"data.extra_photos: {spec} is not a photo dataset (use "
                              f"mate-photos or photos:DIR)")
        if any(array_digest(im) in test for im in [*extra.x_train, *extra.x_test]):
            raise ConfigError(f"data.extra_photos: {spec} contains a test photo of "
                              f"{cfg.source}; training on it would inflate the scores")
        out.append(extra)
    return out


def _photo_splits(cfg: DataConfig, ds: Dataset, seed: int) -> Splits:
    from aekit.data.patches import extract_patches

    photos = list(ds.x_train)
    names = _names(ds.ids_train, len(photos), "train")
    n = len(photos)
    # one photo is too noisy a signal to pick epochs: two from MIN_PHOTOS_FOR_TWO_VAL on
    tr, va = hold_out(n, cfg.val_fraction, seed, 2 if n >= MIN_PHOTOS_FOR_TWO_VAL else 1,
                       f"{cfg.source}: only {n} training photo(s); need at least 2 to hold one "
                       f"out for validation (add photos or set data.val_fraction=0)")
    count = cfg.patches if cfg.limit is None else min(cfg.patches, cfg.limit)
    sources = [photos[i] for i in tr]
    extras = _extra_sources(cfg, ds)  # training patches only
    sources += [im for extra in extras for im in [*extra.x_train, *extra.x_test]]
    sources += [im for f in cfg.photo_scales for im in _downscaled(sources, f, cfg.patch_size)]
    x_train = extract_patches(sources, cfg.patch_size, count, seed, augment=True)
    return Splits(
        x_train=x_train, y_train=None,
        x_val=[np.ascontiguousarray(detail_crop(np.asarray(photos[i], dtype=np.float32),
                                                VAL_MAX_SIDE)) for i in va],
        y_val=None, x_test=[np.asarray(im, dtype=np.float32) for im in ds.x_test],
        y_test=None, dataset=ds,
        val_names=[names[i] for i in va],
        test_names=_names(ds.ids_test, len(ds.x_test), "test"),
        extra_fingerprints={spec: e.fingerprint
                            for spec, e in zip(cfg.extra_photos, extras, strict=True)} or None)


def _keep_classes(cfg: DataConfig, y: np.ndarray | None) -> np.ndarray | None:
    """The mask of training samples whose label is in ``data.train_classes`` (None: all
    kept); one line when there are no labels or no such samples."""
    if cfg.train_classes is None:
        return None
    if y is None:
        raise DataError(f"{cfg.source} has no labels, so data.train_classes cannot pick "
                        f"classes; remove data.train_classes or use labelled data")
    keep = np.isin(y, np.asarray(cfg.train_classes))
    if not keep.any():
        raise DataError(f"{cfg.source}: no training samples with labels "
                        f"{cfg.train_classes} (labels present: {sorted(set(y.tolist()))})")
    return keep


def _fixed_splits(cfg: DataConfig, ds: Dataset, x: Any, y: np.ndarray | None) -> Splits:
    """Splits of a source whose validation split is fixed (``ds.fixed_val``: the last
    rows of ``x``). ``data.val_fraction`` must be the one it was written with;
    ``data.train_classes`` filters both; ``data.limit`` N keeps the first N samples
    split as the source split them (at least one validation sample)."""
    fixed = ds.fixed_val
    if not np.isclose(cfg.val_fraction, fixed.fraction):
        raise DataError(f"{cfg.source} holds a fixed validation split ({fixed.fraction:g} "
                        f"of its training samples); set data.val_fraction={fixed.fraction:g} "
                        f"or shard again with --val-fraction {cfg.val_fraction:g}")
    n = x.shape[0]
    tr, va = np.arange(n - fixed.n), np.arange(n - fixed.n, n)
    keep = _keep_classes(cfg, y)
    if keep is not None:
        tr, va = tr[keep[tr]], va[keep[va]]
    if cfg.limit is not None and cfg.limit < len(tr) + len(va):
        n_va = min(len(va), max(1 if len(va) else 0, int(round(cfg.limit * fixed.fraction))))
        tr, va = tr[:max(0, cfg.limit - n_va)], va[:n_va]
    if len(tr) < 1:
        raise DataError(f"{cfg.source}: no training samples left (raise data.limit)")
    return Splits(
        x_train=pick_rows(x, tr), y_train=y[tr] if y is not None else None,
        x_val=pick_rows(x, va), y_val=y[va] if y is not None else None,
        x_test=stored_images(ds.x_test), y_test=ds.y_test, dataset=ds,
        train_rows=tr, val_rows=va)


def make_splits(cfg: DataConfig, seed: int, ds: Dataset | None = None) -> Splits:
    """Load the data (unless ``ds``, the already loaded dataset of ``cfg``, is given) and
    split off validation from the training split."""
    ds = load_dataset_for(cfg) if ds is None else ds
    if ds.kind == "photos":
        return _photo_splits(cfg, ds, seed)
    _extra_sources(cfg, ds)  # refuses data.extra_photos on data that is not photos
    x = stored_images(ds.x_train)  # uint8 stays uint8 (U8Images): 4× less memory
    y = ds.y_train
    if ds.fixed_val is not None:
        return _fixed_splits(cfg, ds, x, y)
    rows = np.arange(x.shape[0])  # original row of every kept sample
    keep = _keep_classes(cfg, y)  # one-class protocol: filter train/val, never test
    if keep is not None:
        x, y, rows = pick_rows(x, keep), y[keep], rows[keep]
    if cfg.limit is not None:
        x, y = pick_rows(x, slice(cfg.limit)), (y[: cfg.limit] if y is not None else None)
        rows = rows[: cfg.limit]
    n = x.shape[0]
    tr, va = hold_out(n, cfg.val_fraction, seed, 1,
                       f"{cfg.source}: only {n} training samples; need at least 2 (raise "
                       f"data.limit or lower data.val_fraction)")
    return Splits(
        x_train=pick_rows(x, tr), y_train=y[tr] if y is not None else None,
        x_val=pick_rows(x, va), y_val=y[va] if y is not None else None,
        x_test=stored_images(ds.x_test), y_test=ds.y_test, dataset=ds,
        train_rows=rows[tr], val_rows=rows[va])
