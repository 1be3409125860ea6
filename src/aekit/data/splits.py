"""Train / validation / test tensors for a run, from a :class:`~aekit.data.Dataset`.

Validation is held out from the *training* split (a seeded permutation, fraction
``data.val_fraction``); the official test split is used only for final evaluation.
``data.train_classes`` keeps only those labels in train/val (the one-class anomaly
protocol); ``data.limit`` then keeps the first N training samples (before the
validation split) for quick runs; the test split is never filtered or shortened here
(``aekit evaluate --limit`` shortens it).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from aekit.config import DataConfig
from aekit.errors import ConfigError, DataError


@dataclass
class Splits:
    """Arrays of one run: train / val / test samples and labels (labels may be None)."""

    x_train: np.ndarray
    y_train: np.ndarray | None
    x_val: np.ndarray
    y_val: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray | None
    dataset: object  # aekit.data.Dataset (classes, origin, fingerprint, …)
    train_rows: np.ndarray | None = None  # row of each training sample in dataset.x_train
    val_rows: np.ndarray | None = None  # row of each validation sample in dataset.x_train

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])


def load_dataset_for(cfg: DataConfig) -> object:
    """Load the dataset named in ``cfg`` (fixed-size samples only)."""
    from aekit.data import load_dataset

    ds = load_dataset(cfg.source, image_size=cfg.image_size, channels=cfg.channels)
    if ds.kind == "photos":
        raise ConfigError(f"{cfg.source} holds photos of different sizes; it is meant for "
                          f"patch-based restoration tasks, not whole-image autoencoders")
    return ds


def make_splits(cfg: DataConfig, seed: int) -> Splits:
    """Load the data and split off validation from the training split."""
    ds = load_dataset_for(cfg)
    x = np.asarray(ds.x_train, dtype=np.float32)
    y = ds.y_train
    rows = np.arange(x.shape[0])  # original row of every kept sample
    if cfg.train_classes is not None:  # one-class protocol: filter train/val, never test
        if y is None:
            raise DataError(f"{cfg.source} has no labels, so data.train_classes cannot pick "
                            f"classes; remove data.train_classes or use labelled data")
        keep = np.isin(y, np.asarray(cfg.train_classes))
        if not keep.any():
            raise DataError(f"{cfg.source}: no training samples with labels "
                            f"{cfg.train_classes} (labels present: {sorted(set(y.tolist()))})")
        x, y, rows = x[keep], y[keep], rows[keep]
    if cfg.limit is not None:
        x, y = x[: cfg.limit], (y[: cfg.limit] if y is not None else None)
        rows = rows[: cfg.limit]
    n = x.shape[0]
    n_val = int(round(n * cfg.val_fraction)) if cfg.val_fraction > 0 else 0
    if cfg.val_fraction > 0:
        n_val = max(1, n_val)
    if n - n_val < 1:
        raise DataError(f"{cfg.source}: only {n} training samples; need at least 2 "
                        f"(raise data.limit or lower data.val_fraction)")
    perm = np.random.default_rng(seed).permutation(n)
    tr, va = np.sort(perm[n_val:]), np.sort(perm[:n_val])
    return Splits(
        x_train=x[tr], y_train=y[tr] if y is not None else None,
        x_val=x[va], y_val=y[va] if y is not None else None,
        x_test=np.asarray(ds.x_test, dtype=np.float32), y_test=ds.y_test, dataset=ds,
        train_rows=rows[tr], val_rows=rows[va])


def _check_fits(source: str, shape: tuple[int, ...], loaded: Any) -> None:
    if tuple(shape) != tuple(loaded.input_shape):
        raise DataError(f"{source} has samples of shape {tuple(shape)} but the model in "
                        f"{loaded.path} takes {tuple(loaded.input_shape)}")


def splits_for_run(loaded: Any, data: str | None = None) -> tuple[DataConfig, Splits]:
    """The run's train/val/test splits (of ``data`` instead, if given), checked to fit the model.

    ``loaded`` is an :class:`aekit.io.LoadedRun`; the run's split settings (seed,
    validation fraction, class filter, limit) are kept.
    """
    data_cfg = dataclasses.replace(loaded.config.data, source=data) if data \
        else loaded.config.data
    splits = make_splits(data_cfg, loaded.config.train.seed)
    _check_fits(data_cfg.source, splits.input_shape, loaded)
    return data_cfg, splits


def dataset_for_run(loaded: Any, data: str | None = None) -> tuple[DataConfig, Any]:
    """The run's whole dataset (or ``data``): no class filter, no limit; checked to fit."""
    data_cfg = dataclasses.replace(loaded.config.data, source=data or loaded.config.data.source,
                                   train_classes=None, limit=None)
    ds = load_dataset_for(data_cfg)
    _check_fits(data_cfg.source, ds.input_shape, loaded)
    return data_cfg, ds
