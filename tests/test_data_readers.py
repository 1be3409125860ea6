"""Format readers on small files written by the tests: IDX, CIFAR pickles, npy/npz, CSV."""

from __future__ import annotations

import gzip
import pickle

import numpy as np
import pytest

from aekit.data import load_dataset
from aekit.data.cifar import read_cifar_batch, write_cifar_batch
from aekit.data.dataset import split_indices
from aekit.data.idx import encode_idx, read_idx, write_idx
from aekit.errors import DataError


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own empty cache; no local-dir env vars leak in."""
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "cache"))
    for var in ("AEKIT_MNIST_DIR", "AEKIT_FASHION_MNIST_DIR", "AEKIT_CIFAR10_DIR"):
        monkeypatch.delenv(var, raising=False)


# ------------------------------------------------------------------ IDX
def test_idx_round_trip_raw_and_gz(tmp_path):
    imgs = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    for suffix in ("", ".gz"):
        write_idx(tmp_path / f"img{suffix}", imgs)
        write_idx(tmp_path / f"lab{suffix}", labels)
        np.testing.assert_array_equal(read_idx(tmp_path / f"img{suffix}"), imgs)
        np.testing.assert_array_equal(read_idx(tmp_path / f"lab{suffix}"), labels)
    assert (tmp_path / "img.gz").read_bytes()[:2] == b"\x1f\x8b"
    f = np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3)
    write_idx(tmp_path / "f", f)
    np.testing.assert_array_equal(read_idx(tmp_path / "f"), f)


def test_idx_wrong_magic_number(tmp_path):
    p = tmp_path / "train-images-idx3-ubyte"
    p.write_bytes(b"\x50\x4b\x03\x04" + bytes(100))
    with pytest.raises(DataError, match="wrong magic number") as exc:
        read_idx(p)
    assert str(p) in str(exc.value) and "\n" not in str(exc.value)


def test_idx_truncated(tmp_path):
    p = tmp_path / "t10k-images-idx3-ubyte"
    p.write_bytes(encode_idx(np.zeros((10, 28, 28), np.uint8))[:-100])
    with pytest.raises(DataError, match=r"truncated IDX file \(7756 of 7856 bytes") as exc:
        read_idx(p)
    assert str(p) in str(exc.value)
    p.write_bytes(b"\x00\x00\x08\x03\x00\x00")  # header cut short
    with pytest.raises(DataError, match="truncated IDX header"):
        read_idx(p)


def test_idx_extra_bytes_and_truncated_gzip(tmp_path):
    p = tmp_path / "x"
    p.write_bytes(encode_idx(np.zeros(4, np.uint8)) + b"junk")
    with pytest.raises(DataError, match="4 extra bytes"):
        read_idx(p)
    gz = gzip.compress(encode_idx(np.zeros((50, 28, 28), np.uint8)))
    p.write_bytes(gz[: len(gz) // 2])
    with pytest.raises(DataError, match="corrupt or truncated gzip"):
        read_idx(p)


def _tiny_mnist(directory, truncate_train=False):
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", 6), ("t10k", 3)):
        images = encode_idx(rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        if truncate_train and prefix == "train":
            images = images[:-10]
        (directory / f"{prefix}-images-idx3-ubyte").write_bytes(images)
        write_idx(directory / f"{prefix}-labels-idx1-ubyte", np.arange(n, dtype=np.uint8))


def test_mnist_cache_with_modified_files_is_a_digest_error(tmp_path):
    _tiny_mnist(tmp_path / "cache" / "mnist")
    with pytest.raises(DataError, match="sha256 mismatch") as exc:
        load_dataset("mnist")
    msg = str(exc.value)
    assert "train-images-idx3-ubyte" in msg and "aekit data fetch mnist" in msg


def test_mnist_cache_with_truncated_file(tmp_path):
    _tiny_mnist(tmp_path / "cache" / "mnist", truncate_train=True)
    with pytest.raises(DataError, match="train-images-idx3-ubyte: truncated IDX file"):
        load_dataset("mnist")


# ------------------------------------------------------------------ CIFAR
def _cifar_dir(directory, n=4):
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
        x = rng.integers(0, 256, (n, 3, 32, 32), dtype=np.uint8)
        write_cifar_batch(directory / name, x, (np.arange(n) + i) % 10)
    meta = {b"label_names": [c.encode() for c in "a b c d e f g h i j".split()],
            b"num_cases_per_batch": n}
    (directory / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))


def test_cifar_batch_reader(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (5, 3, 32, 32), dtype=np.uint8)
    write_cifar_batch(tmp_path / "data_batch_1", x, [0, 1, 2, 3, 9])
    xs, ys = read_cifar_batch(tmp_path / "data_batch_1")
    np.testing.assert_array_equal(xs, x)
    assert ys.dtype == np.int64 and ys.tolist() == [0, 1, 2, 3, 9]
    # the official layout: the first 1024 values of a row are the red plane
    raw = pickle.loads((tmp_path / "data_batch_1").read_bytes(), encoding="bytes")
    np.testing.assert_array_equal(raw[b"data"][0, :1024].reshape(32, 32), x[0, 0])


def test_cifar_rejects_foreign_pickles(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    p = tmp_path / "data_batch_1"
    p.write_bytes(pickle.dumps({b"data": Evil()}))
    with pytest.raises(DataError, match="refusing to load builtins.print"):
        read_cifar_batch(p)
    p.write_bytes(b"not a pickle")
    with pytest.raises(DataError, match="not a readable CIFAR pickle"):
        read_cifar_batch(p)
    p.write_bytes(pickle.dumps({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}))
    with pytest.raises(DataError, match=r"shape \(N, 3072\)"):
        read_cifar_batch(p)


def test_cifar10_source_from_cache(tmp_path):
    _cifar_dir(tmp_path / "cache" / "cifar10")
    ds = load_dataset("cifar10")
    assert ds.kind == "image" and ds.input_shape == (3, 32, 32)
    assert ds.x_train.shape == (20, 3, 32, 32) and ds.x_test.shape == (4, 3, 32, 32)
    assert ds.x_train.dtype == np.float32 and 0 <= ds.x_train.min() <= ds.x_train.max() <= 1
    assert ds.classes == list("abcdefghij") and ds.y_test.tolist() == [5, 6, 7, 8]
    assert set(ds.checksums.values()) == {"unverified"}  # no digest known for loose files
    gray = load_dataset("cifar10", channels=1, image_size=16)
    assert gray.input_shape == (1, 16, 16) and gray.fingerprint != ds.fingerprint


# ------------------------------------------------------------------ npy / npz
def test_npy_vectors_and_images(tmp_path):
    v = np.random.default_rng(0).normal(size=(10, 4))
    np.save(tmp_path / "v.npy", v)
    ds = load_dataset(f"npy:{tmp_path / 'v.npy'}")
    assert ds.kind == "vector" and ds.input_shape == (4,) and (ds.n_train, ds.n_test) == (8, 2)
    tr, te = split_indices(10)
    np.testing.assert_allclose(ds.x_test, v[te].astype(np.float32))
    assert ds.y_train is None and ds.checksums == {"v.npy": "unverified"}

    img = np.random.default_rng(0).integers(0, 256, (5, 6, 7), dtype=np.uint8)
    np.save(tmp_path / "i.npy", img)
    ds = load_dataset(f"npy:{tmp_path / 'i.npy'}")
    assert ds.kind == "image" and ds.input_shape == (1, 6, 7)
    np.testing.assert_allclose(ds.x_train[0, 0], img[split_indices(5)[0][0]] / 255, rtol=1e-6)
    nhwc = np.random.default_rng(0).random((4, 8, 8, 3)).astype(np.float32)
    np.save(tmp_path / "c.npy", nhwc)
    ds = load_dataset(f"npy:{tmp_path / 'c.npy'}", image_size=4)
    assert ds.input_shape == (3, 4, 4) and any("channels-last" in n for n in ds.notes)


@pytest.mark.parametrize("array, message", [
    (np.array([[1.0, np.nan], [0.0, 1.0]]), "NaN or infinite"),
    (np.full((3, 4, 4), 2.5), r"must lie in \[0, 1\]"),
    (np.zeros(5), "expected"),
])
def test_npy_bad_arrays(tmp_path, array, message):
    np.save(tmp_path / "a.npy", array)
    with pytest.raises(DataError, match=message):
        load_dataset(f"npy:{tmp_path / 'a.npy'}")


def test_npy_object_array_and_missing_file(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="Python objects"):
        load_dataset(f"npy:{tmp_path / 'o.npy'}")
    with pytest.raises(DataError, match="no such file"):
        load_dataset(f"npy:{tmp_path / 'missing.npy'}")


def test_npz_layouts(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "s.npz", x_train=rng.random((6, 3)), x_test=rng.random((2, 3)),
             y_train=np.arange(6), y_test=np.array([1, 0]), extra=np.zeros(1))
    ds = load_dataset(f"npz:{tmp_path / 's.npz'}")
    assert (ds.n_train, ds.n_test) == (6, 2) and ds.y_test.tolist() == [1, 0]
    assert ds.y_train.dtype == np.int64 and "ignored arrays: extra" in ds.notes

    np.savez(tmp_path / "x.npz", x=rng.integers(0, 256, (10, 1, 4, 4), dtype=np.uint8),
             y=np.arange(10) % 2)
    ds = load_dataset(f"npz:{tmp_path / 'x.npz'}")
    assert ds.kind == "image" and (ds.n_train, ds.n_test) == (8, 2)
    assert ds.y_test.tolist() == (np.arange(10) % 2)[split_indices(10)[1]].tolist()

    np.savez(tmp_path / "bad.npz", data=np.zeros((3, 2)))
    with pytest.raises(DataError, match="needs arrays x_train and x_test"):
        load_dataset(f"npz:{tmp_path / 'bad.npz'}")
    np.savez(tmp_path / "nan.npz", x_train=np.array([[np.inf]]), x_test=np.zeros((1, 1)))
    with pytest.raises(DataError, match="NaN or infinite"):
        load_dataset(f"npz:{tmp_path / 'nan.npz'}")
    np.savez(tmp_path / "lab.npz", x=np.zeros((4, 2)), y=np.arange(3))
    with pytest.raises(DataError, match="3 labels for 4 samples"):
        load_dataset(f"npz:{tmp_path / 'lab.npz'}")


# ------------------------------------------------------------------ CSV
def _write(path, text):
    path.write_text(text)
    return path


def test_csv_nan_imputed_and_strings_one_hot(tmp_path):
    rows = ["height,color,kind"]
    heights = [1.0, 2.0, None, 4.0, 5.0, 6.0, None, 8.0, 9.0, 10.0]
    colors = ["red", "blue", "red", "", "green", "blue", "red", "blue", "red", "green"]
    for i, (h, c) in enumerate(zip(heights, colors, strict=True)):
        rows.append(f"{'' if h is None else h},{c},{'ab'[i % 2]}")
    p = _write(tmp_path / "t.csv", "\n".join(rows) + "\n")
    ds = load_dataset(f"csv:{p}?label=kind")
    assert ds.kind == "vector" and ds.classes == ["a", "b"]
    tr, te = split_indices(10)
    assert ds.y_train.tolist() == [i % 2 for i in tr]
    train_colors = sorted({colors[i] for i in tr if colors[i]})
    assert ds.feature_names == ["height"] + [f"color={c}" for c in train_colors]
    # numeric: NaN -> train median, then standardised with train mean/std
    h = np.array([np.nan if v is None else v for v in heights])
    med = np.nanmedian(h[tr])
    filled = np.where(np.isnan(h), med, h)
    mean, std = filled[tr].mean(), filled[tr].std()
    np.testing.assert_allclose(ds.x_train[:, 0], (filled[tr] - mean) / std, rtol=1e-5)
    np.testing.assert_allclose(ds.x_test[:, 0], (filled[te] - mean) / std, rtol=1e-5)
    assert any("imputed 2 missing numeric values" in n and "height (2)" in n for n in ds.notes)
    # categorical: one-hot rows sum to 1, the missing colour is all zeros (and noted)
    onehot = np.vstack([ds.x_train, ds.x_test])[:, 1:]
    order = np.concatenate([tr, te])
    for row, i in zip(onehot, order, strict=True):
        assert row.sum() == (1.0 if colors[i] else 0.0)
    assert any("all zeros" in n and "color (1 missing" in n for n in ds.notes)


def test_csv_unseen_category_and_semicolons(tmp_path):
    tr, te = split_indices(10)
    vals = ["x"] * 10
    vals[te[0]] = "only-in-test"
    p = _write(tmp_path / "u.csv", "a;b\n" + "".join(f"{i};{v}\n" for i, v in enumerate(vals)))
    ds = load_dataset(f"csv:{p}")
    assert ds.feature_names == ["a", "b=x"] and ds.classes is None and ds.y_train is None
    assert ds.x_test[0, 1] == 0.0 and any("1 unseen in train" in n for n in ds.notes)


@pytest.mark.parametrize("text, message", [
    ("a,b\n1,2\n3,x\n4,5\n6,7\n", r"column 'b' mixes numbers and text \(line 3 has text 'x'\)"),
    ("a,b\n1,\n2,NaN\n3,NA\n", r"column 'b' has no values"),
    ("a,b\n1,2\n3\n", r"line 3 has 1 fields"),
    ("a,b\n1,inf\n2,3\n", r"column 'b' has an infinite value"),
    ("", "empty"),
])
def test_csv_errors_name_the_column(tmp_path, text, message):
    p = _write(tmp_path / "bad.csv", text)
    with pytest.raises(DataError, match=message) as exc:
        load_dataset(f"csv:{p}")
    assert "\n" not in str(exc.value)


def test_csv_label_errors(tmp_path):
    p = _write(tmp_path / "l.csv", "a,y\n1,0\n2,\n3,1\n")
    with pytest.raises(DataError, match="no label column 'z'; the columns are a, y"):
        load_dataset(f"csv:{p}?label=z")
    with pytest.raises(DataError, match=r"1 rows have no value in label column 'y' \(first at"):
        load_dataset(f"csv:{p}?label=y")
    with pytest.raises(DataError, match="unknown option"):
        load_dataset(f"csv:{p}?labels=y")
