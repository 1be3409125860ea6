"""CIFAR-10: its official archive, the batch files it holds, and their loader.

The files come from the official ``cifar-10-python.tar.gz`` (verified by md5, the
only digest the authors publish); the batches inside are trusted because that
archive was (see :mod:`aekit.data.fetch.verify`). The pickle format is read by
:mod:`aekit.data.cifar`, which stays a plain format reader.
"""

from __future__ import annotations

import numpy as np

from aekit.data.cifar import read_cifar_batch, read_cifar_meta
from aekit.data.dataset import Dataset, array_digest, short_hash
from aekit.data.fetch import (
    Archive,
    ArchiveUrlSource,
    FileSpec,
    RemoteSpec,
    checksum_status,
    ensure,
)
from aekit.data.images import conform
from aekit.data.sources.base import Source, u8_images
from aekit.errors import DataError
from aekit.registry import register_source

TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_BATCH = "test_batch"
META_FILE = "batches.meta"

CIFAR10_ARCHIVE = Archive(
    filename="cifar-10-python.tar.gz",
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    md5="c58f30108f718f92721af3b95e74349a",
    prefix="cifar-10-batches-py/",
)

CIFAR10 = RemoteSpec(
    name="cifar10",
    files=tuple(FileSpec(n) for n in (*TRAIN_BATCHES, TEST_BATCH, META_FILE)),
    sources=lambda: [ArchiveUrlSource(CIFAR10_ARCHIVE)],
    archive=CIFAR10_ARCHIVE,
    manual=(f"download {CIFAR10_ARCHIVE.url} and put it (or its cifar-10-batches-py folder) "
            "in a directory DIR"),
)


@register_source("cifar10")
class Cifar10Source(Source):
    """CIFAR-10 from the official python-pickle batches."""

    description = "CIFAR-10 objects, 32x32 RGB, 50000 train / 10000 test (official batches)"
    remote = CIFAR10

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        """The official 50 000 / 10 000 split, float32 in [0, 1], class names from the meta."""
        target = ensure(CIFAR10)
        checksums = {f.name: checksum_status(target / f.name, None, dataset="cifar10")
                     for f in CIFAR10.files}
        parts = [read_cifar_batch(target / n) for n in TRAIN_BATCHES]
        x_tr = np.concatenate([p[0] for p in parts])
        y_tr = np.concatenate([p[1] for p in parts])
        x_te, y_te = read_cifar_batch(target / TEST_BATCH)
        classes = read_cifar_meta(target / META_FILE)
        if len(classes) != 10:
            raise DataError(f"{target / META_FILE}: expected 10 class names, found "
                            f"{len(classes)}; delete the folder and fetch again")
        fp = short_hash(["cifar10", *(array_digest(a) for a in (x_tr, y_tr, x_te, y_te))])
        x_train = conform(u8_images(x_tr), image_size, channels)
        x_test = conform(u8_images(x_te), image_size, channels)
        fp = short_hash([fp, str(x_train.shape[1:])])
        return Dataset(name=spec, kind="image", x_train=x_train, y_train=y_tr, x_test=x_test,
                       y_test=y_te, classes=classes, origin=str(target), checksums=checksums,
                       fingerprint=fp)
