"""Image files, folders of images, the scikit-image photos and patch extraction."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image

from aekit.data import load_dataset
from aekit.data.images import is_image_file, read_image, resize_batch, write_image
from aekit.data.patches import extract_patches
from aekit.errors import DataError


def _png(path, size=(10, 12), color=(255, 0, 0), mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path)
    return path


def _truncated_jpeg(path):
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    return path


# ------------------------------------------------------------------ single files
def test_read_image_modes_and_resize(tmp_path):
    rgb = read_image(_png(tmp_path / "r.png"))
    assert rgb.shape == (3, 12, 10) and rgb.dtype == np.float32
    assert rgb[0].min() == 1.0 and rgb[1].max() == 0.0
    gray = read_image(tmp_path / "r.png", channels=1)
    np.testing.assert_allclose(gray, 0.299, atol=1 / 255)
    assert read_image(_png(tmp_path / "g.png", mode="L", color=128)).shape == (1, 12, 10)
    assert read_image(tmp_path / "g.png", channels=3).shape == (3, 12, 10)
    rgba = read_image(_png(tmp_path / "a.png", mode="RGBA", color=(0, 0, 255, 128)))
    assert rgba.shape == (3, 12, 10) and rgba[2].min() == 1.0
    pal = Image.new("P", (4, 4))
    pal.putpalette([0, 255, 0] * 256)
    pal.save(tmp_path / "p.png")
    assert read_image(tmp_path / "p.png").shape == (3, 4, 4)
    assert read_image(tmp_path / "r.png", size=(5, 7)).shape == (3, 5, 7)


def test_read_image_errors_name_the_file(tmp_path):
    bad = _truncated_jpeg(tmp_path / "cut.jpg")
    with pytest.raises(DataError, match="cut.jpg: cannot decode image"):
        read_image(bad)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DataError, match="notes.txt: not an image file"):
        read_image(tmp_path / "notes.txt")
    with pytest.raises(DataError, match="nope.png: no such file"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(DataError, match="channels must be 1"):
        read_image(_png(tmp_path / "r.png"), channels=4)


def test_write_image_round_trip_and_atomic(tmp_path):
    a = np.random.default_rng(0).random((3, 6, 5)).astype(np.float32)
    write_image(tmp_path / "out" / "x.png", a)
    back = read_image(tmp_path / "out" / "x.png")
    np.testing.assert_allclose(back, a, atol=0.5 / 255 + 1e-6)
    write_image(tmp_path / "g.jpg", np.full((7, 9), 0.5))
    assert read_image(tmp_path / "g.jpg").shape == (1, 7, 9)
    assert os.listdir(tmp_path / "out") == ["x.png"]  # no temp files left behind
    assert oct(os.stat(tmp_path / "g.jpg").st_mode & 0o777) != oct(0o600)
    with pytest.raises(DataError, match="unknown image extension"):
        write_image(tmp_path / "x.xyz", a)
    with pytest.raises(DataError, match="NaN"):
        write_image(tmp_path / "n.png", np.full((2, 2), np.nan))
    assert not (tmp_path / "n.png").exists()


def test_is_image_file():
    assert is_image_file("a/b.JPG") and is_image_file("x.png")
    assert not is_image_file("notes.txt") and not is_image_file("dir/")


def test_resize_batch_matches_pillow_lanczos():
    x = np.random.default_rng(0).random((2, 1, 20, 30)).astype(np.float32)
    out = resize_batch(x, (11, 17))
    ref = np.asarray(Image.fromarray(x[1, 0], "F").resize((17, 11), Image.Resampling.LANCZOS))
    np.testing.assert_allclose(out[1, 0], np.clip(ref, 0, 1), atol=1e-5)


# ------------------------------------------------------------------ folder:PATH
def test_folder_skips_and_reports_unreadable_files(tmp_path, capsys):
    root = tmp_path / "pics"
    _png(root / "good.png")
    _truncated_jpeg(root / "broken.jpg")
    (root / "readme.txt").write_text("not an image")
    _png(root / ".hidden.png")
    ds = load_dataset(f"folder:{root}", image_size=8)
    assert ds.n_train + ds.n_test == 1 and ds.input_shape == (3, 8, 8)
    assert ds.y_train is None and ds.classes is None
    note = next(n for n in ds.notes if n.startswith("skipped 2 unreadable files"))
    assert "broken.jpg" in note and "readme.txt" in note and ".hidden" not in note
    err = capsys.readouterr().err
    assert "skipped 2 unreadable files" in err and "broken.jpg" in err and "readme.txt" in err


def test_folder_classes_split_and_channels(tmp_path):
    root = tmp_path / "data"
    for k in range(6):
        _png(root / "cats" / f"c{k}.png", color=(200, 0, 0))
        _png(root / "dogs" / "deep" / f"d{k}.png", color=(0, 200, 0))
    (root / "empty").mkdir()
    _png(root / "stray.png")
    ds = load_dataset(f"folder:{root}")
    assert ds.classes == ["cats", "dogs"] and ds.input_shape == (3, 64, 64)
    assert (ds.n_train, ds.n_test) == (10, 2)
    y = np.concatenate([ds.y_train, ds.y_test])
    assert np.bincount(y).tolist() == [6, 6]
    x = np.concatenate([ds.x_train, ds.x_test])
    assert np.all(x[y == 1, 1] > 0.7)  # dogs are green
    assert any("stray.png" in n for n in ds.notes) and any("empty" in n for n in ds.notes)
    again = load_dataset(f"folder:{root}")
    assert again.fingerprint == ds.fingerprint
    np.testing.assert_array_equal(again.y_test, ds.y_test)
    gray = load_dataset(f"folder:{root}", image_size=16, channels=1)
    assert gray.input_shape == (1, 16, 16) and gray.fingerprint != ds.fingerprint


def test_folder_errors(tmp_path):
    with pytest.raises(DataError, match="no such directory"):
        load_dataset(f"folder:{tmp_path / 'nope'}")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no files found"):
        load_dataset(f"folder:{tmp_path / 'empty'}")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.txt").write_text("x")
    with pytest.raises(DataError, match=r"no readable images among 1 files \(skipped: a.txt"):
        load_dataset(f"folder:{tmp_path / 'junk'}")


# ------------------------------------------------------------------ natural-images, patches
def test_natural_images_and_patches():
    ds = load_dataset("natural-images")
    assert ds.kind == "photos" and (ds.n_train, ds.n_test) == (12, 4)
    assert all(a.shape[0] == 3 and a.dtype == np.float32 for a in ds.x_train + ds.x_test)
    assert set(ds.checksums.values()) == {"ok"} and ds.input_shape == (3,)
    p = extract_patches(ds.x_train, size=16, n=50, seed=3)
    assert p.shape == (50, 3, 16, 16) and p.dtype == np.float32
    np.testing.assert_array_equal(p, extract_patches(ds.x_train, 16, 50, seed=3))
    assert not np.array_equal(p, extract_patches(ds.x_train, 16, 50, seed=4))
    gray = load_dataset("natural-images", channels=1)
    assert all(a.shape[0] == 1 for a in gray.x_test)


def test_extract_patches_checks():
    imgs = [np.zeros((1, 8, 8), np.float32), np.ones((1, 20, 10), np.float32)]
    assert extract_patches(imgs, 8, 5, seed=0).shape == (5, 1, 8, 8)
    with pytest.raises(DataError, match="smaller than the 9x9 patch"):
        extract_patches(imgs, 9, 5, seed=0)
    with pytest.raises(DataError, match="same number of channels"):
        extract_patches([np.zeros((1, 8, 8)), np.zeros((3, 8, 8))], 4, 2, seed=0)
