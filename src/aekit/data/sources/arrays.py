"""``npy:PATH`` and ``npz:PATH``: NumPy arrays of samples, read in place.

Both share the rules of :func:`_array_samples`: ``(N, D)`` → vectors,
``(N, H, W)`` / ``(N, C, H, W)`` / ``(N, H, W, C)`` → images; uint8 images are
scaled to [0, 1], other images must already lie there; non-finite values and pickled
objects are refused. ``npz`` may carry its own train/test split; otherwise the seeded
80/20 split of :mod:`aekit.data.dataset` applies.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from aekit.data.dataset import Dataset, labels_or_none, pick_rows, split_indices
from aekit.data.images import conform
from aekit.data.sources.base import Source, file_fingerprint, u8_images
from aekit.errors import DataError
from aekit.registry import register_source


def _array_samples(x: np.ndarray, what: str, notes: list[str]) -> tuple[np.ndarray, str]:
    """Validate an array of samples → ``(float32 array, kind)`` by the documented rules.

    ``(N, D)`` → vector; ``(N, H, W)`` → gray images; ``(N, C, H, W)`` with C in 1, 3 →
    images; ``(N, H, W, C)`` with C in 1, 3 (and not the NCHW case) → images, transposed.
    uint8 images are divided by 255; other images must already lie in [0, 1].
    """
    if x.dtype == object or x.dtype.kind not in "biuf":
        raise DataError(f"{what}: needs a numeric array, got dtype {x.dtype}")
    if x.ndim < 2 or x.ndim > 4 or len(x) == 0:
        raise DataError(f"{what}: expected (N, D) vectors or (N, H, W) / (N, C, H, W) images, "
                        f"got shape {x.shape}")
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        bad = int((~np.isfinite(x)).reshape(len(x), -1).any(axis=1).argmax())
        raise DataError(f"{what}: contains NaN or infinite values (first in sample {bad}); "
                        "clean the data first")
    if x.ndim == 2:
        return x.astype(np.float32), "vector"
    if x.ndim == 3:
        x = x[:, None]
    elif x.shape[1] not in (1, 3):
        if x.shape[3] in (1, 3):
            x = x.transpose(0, 3, 1, 2)
            notes.append("channels-last array (N, H, W, C) transposed to (N, C, H, W)")
        else:
            raise DataError(f"{what}: 4-d arrays must be (N, C, H, W) or (N, H, W, C) with "
                            f"C 1 or 3, got shape {x.shape}")
    if x.dtype == np.uint8:
        return u8_images(np.ascontiguousarray(x)), "image"
    x = np.ascontiguousarray(x, dtype=np.float32)
    lo, hi = float(x.min()), float(x.max())
    if lo < 0.0 or hi > 1.0:
        raise DataError(f"{what}: image values must lie in [0, 1] (or be uint8 0..255), found "
                        f"{lo:g}..{hi:g}; rescale them")
    return x, "image"


def _np_load(path: Path) -> Any:
    try:
        return np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a directory; use folder:{path} for a folder of "
                        "images") from None
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise DataError(f"{path}: holds Python objects (pickled); save plain numeric "
                            "arrays") from None
        raise DataError(f"{path}: not a readable NumPy file ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: not a readable NumPy file ({exc})") from None


def _from_arrays(spec: str, path: Path, x_tr: np.ndarray, y_tr: np.ndarray | None,
                 x_te: np.ndarray, y_te: np.ndarray | None, kind: str, notes: list[str],
                 image_size: int | None, channels: int | None) -> Dataset:
    if kind == "image":
        x_tr = conform(x_tr, image_size, channels)
        x_te = conform(x_te, image_size, channels)
    elif image_size is not None or channels is not None:
        notes.append("image_size/channels ignored for vector data")
    fp = file_fingerprint(path, f"{x_tr.shape[1:]}")
    return Dataset(name=spec, kind=kind, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te,
                   classes=None, origin=str(path.resolve()),
                   checksums={path.name: "unverified"}, fingerprint=fp, notes=notes)


def _check_labels(y: np.ndarray | None, n: int, what: str) -> np.ndarray | None:
    y = labels_or_none(y, what)
    if y is not None and len(y) != n:
        raise DataError(f"{what}: has {len(y)} labels for {n} samples")
    return y


@register_source("npy")
class NpySource(Source):
    """One ``.npy`` array of samples, split 80/20 (seeded); no labels."""

    description = "one .npy array: (N,D) vectors or (N,H,W)/(N,C,H,W) images; split 80/20"
    takes_path = True
    kind = "vector or image"

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        path = Path(arg or "").expanduser()
        arr = _np_load(path)
        if not isinstance(arr, np.ndarray):
            raise DataError(f"{path}: is an .npz archive; use npz:{path}")
        notes: list[str] = []
        x, kind = _array_samples(arr, str(path), notes)
        tr, te = split_indices(len(x))
        return _from_arrays(spec, path, pick_rows(x, tr), None, pick_rows(x, te), None, kind,
                            notes, image_size, channels)


@register_source("npz")
class NpzSource(Source):
    """An ``.npz`` with ``x_train``/``x_test`` (+ ``y_*``), or ``x`` (+ ``y``) split 80/20."""

    description = ("an .npz with x_train, x_test (+ y_train, y_test), or x (+ y) split 80/20")
    takes_path = True
    kind = "vector or image"

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        path = Path(arg or "").expanduser()
        npz = _np_load(path)
        if isinstance(npz, np.ndarray):
            raise DataError(f"{path}: is a single .npy array; use npy:{path}")
        notes: list[str] = []
        try:
            with npz:
                keys = set(npz.files)
                if {"x_train", "x_test"} <= keys:
                    used = {"x_train", "x_test", "y_train", "y_test"}
                    if ("y_train" in keys) != ("y_test" in keys):
                        raise DataError(f"{path}: has only one of y_train / y_test; give both "
                                        "or neither")
                    xs = [npz[k] for k in ("x_train", "x_test")]
                    ys = [npz[k] if k in keys else None for k in ("y_train", "y_test")]
                elif "x" in keys:
                    used = {"x", "y"}
                    x_all = npz["x"]
                    y_all = npz["y"] if "y" in keys else None
                    if y_all is not None and len(y_all) != len(x_all):
                        raise DataError(f"{path}: y has {len(y_all)} labels for "
                                        f"{len(x_all)} samples")
                    tr, te = split_indices(len(x_all))
                    xs = [pick_rows(x_all, tr), pick_rows(x_all, te)]
                    ys = [None, None] if y_all is None else [y_all[tr], y_all[te]]
                else:
                    raise DataError(f"{path}: needs arrays x_train and x_test (or x); found "
                                    f"{', '.join(sorted(keys)) or 'none'}")
        except (ValueError, OSError, zipfile.BadZipFile) as exc:
            raise DataError(f"{path}: cannot read an array ({exc})") from None
        extra = sorted(keys - used)
        if extra:
            notes.append(f"ignored arrays: {', '.join(extra)}")
        out = []
        kinds = []
        for part, x, y in zip(("train", "test"), xs, ys, strict=True):
            what = f"{path} ({part})"
            xa, kind = _array_samples(x, what, notes)
            out.append((xa, _check_labels(y, len(xa), what)))
            kinds.append(kind)
        if out[0][0].shape[1:] != out[1][0].shape[1:]:
            raise DataError(f"{path}: train samples {out[0][0].shape[1:]} and test samples "
                            f"{out[1][0].shape[1:]} differ in shape")
        notes = list(dict.fromkeys(notes))
        return _from_arrays(spec, path, out[0][0], out[0][1], out[1][0], out[1][1], kinds[0],
                            notes, image_size, channels)
