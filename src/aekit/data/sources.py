"""The registered data sources and :func:`load_dataset`.

Specs: a registered name (``mnist``, ``fashion-mnist``, ``cifar10``,
``natural-images``, ``mate-photos``) or ``folder:PATH``, ``npy:PATH``, ``npz:PATH``,
``csv:PATH[?label=COL]``. Each source is a class registered with
``@register_source(name)``; it has a ``description``, a ``kind`` and a ``load``
method, plus ``remote`` (a :class:`~aekit.data.fetch.RemoteSpec`) when its files
can be fetched. Adding a source is one class here (or in a new module) and nothing
else.

Splits: MNIST, Fashion-MNIST and CIFAR-10 use their official train/test files;
``natural-images`` holds out a fixed list of photos (:data:`NATURAL_TEST`); every
other source uses the seeded 80/20 permutation of :mod:`aekit.data.dataset`.
"""

from __future__ import annotations

import hashlib
import io
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from aekit.data.dataset import (
    Dataset,
    array_digest,
    labels_or_none,
    short_hash,
    split_indices,
)
from aekit.data.fetch import (
    CIFAR10,
    FASHION_MNIST,
    MATE_PHOTOS,
    MNIST,
    RemoteSpec,
    checksum_status,
    ensure,
)
from aekit.errors import DataError
from aekit.registry import SOURCES, register_source

DEFAULT_IMAGE_SIZE = 64
DEFAULT_CHANNELS = 3


def _note(message: str) -> None:
    print(f"aekit: {message}", file=sys.stderr, flush=True)


class Source:
    """Base of every data source: what it is, and how to load it into a :class:`Dataset`."""

    description: ClassVar[str] = ""
    kind: ClassVar[str] = "image"
    takes_path: ClassVar[bool] = False
    takes_options: ClassVar[bool] = False  # accepts ``name?key=value&…`` (no path)
    remote: ClassVar[RemoteSpec | None] = None

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:  # pragma: no cover - abstract
        """Load the dataset named by ``spec`` (``arg`` is the part after ``name:``)."""
        raise NotImplementedError


def _u8_images(x: np.ndarray) -> np.ndarray:
    """uint8 ``(N, C, H, W)`` → float32 in [0, 1] (one allocation, exact division)."""
    out = x.astype(np.float32)
    np.divide(out, np.float32(255.0), out=out)
    return out


def _conform(x: np.ndarray, image_size: int | None, channels: int | None) -> np.ndarray:
    from aekit.data.images import conform

    return conform(x, image_size, channels)


# ------------------------------------------------------------------ IDX (MNIST family)
class _IdxSource(Source):
    classes: ClassVar[list[str]] = []

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        from aekit.data.idx import parse_idx, read_bytes

        assert self.remote is not None
        target = ensure(self.remote)
        arrays: dict[str, np.ndarray] = {}
        checksums: dict[str, str] = {}
        for f in self.remote.files:
            p = target / f.name
            data = read_bytes(p)
            arrays[f.name] = parse_idx(data, str(p))
            checksums[f.name] = checksum_status(p, f.sha256, data=data, dataset=self.remote.name)
        split: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for part, prefix in (("train", "train"), ("test", "t10k")):
            x = arrays[f"{prefix}-images-idx3-ubyte"]
            y = arrays[f"{prefix}-labels-idx1-ubyte"]
            if x.ndim != 3 or y.ndim != 1 or len(x) != len(y) or x.dtype != np.uint8:
                raise DataError(f"{target}: {prefix} images {x.shape} and labels {y.shape} do "
                                "not match; delete the folder and fetch again")
            split[part] = (_conform(_u8_images(x[:, None]), image_size, channels),
                           y.astype(np.int64))
        x_train, y_train = split["train"]
        fp = short_hash(["idx", *(f"{f.name}:{f.sha256}" for f in self.remote.files),
                         str(x_train.shape[1:])])
        return Dataset(name=spec, kind="image", x_train=x_train, y_train=y_train,
                       x_test=split["test"][0], y_test=split["test"][1],
                       classes=list(self.classes), origin=str(target), checksums=checksums,
                       fingerprint=fp)


@register_source("mnist")
class MnistSource(_IdxSource):
    """MNIST handwritten digits."""

    description = "MNIST handwritten digits, 28x28 gray, 60000 train / 10000 test (official)"
    remote = MNIST
    classes = [str(i) for i in range(10)]


