"""Photo datasets for restoration: whole photographs of varying size, no labels.

Three sources, one kind (``photos``: a list of ``(C, H, W)`` float32 arrays that
training cuts into patches, :func:`aekit.data.patches.extract_patches`):

* ``natural-images``: the photos bundled in scikit-image's wheel (no download), with
  the digests of scikit-image 0.26 and a fixed list of held-out test photos;
* ``mate-photos``: the 12 photographs of Debian's ``mate-backgrounds``, with their
  remote spec (the package, the file names, their sha256);
* ``photos:PATH``: a folder read like ``folder:`` (:mod:`.folder`) but kept at native
  size.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np

from aekit.data.dataset import Dataset, U8Images, short_hash, split_indices, to_float
from aekit.data.fetch import AptSource, FileSpec, RemoteSpec, checksum_status, ensure
from aekit.data.images import convert_channels, decode_image
from aekit.data.sources.base import DEFAULT_CHANNELS, Source
from aekit.data.sources.folder import FolderImages, FolderSource
from aekit.errors import DataError
from aekit.registry import register_source

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
        import skimage  # imported on use: scikit-image is slow to import
        import skimage.data

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
            photos[name] = convert_channels(to_float(a[None]), channels)[0]
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


# ------------------------------------------------------------------ mate-photos
#: The 12 photographs (``nature/``) of Debian's ``mate-backgrounds`` 1.26 wallpapers:
#: JPEGs of 1280×1024 to 2560×1920 pixels (the package's other folders are renders).
MATE_PHOTO_DIGESTS = {
    "Aqua.jpg": "5c30118205982da441bf7e6a1ada636a8a0be879408140b3148280c665ed6bce",
    "Blinds.jpg": "f7aac0dcc2e06d0491643e84df3da1d9db7c4610f58806a880d56e074799f600",
    "Dune.jpg": "8a67c2cb0be8c46b70c237311a4fa4d2b4ac7d39568135384787801fa5cc9a91",
    "FreshFlower.jpg": "972b0a0c4e5e3fa93f4f244fc84bc64b121a5eac3aaa5856f1308c1f38a02f8e",
    "Garden.jpg": "d3095ee09d425ef23d27155412136cf14fc3c9af76ca58b452f55e23da324e78",
    "GreenMeadow.jpg": "8fa0de0aa4089f7319c9fb7a6d006d4cab6023e8c8853731557cff53567b4832",
    "LadyBird.jpg": "e35a9a4126ef969c90b29c038058c5a575a20eadd84106a37bf1fa9931e7b61d",
    "RainDrops.jpg": "3e4ea9671c28c90a86cf67b3db9daf18c4741587c596333a7529ca589aaa0c16",
    "Storm.jpg": "77ca53077831d3237f73393a91fc879158abc046d852941c26e90de336356957",
    "TwoWings.jpg": "665e5abf8a5399070a91a9a8e455fe071e5b61697ff78fdeda4e9843ef545aeb",
    "Wood.jpg": "19c78500ac00a622e19907ab9cc7d06d46fe08c4a6142759a84195696150ec07",
    "YellowFlower.jpg": "254da96256acb7add685679775a04d1e4a5bc8cd13e5a5a3d61351ce198a5306",
}

MATE_PHOTOS = RemoteSpec(
    name="mate-photos",
    files=tuple(FileSpec(n, d) for n, d in MATE_PHOTO_DIGESTS.items()),
    sources=lambda: [AptSource("mate-backgrounds", "usr/share/backgrounds/mate/nature")],
    manual="put the JPEGs of mate-backgrounds' usr/share/backgrounds/mate/nature/ "
           f"({', '.join(MATE_PHOTO_DIGESTS)}) in a directory DIR",
)


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


# ------------------------------------------------------------------ photos:PATH
@register_source("photos")
class PhotosSource(FolderSource):
    """A folder of photos kept at their native sizes, for restoration tasks.

    Read like ``folder:`` (recursively when there are sub-folders; unreadable files
    skipped and named; labels ignored), but not resized, and each photo kept as its
    uint8 pixels (:class:`~aekit.data.dataset.U8Images`, read as float32): training cuts patches
    (``data.patch_size``, ``data.patches``) and evaluation uses whole photos. Split:
    seeded 80/20 by photo. ``channels`` 3 (default) or 1 (ITU-R 601 luma).
    """

    description = "a folder of photos at native size (restoration: patches for training)"
    kind = "photos"
    native = True
    preparable = False  # native sizes: no one (n, c, s, s) array to map

    def assemble(self, spec: str, found: FolderImages, *, size: int,
                 channels: int) -> Dataset:
        """Native-size photos, split 80/20 by photo (seeded), named by relative path."""
        root, parts, notes = found.root, found.parts, found.notes
        # (c, h, w) uint8 each, read as float32: a quarter of the memory (a DIV2K-sized set
        # is ~7 GB, not ~27 GB); splits convert what they cut
        images = [U8Images(im) for im in found.images]
        found.images.clear()
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
