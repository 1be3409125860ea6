"""``aekit encode`` / ``aekit decode``: codes to files and back.

``encode`` writes one row per sample: ``.npy`` holds the (n, d) float32 codes and, when
labels are known, ``<stem>.labels.npy`` beside it; ``.csv`` holds ``index,label,z0…`` in
one table. When the data carry row ids (``csv:PATH?id=COL``, time-series windows) they
are written next to the codes: an ``id`` column after ``index`` in ``.csv``, and
``<stem>.ids.npy`` beside a ``.npy``. ``--split train`` writes the whole training split
(the training and validation parts) in file order.
``decode`` turns an (n, d) ``.npy`` of codes into image files.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from aekit.capabilities import Capability
from aekit.errors import ConfigError, DataError


def encode_to_file(run: str | Path, *, data: str | None, out: str | Path, split: str = "test",
                   limit: int | None = None) -> tuple[Path, int]:
    """Encode a split of the run's data (or of ``data``) and write the codes to ``out``."""
    from aekit.io import atomic_write_text, load_run
    from aekit.rundata import require_codes, splits_for_run
    from aekit.tasks.infer import encode

    out_path = Path(out)
    if out_path.suffix not in (".npy", ".csv"):
        raise ConfigError(f"--out {out_path}: use a .npy or .csv file name")
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be ≥ 1 (the number of samples to encode); got {limit}")
    loaded = load_run(run)
    require_codes(loaded, "encode")
    _, splits = splits_for_run(loaded, data, verb="encode")
    if split == "train":  # the whole training split (train + val), in file order
        x, y, ids = _train_rows_in_file_order(splits)
    else:
        x, y = splits.x_test, splits.y_test
        ids = getattr(splits.dataset, "ids_test", None)
    if limit is not None:
        x, y = x[:limit], (y[:limit] if y is not None else None)
        ids = ids[:limit] if ids is not None else None
    z = encode(loaded.model, x).astype(np.float32)  # (n, d)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if out_path.suffix == ".npy":
        _save_npy(out_path, z)
        if y is not None:
            _save_npy(out_path.with_name(out_path.stem + ".labels.npy"), y.astype(np.int64))
        if ids is not None:
            _save_npy(out_path.with_name(out_path.stem + ".ids.npy"), np.asarray(ids, str))
    else:
        buf = io.StringIO()
        w = csv.writer(buf)
        id_col = [] if ids is None else ["id"]
        w.writerow(["index", *id_col, "label", *[f"z{i}" for i in range(z.shape[1])]])
        for i, row in enumerate(z):
            w.writerow([i, *([] if ids is None else [ids[i]]),
                        "" if y is None else int(y[i]), *[f"{v:.6g}" for v in row]])
        atomic_write_text(out_path, buf.getvalue())
    return out_path, int(z.shape[0])


def _train_rows_in_file_order(splits: object
                              ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Training + validation samples back in file order, with their row ids if any."""
    rows = np.concatenate([splits.train_rows, splits.val_rows])
    order = np.argsort(rows, kind="stable")
    x = np.concatenate([splits.x_train, splits.x_val])[order]
    y = None
    if splits.y_train is not None:
        y = np.concatenate([splits.y_train, splits.y_val])[order]
    ids = getattr(splits.dataset, "ids_train", None)
    return x, y, (None if ids is None else np.asarray(ids)[rows[order]])


def _save_npy(path: Path, arr: np.ndarray) -> None:
    tmp = path.with_name(f".{path.name}.tmp.npy")
    try:
        np.save(tmp, arr)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def decode_file(run: str | Path, codes: str | Path, out: str | Path) -> list[Path]:
    """Decode an (n, code_size) ``.npy`` file into ``OUT/000000.png`` …"""
    from aekit.io import load_run
    from aekit.rundata import require_codes
    from aekit.tasks.infer import decode

    loaded = load_run(run)
    # a GAN decodes latents without an encoder
    if Capability.GENERATE not in loaded.model.capabilities:
        require_codes(loaded, "decode")
    p = Path(codes)
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    try:
        z = np.load(p, allow_pickle=False)
        if not np.issubdtype(z.dtype, np.number) or np.iscomplexobj(z) \
                or np.issubdtype(z.dtype, np.timedelta64):
            raise DataError(f"{p} holds {z.dtype} values; codes must be real numbers "
                            f"(write them with `aekit encode` or np.save of a float array)")
    except (ValueError, OSError) as exc:
        raise DataError(f"{p} is not a readable .npy array ({exc})") from None
    d = loaded.model.code_size
    if z.ndim == 1 and z.shape[0] == d:
        z = z[None]
    if z.ndim != 2 or z.shape[1] != d:
        raise DataError(f"{p} holds an array of shape {z.shape}; this model's codes have "
                        f"{d} numbers, so it needs shape (n, {d})")
    if not np.isfinite(z).all():
        raise DataError(f"{p} contains NaN or infinite values")
    if len(loaded.input_shape) != 3:
        raise ConfigError(f"{loaded.path} decodes to vectors, not images; decode them from "
                          f"Python with aekit.tasks.infer.decode")
    from aekit.tasks.restore import write_all

    x = np.clip(decode(loaded.model, z.astype(np.float32)), 0, 1)
    out_dir = Path(out)
    width = max(6, len(str(len(x))))
    names = [f"{i:0{width}d}.png" for i in range(len(x))]
    taken = [n for n in names if (out_dir / n).exists()]
    if taken:
        raise DataError(f"{out_dir / taken[0]} already exists; decode writes {names[0]} … "
                        f"{names[-1]}, so choose an empty --out")
    return write_all(out_dir, list(zip(names, x, strict=True)))  # staged, then moved
