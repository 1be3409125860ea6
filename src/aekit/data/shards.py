"""Sharded image sets: WebDataset tar shards that DDP ranks read disjointly.

``aekit data shard SPEC --out DIR`` writes an 8-bit image source (``folder:``, MNIST,
CIFAR-10, uint8 ``npy:``) as `WebDataset <https://github.com/webdataset/webdataset>`_
tar shards — the plain tar format streaming engines read — with its splits fixed at
shard time::

    DIR/meta.json             layout, classes, counts, every shard's name/size/sha256
    DIR/train-000000.tar      {key}.npy: one (C, H, W) uint8 image, {key}.cls: its label
    DIR/val-000000.tar        the validation split (data.val_fraction of the training
    DIR/test-000000.tar       samples, seeded), then the source's test split
    DIR/labels-<split>.npy    int64 labels per split (labelled sources): what a loader
                              needs up front without reading every shard

``key`` is the sample's row in its split (nine digits). Training samples are written in
a seeded random order, so every shard is a mix of the classes (a ``folder:`` lists its
files class by class); validation and test keep the source's order. Shards hold about
:data:`SHARD_BYTES` of pixels each (``--shard-size`` samples overrides it).

A ``shards:DIR`` source opens it without reading a pixel: each split is a
:class:`ShardStore`, an (N, C, H, W) uint8 array whose rows are read a shard at a time
through WebDataset's tar reader (``webdataset.tariterators``: local paths here), with
the last :data:`SHARDS_KEPT` shards decoded kept. The training engine reads a sharded
split in *shard-major* order (:mod:`aekit.engine.batches`): in epoch ``e`` the shards
are permuted with seed (seed, e), DDP rank ``r`` of ``W`` takes every ``W``-th shard,
and batches mix the samples of :data:`SHARDS_KEPT` consecutive shards — so each rank
reads only its own shards, and each shard once per epoch.

Why WebDataset and not LitData: the format is plain tar (any tool reads it, shards can be
copied to nodes or served over HTTP), and the library needs only braceexpand, numpy and
PyYAML; LitData pulls torchvision, boto3 and obstore. aekit uses it to read and write
tars and keeps its own order (above), because aekit's order and noise must stay a
function of (seed, epoch, sample index) for ``--resume`` to be exact.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aekit.data.dataset import Dataset, U8Images, short_hash
from aekit.errors import DataError
from aekit.log import LOG, Progress

SHARDS_FORMAT = "aekit-shards"
SHARDS_VERSION = 1
META = "meta.json"
SHARD_BYTES = 64 * 2**20  # pixels per shard unless --shard-size says otherwise
SHARDS_KEPT = 4  # decoded shards a reader keeps; also the shuffle window of training
SPLITS = ("train", "val", "test")
KEY_DIGITS = 9


def need_webdataset() -> Any:
    """The ``webdataset`` module, or one line saying how to install it."""
    try:
        import webdataset
    except ImportError:
        raise DataError("sharded data needs WebDataset: pip install 'aekit[shards]' "
                        "(or pip install webdataset)") from None
    return webdataset


@dataclass(frozen=True)
class Shard:
    """One tar file of a split: its path, sample count and the key of its first sample."""

    path: str
    count: int
    first: int  # row of its first sample in its split (keys run first … first+count-1)
    sha256: str  # of the whole file, as written


class ShardStore:
    """(N, C, H, W) uint8 images held in tar shards, indexed like an array.

    ``store[key]`` (an int, a slice, an index array or a mask over rows) reads the shards
    that hold those rows — each once, in file order — and returns a uint8 ndarray; the
    last :data:`SHARDS_KEPT` shards read stay decoded, so a reader that walks rows in
    shard order reads every shard once. It is what a :class:`~aekit.data.dataset.U8Images`
    stores in place of an array; it pickles as its shard list (a loader worker or another
    rank reads the files itself)."""

    dtype = np.dtype(np.uint8)

    def __init__(self, shards: list[Shard], sample_shape: tuple[int, ...]) -> None:
        self.shards = list(shards)
        self.sample_shape = tuple(int(d) for d in sample_shape)
        self.offsets = np.cumsum([0] + [s.count for s in self.shards])  # (S+1,)
        self._kept: OrderedDict[int, np.ndarray] = OrderedDict()
        self._verified: set[int] = set()  # shards whose sha256 this process checked

    @property
    def shape(self) -> tuple[int, ...]:
        return (int(self.offsets[-1]), *self.sample_shape)

    @property
    def ndim(self) -> int:
        return 1 + len(self.sample_shape)

    def __len__(self) -> int:
        return self.shape[0]

    def shard_of(self, rows: np.ndarray) -> np.ndarray:
        """The shard number of each of ``rows`` (int64, same shape)."""
        return np.searchsorted(self.offsets, np.asarray(rows), side="right") - 1

    def __getitem__(self, key: Any) -> np.ndarray:
        n = len(self)
        if isinstance(key, (int, np.integer)):
            row = int(key) + n if key < 0 else int(key)
            if not 0 <= row < n:
                raise IndexError(f"row {key} is out of range for {n} images")
            return self._rows(np.asarray([row]))[0]
        if isinstance(key, slice):
            return self._rows(np.arange(n)[key])
        rows = np.asarray(key)
        if rows.dtype == bool:
            rows = np.flatnonzero(rows)
        if rows.dtype.kind not in "iu" or rows.ndim != 1:
            raise IndexError("a sharded image set is indexed by rows: an int, a slice, "
                             "an index array or a mask")
        rows = np.where(rows < 0, rows + n, rows).astype(np.int64)
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise IndexError(f"rows out of range for {n} images")
        return self._rows(rows)

    def _rows(self, rows: np.ndarray) -> np.ndarray:
        out = np.empty((len(rows), *self.sample_shape), dtype=np.uint8)
        if not len(rows):
            return out
        which = self.shard_of(rows)
        for s in np.unique(which):  # each shard once, in file order
            at = np.flatnonzero(which == s)
            out[at] = self.shard(int(s))[rows[at] - self.offsets[s]]
        return out

    def shard(self, s: int) -> np.ndarray:
        """Shard ``s`` decoded, (count, C, H, W) uint8 (kept among the last few read)."""
        got = self._kept.get(s)
        if got is None:
            got = read_shard(self.shards[s], self.sample_shape, s not in self._verified)
            self._verified.add(s)
            self._kept[s] = got
            while len(self._kept) > SHARDS_KEPT:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(s)
        return got

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_kept"] = OrderedDict()  # a copy reads (and checks) its own shards
        state["_verified"] = set()
        return state

    def __repr__(self) -> str:
        return f"ShardStore({len(self.shards)} shards, shape={self.shape})"


def read_shard(shard: Shard, sample_shape: tuple[int, ...], verify: bool = True
               ) -> np.ndarray:
    """Every image of ``shard`` in key order, checked against what meta.json promised
    (the file's sha256 when ``verify`` — a reader checks each shard the first time it
    reads it, so a flipped pixel is not trained on — then keys, count, shape); a damaged
    or foreign shard is one line naming the file. The tar is parsed by WebDataset."""
    from webdataset.tariterators import group_by_keys, tar_file_expander

    out = np.empty((shard.count, *sample_shape), dtype=np.uint8)
    seen = 0
    try:
        data = Path(shard.path).read_bytes()
        if verify and hashlib.sha256(data).hexdigest() != shard.sha256:
            raise ValueError("its sha256 differs from the one meta.json holds")
        stream = [{"url": shard.path, "stream": io.BytesIO(data)}]
        for sample in group_by_keys(tar_file_expander(stream, eof_value=None)):
            want = f"{shard.first + seen:0{KEY_DIGITS}d}"
            if seen >= shard.count or sample.get("__key__") != want or "npy" not in sample:
                raise ValueError(f"expected sample {want}, found {sample.get('__key__')}")
            blob = sample["npy"]
            if seen == 0:  # every sample has the first one's .npy header: parse it once
                img = np.load(io.BytesIO(blob), allow_pickle=False)  # never unpickle
                if img.dtype != np.uint8 or img.shape != tuple(sample_shape):
                    raise ValueError(f"sample {want} is {img.dtype} {img.shape}, not uint8 "
                                     f"{tuple(sample_shape)}")
                head = blob[:len(blob) - out[0].size]
            if len(blob) != len(head) + out[0].size or not blob.startswith(head):
                raise ValueError(f"sample {want} is not a uint8 {tuple(sample_shape)} array")
            out[seen] = np.frombuffer(blob, np.uint8, offset=len(head)).reshape(sample_shape)
            seen += 1
    except FileNotFoundError:
        raise DataError(f"{shard.path}: shard missing; copy the whole folder that "
                        f"`aekit data shard` wrote") from None
    except (OSError, ValueError, KeyError, tarfile.TarError) as exc:
        why = exc.args[0] if exc.args else type(exc).__name__  # WebDataset appends more
        raise DataError(f"{shard.path}: damaged shard ({why}); write the shards again "
                        f"with `aekit data shard`") from None
    if seen != shard.count:
        raise DataError(f"{shard.path}: damaged shard (holds {seen} samples, meta.json says "
                        f"{shard.count}); write the shards again with `aekit data shard`")
    return out


@dataclass
class Opened:
    """A shards folder, opened: its meta.json and one :class:`ShardStore` per split."""

    root: Path
    meta: dict[str, Any]
    stores: dict[str, ShardStore]
    labels: dict[str, np.ndarray | None]


def open_shards(root: Path) -> Opened:
    """Open the shards folder ``root``: read meta.json and check that every shard is
    there with the size it was written with (a stat each; no pixel is read)."""
    need_webdataset()
    meta_path = root / META
    if not root.is_dir():
        raise DataError(f"{root}: no such directory (write one with `aekit data shard "
                        f"SPEC --out {root}`)")
    try:
        meta = json.loads(meta_path.read_text())
    except FileNotFoundError:
        raise DataError(f"{root}: no {META}; shards: reads a folder written by `aekit data "
                        f"shard`") from None
    except (OSError, ValueError) as exc:
        raise DataError(f"{meta_path}: unreadable ({exc}); write the shards again") from None
    if not isinstance(meta, dict) or meta.get("format") != SHARDS_FORMAT:
        raise DataError(f"{meta_path}: not written by `aekit data shard`")
    if meta.get("version") != SHARDS_VERSION:
        raise DataError(f"{meta_path}: shards format {meta.get('version')}, this aekit "
                        f"reads {SHARDS_VERSION}; write the shards again")
    shape = tuple(meta["shape"])
    stores, labels = {}, {}
    for split in SPLITS:
        shards, first = [], 0
        for entry in meta["splits"][split]["shards"]:
            path = root / entry["name"]
            try:
                size = path.stat().st_size
            except OSError:
                raise DataError(f"{path}: shard missing; copy the whole folder that "
                                f"`aekit data shard` wrote") from None
            if size != entry["bytes"]:
                raise DataError(f"{path}: {size:,} bytes, meta.json says {entry['bytes']:,}; "
                                f"the shard was changed or cut short: write the shards again")
            shards.append(Shard(str(path), int(entry["count"]), first, entry["sha256"]))
            first += int(entry["count"])
        stores[split] = ShardStore(shards, shape)
        labels[split] = None
        if meta.get("labelled"):
            try:
                y = np.load(root / f"labels-{split}.npy", allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise DataError(f"{root / f'labels-{split}.npy'}: unreadable ({exc}); write "
                                f"the shards again") from None
            if y.shape != (first,):
                raise DataError(f"{root / f'labels-{split}.npy'}: {y.shape[0]} labels for "
                                f"{first} samples; write the shards again")
            labels[split] = y.astype(np.int64)
    return Opened(root=root, meta=meta, stores=stores, labels=labels)


def shards_dataset(spec: str, opened: Opened) -> Dataset:
    """The :class:`Dataset` of a shards folder: ``x_train`` is the training then the
    validation shards (``fixed_val`` says how many rows at its end are validation),
    ``x_test`` the test shards; every split is read from the files, none held."""
    from aekit.data.dataset import FixedVal

    meta, st, lab = opened.meta, opened.stores, opened.labels
    pool = ShardStore(st["train"].shards + st["val"].shards, st["train"].sample_shape)
    y_train = None if lab["train"] is None else np.concatenate([lab["train"], lab["val"]])
    n_val = len(st["val"])
    return Dataset(
        name=spec, kind="image", x_train=U8Images(pool), y_train=y_train,
        x_test=U8Images(st["test"]), y_test=lab["test"], classes=meta.get("classes"),
        origin=str(opened.root), checksums={str(opened.root / META): "unverified"},
        fingerprint=meta["fingerprint"],
        notes=[f"sharded from {meta['source']} (fingerprint {meta['source_fingerprint']})",
               *meta.get("notes", [])],
        fixed_val=FixedVal(n_val, float(meta["val_fraction"])))


def shard_size_for(sample_shape: tuple[int, ...], shard_size: int | None) -> int:
    """Samples per shard: ``shard_size``, or as many as fill :data:`SHARD_BYTES`."""
    if shard_size is not None:
        if shard_size < 1:
            raise DataError(f"--shard-size must be at least 1 sample, not {shard_size}")
        return int(shard_size)
    return max(1, SHARD_BYTES // int(np.prod(sample_shape)))


def write_shards(ds: Dataset, spec: str, out: Path, *, shard_size: int | None,
                 val_fraction: float, seed: int) -> dict[str, Any]:
    """Write ``ds`` (8-bit images) as shards in the new folder ``out``; returns its meta.

    Validation is held out of the training split as a run would (``val_fraction``,
    ``seed``); training samples are written in a seeded random order. Everything goes to
    a hidden staging folder beside ``out`` that is renamed into place when complete, so
    an interrupted or failed write leaves nothing a run would read; an existing ``out``
    that is not empty is never touched."""
    from aekit import __version__
    from aekit.data.cache import remove_abandoned
    from aekit.data.splits import hold_out

    wds = need_webdataset()
    if ds.kind != "image" or not isinstance(ds.x_train, U8Images):
        what = "float values" if ds.kind == "image" else f"{ds.kind} data"
        raise DataError(f"{spec} holds {what}; shards hold 8-bit images (folder:, mnist, "
                        f"fashion-mnist, cifar10, uint8 npy:)")
    if not 0.0 <= val_fraction < 1.0:
        raise DataError(f"--val-fraction must be in [0, 1), not {val_fraction}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DataError(f"{out} already exists; shards are written into a new folder "
                        f"(choose another --out or remove it)")
    n = len(ds.x_train)
    tr, va = hold_out(n, val_fraction, seed, 1, f"{spec}: only {n} training samples; need "
                      f"at least 2 to hold one out (lower --val-fraction)")
    tr = np.random.default_rng([seed, 1]).permutation(tr)  # every shard a mix
    shape = tuple(int(d) for d in ds.x_train.shape[1:])
    per = shard_size_for(shape, shard_size)
    parts = {"train": (ds.x_train, ds.y_train, tr), "val": (ds.x_train, ds.y_train, va),
             "test": (ds.x_test, ds.y_test, np.arange(len(ds.x_test)))}
    total = sum(len(r) for _, _, r in parts.values())
    need = total * (int(np.prod(shape)) + 3 * 512 + 128) + 2**20  # pixels, tar headers
    parent = out.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(parent).free
    except OSError as exc:
        raise DataError(f"cannot write {out} ({exc.strerror or exc})") from None
    if need > free:
        raise DataError(f"the shards need {need / 1e9:,.2f} GB in {parent}, which has "
                        f"{free / 1e9:,.2f} GB free; choose an --out on a larger disk")
    remove_abandoned(parent, f".{out.name}.partial-*")  # of a writer that was killed
    stage = parent / f".{out.name}.partial-{os.getpid()}"
    labelled = ds.y_train is not None
    try:
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir()
        splits: dict[str, Any] = {}
        digests: list[str] = []
        with Progress("data", f"sharding {spec}", total=total, unit="images") as bar:
            for split, (x, y, rows) in parts.items():
                entries = []
                for k, lo in enumerate(range(0, len(rows), per)):
                    name = f"{split}-{k:06d}.tar"
                    pick = rows[lo:lo + per]
                    pixels = x.pixels(np.sort(pick))[np.argsort(np.argsort(pick))]
                    _write_tar(wds, stage / name, pixels, None if y is None else y[pick], lo)
                    digest = _sha256(stage / name)
                    digests.append(digest)
                    entries.append({"name": name, "count": len(pick), "sha256": digest,
                                    "bytes": (stage / name).stat().st_size})
                    bar.update(len(pick))
                if labelled:
                    np.save(stage / f"labels-{split}.npy", np.asarray(y[rows], np.int64))
                splits[split] = {"count": len(rows), "shards": entries}
        meta = {"format": SHARDS_FORMAT, "version": SHARDS_VERSION, "aekit": __version__,
                "source": spec, "source_fingerprint": ds.fingerprint, "shape": list(shape),
                "classes": ds.classes, "labelled": labelled, "val_fraction": val_fraction,
                "seed": seed, "shard_size": per, "notes": list(ds.notes), "splits": splits,
                "fingerprint": short_hash(["shards", ds.fingerprint, *digests])}
        with open(stage / META, "w") as f:
            f.write(json.dumps(meta, indent=1))
            f.flush()
            os.fsync(f.fileno())
        if out.is_dir():
            out.rmdir()  # empty (checked above): the rename takes its place
        os.replace(stage, out)
    except OSError as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise DataError(f"cannot write the shards in {parent} ({exc.strerror or exc}); "
                        f"free space there or choose another --out") from None
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    LOG.info(f"wrote {total:,} images in {sum(len(s['shards']) for s in splits.values())} "
             f"shards to {out}")
    return meta


def _write_tar(wds: Any, path: Path, pixels: np.ndarray, labels: np.ndarray | None,
               first: int) -> None:
    """One shard: sample ``first + i`` as ``{key}.npy`` (and ``{key}.cls``)."""
    with open(path, "wb") as f, wds.TarWriter(f, encoder=False, mtime=0) as tar:
        for i, img in enumerate(pixels):
            buf = io.BytesIO()
            np.save(buf, np.ascontiguousarray(img), allow_pickle=False)
            sample = {"__key__": f"{first + i:0{KEY_DIGITS}d}", "npy": buf.getvalue()}
            if labels is not None:
                sample["cls"] = str(int(labels[i])).encode()
            tar.write(sample)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(2**20), b""):
            h.update(block)
    return h.hexdigest()