@register_source("fashion-mnist")
class FashionMnistSource(_IdxSource):
    """Zalando's Fashion-MNIST clothing images."""

    description = "Fashion-MNIST clothing, 28x28 gray, 60000 train / 10000 test (official)"
    remote = FASHION_MNIST
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]


# ------------------------------------------------------------------ CIFAR-10
@register_source("cifar10")
class Cifar10Source(Source):
    """CIFAR-10 from the official python-pickle batches."""

    description = "CIFAR-10 objects, 32x32 RGB, 50000 train / 10000 test (official batches)"
    remote = CIFAR10

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        from aekit.data.cifar import TEST_BATCH, TRAIN_BATCHES, read_cifar_batch, read_cifar_meta

        target = ensure(CIFAR10)
        checksums = {f.name: checksum_status(target / f.name, None, dataset="cifar10")
                     for f in CIFAR10.files}
        parts = [read_cifar_batch(target / n) for n in TRAIN_BATCHES]
        x_tr = np.concatenate([p[0] for p in parts])
        y_tr = np.concatenate([p[1] for p in parts])
        x_te, y_te = read_cifar_batch(target / TEST_BATCH)
        classes = read_cifar_meta(target / "batches.meta")
        if len(classes) != 10:
            raise DataError(f"{target / 'batches.meta'}: expected 10 class names, found "
                            f"{len(classes)}; delete the folder and fetch again")
        fp = short_hash(["cifar10", *(array_digest(a) for a in (x_tr, y_tr, x_te, y_te))])
        x_train = _conform(_u8_images(x_tr), image_size, channels)
        x_test = _conform(_u8_images(x_te), image_size, channels)
        fp = short_hash([fp, str(x_train.shape[1:])])
        return Dataset(name=spec, kind="image", x_train=x_train, y_train=y_tr, x_test=x_test,
                       y_test=y_te, classes=classes, origin=str(target), checksums=checksums,
                       fingerprint=fp)


# ------------------------------------------------------------------ natural images
# sha256 of the uint8 pixel bytes as shipped in scikit-image 0.26.
NATURAL_DIGESTS = {
    "astronaut": "a8c429c18afa7b0fd5673e598d73a21225d94c864a71bbb3885126fdecb41071",
    "coffee": "0ce2b51640b9c95f19617f03eabf40c3f0368589cc1ee1190b70966165ac184f",
    "rocket": "3d4435cc745752b7f9724df88c6e18817de3ce7e3d2d71c55f85f7831e68f197",
    "hubble_deep_field": "9a3ea9548188f81e63435188456e74de45a981ebeb791e265abe79a26d3b528b",
    "retina": "3670e389d0dae9f755cc1bb7e4da4c3d2cdf10eba2dc3060836d8d4b8024d860",
    "moon": "a20362266d5b01021f6f0f54bd603c3137f921b741770420deeb5ea0141716c0",
    "coins": "e080cc03805f1fa70516c3cb84883d4633bda2a1b51841da7c22f3d14c072451",
    "page": "667bfd85aab58052ae90251fae1a265cf8be6d1097b1e61dcfc183b65887a1fe",
    "text": "6705caed21e6281799a52591c27498da5526cace39f2b6af3141b2ff11e2e517",
    "clock": "ad313afa739ea86c00ce55d190f1fa284c1982e9bc70eb4c9b21ac29c5c7a85c",
    "brick": "664a145c5253f0d66db1a12776785f0ea35a44cc7447ffc933f6d6118dc58643",
    "grass": "b18dae4c68bf850a7a7b28a29d1846c76be890665117b57fd125fe29c4d4ede6",
    "chelsea": "416b729128bfb2c3d1eb69bf9b1734a796293abc17939267b2dc94f8a5784031",
    "immunohistochemistry": "c5b3ef509a92f16d4c29be8cf0300fe75d53e13a3ce650159db932caea8dcc1b",
    "camera": "5cb24482a53416f99052258be2b1ee38cd31c559a70c8a8b321cba231b332e21",
    "gravel": "3d51ad45f789cd8b98534b7af6bce774e499ead45421135afd757358c7230009",
}
#: Held-out photos (2 RGB, 2 gray); all other photos are the training split.
NATURAL_TEST = ["chelsea", "immunohistochemistry", "camera", "gravel"]
NATURAL_TRAIN = [n for n in NATURAL_DIGESTS if n not in NATURAL_TEST]


