"""A loaded run meets data: the run's own splits, or other data checked to fit its model.

Every verb after ``train`` that reads data (evaluate, probe, encode, similar, score)
comes through here, so "this data does not fit that model" is said the same way
everywhere, in one line, before any work.

The run's fitted preprocessing lives here too. A ``csv:`` run stores what its
preprocessing learned from the training file (column order, medians, means and
deviations, RankGauss tables, one-hot categories, label classes, window settings) in
``RUN/preprocessing.json`` (RankGauss tables in ``RUN/preprocessing.safetensors``; no
pickle), written at train start by :func:`write_preprocessing`. Other ``csv:`` data
given to the run (``--data new.csv``) is then encoded with that state, never refitted
on itself, which would scale the new numbers unlike the ones the model learned; a run
from before the file existed keeps refitting, with one warning.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aekit.capabilities import Capability
from aekit.config import DataConfig
from aekit.data.splits import Splits, load_dataset_for, make_splits, sample_shape
from aekit.data.tabular import FittedTable
from aekit.errors import AekitError, ConfigError, DataError, RunError
from aekit.io import CONFIG, LoadedRun, read_json, write_json, write_run_file
from aekit.log import LOG

if TYPE_CHECKING:
    from aekit.data.dataset import Dataset

PREPROCESSING = "preprocessing.json"  # the fitted preprocessing of a csv: run
PREPROCESSING_ARRAYS = "preprocessing.safetensors"  # its RankGauss tables (float64)
PREPROCESSING_FILES = (PREPROCESSING, PREPROCESSING_ARRAYS)


def write_preprocessing(run_dir: Path, ds: Dataset) -> bool:
    """Store the preprocessing fitted on ``ds``'s train split in ``run_dir``, if it has one.

    Only ``csv:`` data carry one; for other data nothing is written and False returned.
    Both files are written atomically (temp file + rename), the arrays first, so a
    ``preprocessing.json`` never names arrays that are not there.
    """
    from aekit.data.sources.csv import CsvDataset

    if not isinstance(ds, CsvDataset) or ds.fitted is None:
        return False
    obj, arrays = ds.fitted.to_json()
    if arrays:
        from safetensors.numpy import save_file

        write_run_file(run_dir / PREPROCESSING_ARRAYS,
                       lambda tmp: save_file(arrays, tmp, metadata={"format": str(obj["format"])}))
        obj["arrays"] = PREPROCESSING_ARRAYS
    write_json(run_dir / PREPROCESSING, obj)
    return True


def read_preprocessing(run_dir: Path) -> FittedTable | None:
    """The fitted preprocessing a run stored, or None (not a ``csv:`` run, or an older one).

    A damaged file is a one-line RunError: applying half a preprocessing would give
    numbers that look right and are not.
    """
    path = Path(run_dir) / PREPROCESSING
    if not path.is_file():
        return None
    obj = read_json(path)
    arrays: dict[str, Any] = {}
    if isinstance(obj, dict) and obj.get("arrays"):
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        apath = path.with_name(PREPROCESSING_ARRAYS)  # fixed name: never a path from the file
        if not apath.is_file():
            raise RunError(f"{path} needs {apath.name}, which is missing; the run directory "
                           f"is damaged (copy the whole run)")
        try:
            arrays = load_file(str(apath))
        except (SafetensorError, OSError, ValueError) as exc:
            raise RunError(f"{apath} is damaged ({str(exc).splitlines()[0][:120]}); copy the "
                           f"whole run again") from None
    try:
        return FittedTable.from_json(obj, arrays)
    except ValueError as exc:
        raise RunError(f"{path} is damaged ({exc}); copy the whole run again") from None


def _is_csv(spec: str) -> bool:
    return spec.strip().partition(":")[0] == "csv"


def _as_spec(loaded: LoadedRun, data: str | None) -> str | None:
    """``--data new.csv`` for a ``csv:`` run means ``csv:new.csv`` (the run's options apply)."""
    if data is None or not _is_csv(loaded.config.data.source):
        return data
    path_part = data.strip().split("?", 1)[0]
    if ":" not in path_part and path_part.lower().endswith(".csv"):
        return f"csv:{data.strip()}"
    return data


def _load_for_run(loaded: LoadedRun, cfg: DataConfig, other: bool) -> Dataset:
    """Load ``cfg``'s data; ``other`` data in ``csv:`` form get the run's stored
    preprocessing applied (the run's own data is fitted as at training: the same numbers).
    The run's own data is read only from a place the user knows (:func:`check_data_trusted`)."""
    if not other:
        check_data_trusted(cfg, loaded.path)
    if other and _is_csv(cfg.source):
        fitted = read_preprocessing(loaded.path)
        if fitted is not None:
            from aekit.data.sources.csv import load_for_run

            return load_for_run(cfg.source, fitted, run=str(loaded.path))
        if _is_csv(loaded.config.data.source):
            LOG.warning(f"{loaded.path} has no {PREPROCESSING} (trained before aekit stored "
                        f"its preprocessing): scaling and categories are refitted on "
                        f"{cfg.source}, not the training file's; retrain to store them")
    return load_dataset_for(cfg)


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
    needs fixed-size samples) photo datasets are refused in one line. Other ``csv:``
    data (a bare ``.csv`` path too, for a csv run) are encoded with the run's stored
    preprocessing (see the module docstring).
    """
    data = _as_spec(loaded, data)
    # other data come alone: the run's extra training photos only fed its patches, and a
    # received config could name any folder there
    data_cfg = dataclasses.replace(loaded.config.data, source=data, extra_photos=[]) if data \
        else loaded.config.data
    ds = _load_for_run(loaded, data_cfg, bool(data))
    splits = make_splits(data_cfg, loaded.config.train.seed, ds=ds)
    _refuse_photos(data_cfg.source, splits.dataset, verb)
    _check_fits(data_cfg.source, splits.input_shape, loaded)
    return data_cfg, splits


def dataset_for_run(loaded: LoadedRun, data: str | None = None, *, verb: str = "this command"
                    ) -> tuple[DataConfig, Any]:
    """The run's whole dataset (or ``data``): no class filter, no limit; checked to fit.

    The callers (probe, score, similar) need fixed-size samples: photos are refused.
    Other ``csv:`` data get the run's stored preprocessing, as in :func:`splits_for_run`.
    """
    data = _as_spec(loaded, data)
    data_cfg = dataclasses.replace(loaded.config.data, source=data or loaded.config.data.source,
                                   train_classes=None, limit=None,
                                   extra_photos=[] if data else loaded.config.data.extra_photos)
    ds = _load_for_run(loaded, data_cfg, bool(data))
    _refuse_photos(data_cfg.source, ds, verb)
    _check_fits(data_cfg.source, sample_shape(data_cfg, ds), loaded)
    return data_cfg, ds


# -- whose data a run may read ------------------------------------------------------------
TRUSTED = "trusted-sources.json"  # in aekit's cache: the data paths trainings here read
TRUST_ENV = "AEKIT_TRUST_DATA"  # =1: read whatever a run's config.json names
MAX_TRUSTED = 2000  # remembered paths (the oldest are forgotten)


def source_paths(data: DataConfig) -> list[Path]:
    """The resolved paths a data config reads: its source and its extra photo sources
    (named datasets such as ``mnist`` live in aekit's cache and name no path)."""
    from aekit.data.sources import parse_spec

    paths = []
    for spec in (data.source, *data.extra_photos):
        try:
            _, arg, cls = parse_spec(spec)
        except DataError:
            continue  # an unknown spec is refused, in its own words, by the loader
        if cls.takes_path and arg:
            paths.append(Path(arg.split("?", 1)[0]).expanduser().resolve())
    return paths


def _trust_file() -> Path:
    from aekit.data.fetch import cache_dir

    return cache_dir() / TRUSTED


def _trusted() -> list[Path]:
    try:
        entries = read_json(_trust_file())
    except (AekitError, OSError):
        return []
    return [Path(e) for e in entries if isinstance(e, str)] if isinstance(entries, list) else []


def remember_sources(data: DataConfig) -> None:
    """Record the paths ``data`` reads as this machine's own (called when a training is
    given them on a command line, or a user says yes): runs naming them may read them."""
    new = [str(p) for p in source_paths(data)]
    if not new:
        return
    kept = [str(p) for p in _trusted() if str(p) not in new]
    try:
        _trust_file().parent.mkdir(parents=True, exist_ok=True)
        write_json(_trust_file(), (kept + new)[-MAX_TRUSTED:])
    except OSError:
        pass  # an unwritable cache only means being asked again


def check_data_trusted(data: DataConfig, run_dir: Path) -> None:
    """Before reading the data a run's ``config.json`` names, make sure it is a place the
    user knows: inside the current folder, the run's own folder or aekit's cache, or a
    path a training on this machine was given. A received run directory's config can name
    any folder (``folder:/etc``); reading it is the user's decision, so elsewhere aekit asks
    on a terminal and otherwise refuses in one line (``AEKIT_TRUST_DATA=1`` or ``--data``
    choose for it). See docs/reliability.md, "Trust model"."""
    from aekit.data.fetch import cache_dir

    if os.environ.get(TRUST_ENV) == "1":
        return
    known = [Path.cwd().resolve(), run_dir.resolve(), cache_dir().resolve(), *_trusted()]
    for path in source_paths(data):
        if any(path == k or k in path.parents for k in known):
            continue
        question = (f"{run_dir / CONFIG} names data at {path}, outside this folder, the "
                    f"run's folder and aekit's cache, and no training here read it")
        if _ask(f"{question}. Read it? [y/N] "):
            remember_sources(dataclasses.replace(data, source=f"folder:{path}",
                                                 extra_photos=[]))
            continue
        raise DataError(f"{question}; to read it say yes on a terminal, set {TRUST_ENV}=1, "
                        f"or pass --data")


def _ask(prompt: str) -> bool:
    """A yes/no question on the terminal; False without one (no one to answer)."""
    import sys

    if not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    sys.stderr.write(prompt)
    sys.stderr.flush()
    try:
        return sys.stdin.readline().strip().lower() in ("y", "yes")
    except (OSError, KeyboardInterrupt):
        return False
