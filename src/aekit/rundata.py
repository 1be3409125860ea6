"""A loaded run meets data: the run's own splits, or other data checked to fit its model.

Every verb after ``train`` that reads data (evaluate, probe, encode, similar, score)
comes through here, so "this data does not fit that model" is said the same way
everywhere, in one line, before any work.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from aekit.capabilities import Capability
from aekit.config import DataConfig
from aekit.data.splits import Splits, load_dataset_for, make_splits, sample_shape
from aekit.errors import ConfigError, DataError
from aekit.io import LoadedRun

if TYPE_CHECKING:
    from aekit.data.dataset import Dataset


def _check_fits(source: str, shape: tuple[int, ...], loaded: LoadedRun) -> None:
    if Capability.ANY_SIZE in loaded.model.capabilities:  # fully convolutional: channels must match
        if len(shape) != 3 or shape[0] != loaded.input_shape[0]:
            raise DataError(f"{source} has samples of shape {tuple(shape)} but the model in "
                            f"{loaded.path} takes images with {loaded.input_shape[0]} "
                            f"channel(s)")
        return
    if tuple(shape) != tuple(loaded.input_shape):
        raise DataError(f"{source} has samples of shape {tuple(shape)} but the model in "
                        f"{loaded.path} takes {tuple(loaded.input_shape)}")


def require_codes(loaded: LoadedRun, verb: str) -> None:
    """Refuse, in one line, a verb that works on codes for a model that has none."""
    if Capability.EMBED not in loaded.model.capabilities:
        kind = loaded.config.model.preset or loaded.config.model.name
        raise ConfigError(f"`aekit {verb}` works on codes, but the {kind} model of "
                          f"{loaded.path} has none (restoration and GAN models map images "
                          f"to images); use an autoencoder run")


def _refuse_photos(source: str, ds: Dataset, verb: str | None) -> None:
    if verb is not None and ds.kind == "photos":
        raise ConfigError(f"{source} holds photos of different sizes; `aekit {verb}` needs "
                          f"fixed-size samples: pass --data with images of one size")


def splits_for_run(loaded: LoadedRun, data: str | None = None, *, verb: str | None = None
                   ) -> tuple[DataConfig, Splits]:
    """The run's train/val/test splits (of ``data`` instead, if given), checked to fit the model.

    ``loaded`` is an :class:`aekit.io.LoadedRun`; the run's split settings (seed,
    validation fraction, class filter, limit) are kept. With ``verb`` (a command that
    needs fixed-size samples) photo datasets are refused in one line.
    """
    data_cfg = dataclasses.replace(loaded.config.data, source=data) if data \
        else loaded.config.data
    splits = make_splits(data_cfg, loaded.config.train.seed)
    _refuse_photos(data_cfg.source, splits.dataset, verb)
    _check_fits(data_cfg.source, splits.input_shape, loaded)
    return data_cfg, splits


def dataset_for_run(loaded: LoadedRun, data: str | None = None, *, verb: str = "this command"
                    ) -> tuple[DataConfig, Any]:
    """The run's whole dataset (or ``data``): no class filter, no limit; checked to fit.

    The callers (probe, score, similar) need fixed-size samples: photos are refused.
    """
    data_cfg = dataclasses.replace(loaded.config.data, source=data or loaded.config.data.source,
                                   train_classes=None, limit=None)
    ds = load_dataset_for(data_cfg)
    _refuse_photos(data_cfg.source, ds, verb)
    _check_fits(data_cfg.source, sample_shape(data_cfg, ds), loaded)
    return data_cfg, ds