@register_source("natural-images")
class NaturalImagesSource(Source):
    """The photographs bundled in the scikit-image wheel (no download needed).

    Included: 7 RGB (astronaut, chelsea, coffee, rocket, hubble_deep_field,
    immunohistochemistry, retina) and 9 gray (camera, moon, coins, page, text, clock,
    brick, grass, gravel). Left out on purpose: ``horse`` (a binary silhouette, not a
    photograph), ``cat`` (the same picture as ``chelsea``, which would leak the test
    photo into training), ``logo`` and ``colorwheel`` (synthetic graphics); images that
    need a pooch download (e.g. ``eagle``) are not used because they fail offline.
    Photos keep their native sizes (``image_size`` is ignored); cut fixed-size patches
    with :func:`aekit.data.patches.extract_patches`. ``channels`` 3 (default) turns
    gray photos to RGB by repetition; 1 gives grayscale (ITU-R 601 luma).
    """

    description = ("16 photos bundled with scikit-image (variable size; train 12 / test 4 "
                   "photos); cut patches for training")
    kind = "photos"

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        import skimage
        import skimage.data

        from aekit.data.images import convert_channels

        channels = DEFAULT_CHANNELS if channels is None else channels
        checksums: dict[str, str] = {}
        photos: dict[str, np.ndarray] = {}
        digests: list[str] = []
        for name in NATURAL_TRAIN + NATURAL_TEST:
            try:
                raw = np.ascontiguousarray(getattr(skimage.data, name)())
            except Exception as exc:  # e.g. a future scikit-image that needs a download
                raise DataError(f"natural-images: scikit-image {skimage.__version__} cannot "
                                f"provide {name!r} offline ({type(exc).__name__}); install "
                                "scikit-image 0.26") from None
            digest = hashlib.sha256(raw.tobytes()).hexdigest()
            checksums[name] = "ok" if digest == NATURAL_DIGESTS[name] else "unverified"
            digests.append(f"{name}:{digest}")
            a = raw[None] if raw.ndim == 2 else raw.transpose(2, 0, 1)
            photos[name] = convert_channels(_u8_images(a[None]), channels)[0]
        notes = [f"test photos: {', '.join(NATURAL_TEST)}"]
        changed = [n for n, s in checksums.items() if s != "ok"]
        if changed:
            notes.append(f"differ from scikit-image 0.26: {', '.join(changed)}")
        if image_size is not None:
            notes.append("image_size ignored: photos keep their native size; cut patches")
        return Dataset(name=spec, kind="photos",
                       x_train=[photos[n] for n in NATURAL_TRAIN], y_train=None,
                       x_test=[photos[n] for n in NATURAL_TEST], y_test=None, classes=None,
                       origin=str(Path(skimage.data.__file__).parent),
                       checksums=checksums,
                       fingerprint=short_hash(["natural", *digests, str(channels)]),
                       notes=notes, ids_train=np.array(NATURAL_TRAIN),
                       ids_test=np.array(NATURAL_TEST))


