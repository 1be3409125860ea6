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
                   limit: int | None = None, projector: str | Path | None = None
                   ) -> tuple[Path, int]:
    """Encode a split of the run's data (or of ``data``) and write the codes to ``out``
    (and, with ``projector``, the TensorBoard projector files: :func:`write_projector`)."""
    from aekit.io import atomic_write_text, load_run
    from aekit.rundata import require_codes, splits_for_run
    from aekit.tasks.infer import encode

    out_path = Path(out)
    if out_path.suffix not in (".npy", ".csv"):
        raise ConfigError(f"--out {out_path}: use a .npy or .csv file name")
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be ≥ 1 (the number of samples to encode); got {limit}")
    if projector is not None:
        check_projector_dir(Path(projector))
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
    if projector is not None:
        classes = getattr(splits.dataset, "classes", None)
        write_projector(Path(projector), z, y, classes,
                        x if np.ndim(x) == 4 else None)
    return out_path, int(z.shape[0])


PROJECTOR_CONFIG = "projector_config.pbtxt"
SPRITE_MAX = 8192  # pixels a side: TensorBoard's projector limit for a sprite image


def check_projector_dir(folder: Path) -> None:
    """``--projector DIR`` must be new or empty: the files are written beside nothing a
    user made, never over it."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise ConfigError(f"--projector {folder} exists and is not an empty folder; choose a "
                          f"new one (its files would be replaced)")


def write_projector(folder: Path, z: np.ndarray, y: np.ndarray | None,
                    classes: list[str] | None, images: np.ndarray | None) -> Path:
    """The TensorBoard embedding projector's files for codes ``z`` (n, d):
    ``tensors.tsv`` (one code per line), ``metadata.tsv`` (index, label, class name),
    ``sprite.png`` (the samples tiled in a square, for (n, c, h, w) image data whose
    sprite fits the projector's 8,192-pixel limit) and ``projector_config.pbtxt``
    tying them together. ``tensorboard --logdir FOLDER`` then shows them in its
    Projector tab (PCA, t-SNE, UMAP, nearest neighbours). Written into a staging folder
    and renamed into place, so a failure leaves nothing half-written."""
    import math
    import shutil
    import tempfile

    from aekit.data.images import mosaic, write_image
    from aekit.log import LOG

    check_projector_dir(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        np.savetxt(stage / "tensors.tsv", z, delimiter="\t", fmt="%.6g")
        lines = ["index\tlabel\tclass"]
        for i in range(z.shape[0]):
            label = "" if y is None else int(y[i])
            name = classes[int(y[i])] if (y is not None and classes and
                                          0 <= int(y[i]) < len(classes)) else ""
            lines.append(f"{i}\t{label}\t{name}")
        (stage / "metadata.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        config = ['embeddings {', '  tensor_name: "aekit codes"',
                  '  tensor_path: "tensors.tsv"', '  metadata_path: "metadata.tsv"']
        if images is not None:
            n, _, h, w = images.shape
            side = math.ceil(math.sqrt(n))
            if side * max(h, w) <= SPRITE_MAX:
                pad = np.zeros((side * side - n, *images.shape[1:]), dtype=np.float32)
                tiles = np.concatenate([np.asarray(images, dtype=np.float32), pad])
                write_image(stage / "sprite.png", mosaic(tiles, side, side, pad=0))
                config += ['  sprite {', '    image_path: "sprite.png"',
                           f'    single_image_dim: {w}', f'    single_image_dim: {h}', '  }']
            else:
                LOG.warning(f"no sprite in {folder}: {n} images of {w}×{h} do not fit the "
                            f"projector's {SPRITE_MAX}-pixel sprite; --limit "
                            f"{(SPRITE_MAX // max(h, w)) ** 2} would")
        (stage / PROJECTOR_CONFIG).write_text("\n".join(config + ["}"]) + "\n",
                                              encoding="utf-8")
        if folder.exists():
            folder.rmdir()  # empty (checked): the staged folder takes its place
        stage.rename(folder)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    return folder


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