@register_source("mate-photos")
class MatePhotosSource(Source):
    """The 12 photographs shipped in Debian's ``mate-backgrounds`` wallpaper package.

    More real photos for restoration training where no standard SR training set
    (DIV2K, BSD500, T91) can be fetched: macro and landscape shots (grass, leaves,
    flowers, wood grain, sand, water). Fetched with ``apt-get download`` + ``dpkg -x``
    (or ``aekit data fetch mate-photos --from DIR``) and verified by sha256.

    Each photo is **halved** on load (Lanczos, anti-aliased): the wallpapers are 1.3–4.9
    megapixel JPEGs whose finest scale holds compression artefacts and lens softness
    rather than detail; at half size (640–1280 pixels wide) the pixels carry real texture,
    as in the test photos. Split: seeded 80/20 by photo; as ``data.extra_photos`` every
    photo joins the training patches of another photo dataset.
    """

    description = ("12 photos from Debian's mate-backgrounds (halved to 640–1280 px wide); "
                   "extra training photos for restoration")
    kind = "photos"
    remote = MATE_PHOTOS

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        from PIL import Image

        from aekit.data.images import decode_image

        channels = DEFAULT_CHANNELS if channels is None else channels
        target = ensure(MATE_PHOTOS)
        photos: list[np.ndarray] = []
        checksums: dict[str, str] = {}
        for f in MATE_PHOTOS.files:
            path = target / f.name
            data = path.read_bytes()
            checksums[f.name] = checksum_status(path, f.sha256, data=data, dataset=spec)
            with Image.open(io.BytesIO(data)) as im:  # the header: the size to halve
                w, h = im.size
            photos.append(decode_image(data, str(path), channels, size=(h // 2, w // 2)))
        names = np.array([f.name.rsplit(".", 1)[0] for f in MATE_PHOTOS.files])
        tr, te = split_indices(len(photos))
        notes = ["photos halved on load (Lanczos)"]
        if image_size is not None:
            notes.append("image_size ignored: photos keep their (halved) size; cut patches")
        return Dataset(name=spec, kind="photos", x_train=[photos[i] for i in tr], y_train=None,
                       x_test=[photos[i] for i in te], y_test=None, classes=None,
                       origin=str(target), checksums=checksums,
                       fingerprint=short_hash(["mate-photos", "half", str(channels),
                                               *(f.sha256 or "" for f in MATE_PHOTOS.files)]),
                       notes=notes, ids_train=names[tr], ids_test=names[te])


# ------------------------------------------------------------------ folder of images
def _hidden(name: str) -> bool:
    return name.startswith(".")


def _walk_files(top: Path) -> list[Path]:
    """Non-hidden files under ``top`` (recursively, hidden folders skipped), sorted."""
    import os

    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
        out.extend(Path(dirpath) / f for f in filenames if not _hidden(f))
    return sorted(out)


def _shorten(names: list[str], limit: int = 20) -> str:
    return ", ".join(names[:limit]) + (f" … and {len(names) - limit} more"
                                       if len(names) > limit else "")


@register_source("folder")
class FolderSource(Source):
    """A folder of images; its immediate sub-folders are the classes.

    Layout: ``PATH/<class>/**/image`` → labelled (classes = sorted sub-folder names);
    only files directly in ``PATH`` → unlabelled (``y = None``). When class sub-folders
    exist, files directly in ``PATH`` are not used (and are named in ``notes``). Hidden
    files and folders (``.name``) are ignored. Every other file is decoded; files that
    cannot be read as images (corrupt, truncated, text, …) are skipped, counted and
    named on stderr and in ``notes``. Images are resized to ``image_size`` square
    (default 64, Lanczos, no crop) with ``channels`` (default 3 = RGB). Split: seeded
    80/20 permutation of the sorted readable files (at least 1 test image if >= 2).
    """

    description = "a folder of images, sub-folders = classes (resized, default 64x64 RGB)"
    takes_path = True
    native: ClassVar[bool] = False  # keep native sizes (photos:) instead of resizing

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        from aekit.data.images import decode_image

        size = DEFAULT_IMAGE_SIZE if image_size is None else int(image_size)
        channels = DEFAULT_CHANNELS if channels is None else channels
        if self.native and image_size is not None:
            raise DataError(f"{spec} keeps photos at their native size; remove "
                            "data.image_size (or use folder: to resize)")
        if size < 1:
            raise DataError(f"image_size must be a positive number of pixels, not {size}")
        root = Path(arg or "").expanduser()
        if not root.exists():
            raise DataError(f"{root}: no such directory")
        if not root.is_dir():
            raise DataError(f"{root}: not a directory (folder: needs a folder of images; "
                            "use npy:, npz: or csv: for data files)")
        notes: list[str] = []
        entries = sorted(root.iterdir())
        subdirs = [d for d in entries if d.is_dir() and not _hidden(d.name)]
        top = [f for f in entries if f.is_file() and not _hidden(f.name)]
        per_class = {d.name: _walk_files(d) for d in subdirs}
        empty = [c for c, fs in per_class.items() if not fs]
        classes = [c for c, fs in per_class.items() if fs]
        files: list[tuple[Path, int]] = []
        if classes:
            if empty:
                notes.append(f"ignored empty sub-folders: {', '.join(empty)}")
            if top:
                notes.append(f"not used: {len(top)} files directly in {root} (class "
                             f"sub-folders exist): {_shorten([f.name for f in top])}")
            for k, c in enumerate(classes):
                files.extend((f, k) for f in per_class[c])
        else:
            files = [(f, -1) for f in top]
        if not files:
            raise DataError(f"{root}: no files found (hidden files are ignored); put images in "
                            "it or in one sub-folder per class")
        if len(files) > 2000:
            _note(f"reading {len(files)} files from {root}")

        def read(item: tuple[Path, int]) -> tuple[np.ndarray | None, str, str]:
            path, _ = item
            rel = path.relative_to(root).as_posix()
            try:
                data = path.read_bytes()
                arr = decode_image(data, rel, channels=channels,
                                   size=None if self.native else (size, size))
                return arr, hashlib.sha256(data).hexdigest(), ""
            except DataError as exc:
                reason = str(exc).removeprefix(f"{rel}: ").split(";")[0]
                return None, "", reason
            except OSError as exc:
                return None, "", f"cannot read ({exc.strerror or exc})"

        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(read, files))
        images, labels, parts, skipped = [], [], [], []
        for (path, k), (arr, digest, reason) in zip(files, results, strict=True):
            rel = path.relative_to(root).as_posix()
            if arr is None:
                skipped.append(f"{rel} ({reason})")
                continue
            images.append(arr)
            labels.append(k)
            parts.append(f"{rel}:{digest}:{k}")
        if not images:
            raise DataError(f"{root}: no readable images among {len(files)} files "
                            f"(skipped: {_shorten(skipped, 5)})")
        if skipped:
            notes.append(f"skipped {len(skipped)} unreadable files: {', '.join(skipped)}")
            _note(f"{root}: skipped {len(skipped)} unreadable files: {_shorten(skipped)}")
        if len(files) > 2000:
            _note(f"read {len(images)} images in {time.monotonic() - t0:.1f} s")
        if self.native:
            return self._photos(spec, root, images, parts, notes, channels)
        x = np.stack(images)
        y = np.array(labels, dtype=np.int64) if classes else None
        tr, te = split_indices(len(x))
        if len(te) == 0:
            notes.append("only 1 image: the test split is empty")
        return Dataset(name=spec, kind="image", x_train=x[tr], y_train=None if y is None else
                       y[tr], x_test=x[te], y_test=None if y is None else y[te],
                       classes=classes or None, origin=str(root.resolve()),
                       checksums={f"{root.name or root}/ ({len(images)} images)": "unverified"},
                       fingerprint=short_hash(["folder", str(size), str(channels), *parts]),
                       notes=notes)


    def _photos(self, spec: str, root: Path, images: list[np.ndarray], parts: list[str],
                notes: list[str], channels: int) -> Dataset:
        """Native-size photos, split 80/20 by photo (seeded), named by relative path."""
        names = np.array([p.split(":", 1)[0] for p in parts])
        tr, te = split_indices(len(images))
        if len(te) == 0:
            notes.append("only 1 photo: the test split is empty")
        return Dataset(name=spec, kind="photos", x_train=[images[i] for i in tr], y_train=None,
                       x_test=[images[i] for i in te], y_test=None, classes=None,
                       origin=str(root.resolve()),
                       checksums={f"{root.name or root}/ ({len(images)} photos)": "unverified"},
                       fingerprint=short_hash(["photos", str(channels), *parts]), notes=notes,
                       ids_train=names[tr], ids_test=names[te])


@register_source("photos")
class PhotosSource(FolderSource):
    """A folder of photos kept at their native sizes, for restoration tasks.

    Read like ``folder:`` (recursively when there are sub-folders; unreadable files
    skipped and named; labels ignored), but not resized: training cuts patches
    (``data.patch_size``, ``data.patches``) and evaluation uses whole photos. Split:
    seeded 80/20 by photo. ``channels`` 3 (default) or 1 (ITU-R 601 luma).
    """

    description = "a folder of photos at native size (restoration: patches for training)"
    kind = "photos"
    native = True


# ------------------------------------------------------------------ arrays
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
        return _u8_images(np.ascontiguousarray(x)), "image"
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


def _file_fingerprint(path: Path, extra: str = "") -> tuple[str, str]:
    from aekit.data.fetch import sha256_file

    digest = sha256_file(path)
    return digest, short_hash([path.suffix, digest, extra])


def _from_arrays(spec: str, path: Path, x_tr: np.ndarray, y_tr: np.ndarray | None,
                 x_te: np.ndarray, y_te: np.ndarray | None, kind: str, notes: list[str],
                 image_size: int | None, channels: int | None) -> Dataset:
    if kind == "image":
        x_tr = _conform(x_tr, image_size, channels)
        x_te = _conform(x_te, image_size, channels)
    elif image_size is not None or channels is not None:
        notes.append("image_size/channels ignored for vector data")
    _, fp = _file_fingerprint(path, f"{x_tr.shape[1:]}")
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
        return _from_arrays(spec, path, x[tr], None, x[te], None, kind, notes, image_size,
                            channels)


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
                    xs = [x_all[tr], x_all[te]]
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


# ------------------------------------------------------------------ CSV tables
@register_source("csv")
class CsvSource(Source):
    """A CSV table (header row); ``csv:PATH?label=COL`` names an optional label column."""

    description = ("a CSV table with a header (csv:PATH?label=COL); numeric standardised, "
                   "text one-hot; split 80/20")
    takes_path = True
    kind = "vector"

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        from aekit.data.tabular import load_csv, parse_csv_options

        text = arg or ""
        opts: dict[str, str] = {}
        if "?" in text:
            text, _, query = text.rpartition("?")
            opts = parse_csv_options(spec, query)
        label, scale = opts.get("label"), opts.get("scale", "standard")
        path = Path(text).expanduser()
        if path.is_dir():
            raise DataError(f"{path}: is a directory; csv: needs a .csv file")
        kind = "vector"
        if "window" in opts or "sequence" in opts:  # time series → sequence samples
            from aekit.data.timeseries import load_sequences, load_windows

            kind = "sequence"
            if "sequence" in opts:
                parts = load_sequences(path, sequence=opts["sequence"], label=label,
                                       scale=scale)
            else:
                ints = {}
                for k in ("window", "stride"):
                    try:
                        ints[k] = int(opts.get(k, "1"))
                    except ValueError:
                        raise DataError(f"csv: {k} must be an integer, got "
                                        f"{opts[k]!r}") from None
                parts = load_windows(path, window=ints["window"], stride=ints["stride"],
                                     label=label, ids=opts.get("id"), scale=scale)
        else:
            parts = load_csv(path, label, ids=opts.get("id"), scale=scale)
        extra = "&".join(f"{k}={v}" for k, v in sorted(opts.items()) if k != "label")
        _, fp = _file_fingerprint(path, f"label={label}" + (f"&{extra}" if extra else ""))
        notes = parts["notes"]
        if image_size is not None or channels is not None:
            notes.append("image_size/channels ignored for vector data")
        return Dataset(name=spec, kind=kind, x_train=parts["x_train"],
                       y_train=parts["y_train"], x_test=parts["x_test"], y_test=parts["y_test"],
                       classes=parts["classes"], origin=str(path.resolve()),
                       checksums={path.name: "unverified"}, fingerprint=fp,
                       feature_names=parts["feature_names"], notes=notes,
                       ids_train=parts["ids_train"], ids_test=parts["ids_test"])


# ------------------------------------------------------------------ entry point
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


def load_dataset(spec: str, *, image_size: int | None = None,
                 channels: int | None = None) -> Dataset:
    """Load the dataset named by ``spec`` with its fixed train/test split.

    ``spec``: ``mnist``, ``fashion-mnist``, ``cifar10``, ``natural-images``,
    ``folder:PATH``, ``npy:PATH``, ``npz:PATH`` or ``csv:PATH[?label=COL]``. Missing
    fetchable datasets are fetched into the cache first (progress on stderr).
    ``image_size`` (square side) and ``channels`` (1 or 3) resize / convert image data;
    ``None`` keeps each source's native or default layout (folder: 64 px, RGB).
    Raises :class:`DataError` with one line for anything the user can fix.
    """
    if channels not in (None, 1, 3):
        raise DataError(f"channels must be 1 (grayscale) or 3 (RGB), not {channels}")
    if image_size is not None and int(image_size) < 1:
        raise DataError(f"image_size must be a positive number of pixels, not {image_size}")
    _, arg, cls = parse_spec(spec)
    return cls().load(spec.strip(), arg, image_size=image_size, channels=channels)


# Sources in their own modules register on import (they subclass Source, defined above).
from aekit.data import moving_mnist as _moving_mnist  # noqa: E402,F401
