"""8-bit images are stored as uint8 and read as float32: same numbers, a quarter the memory."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from aekit.data.dataset import U8Images, pick_rows, to_float
from aekit.engine.batches import as_float_batch, batch_tensor


def test_u8images_reads_exactly_what_a_float32_array_holds() -> None:
    raw = np.random.default_rng(0).integers(0, 256, size=(5, 1, 3, 4), dtype=np.uint8)
    ref = raw.astype(np.float32) / np.float32(255.0)  # the float path every source had
    x = U8Images(raw)
    assert x.shape == (5, 1, 3, 4) and len(x) == 5 and x.ndim == 4 and x.dtype == np.float32
    assert np.array_equal(np.asarray(x), ref) and np.asarray(x).dtype == np.float32
    assert np.array_equal(x[1:3], ref[1:3]) and np.array_equal(x[[4, 0]], ref[[4, 0]])
    assert np.array_equal(x[2], ref[2]) and np.array_equal(x[:, 0, 1], ref[:, 0, 1])
    assert np.array_equal(np.stack(list(x)), ref)
    assert x.nbytes == raw.nbytes == ref.nbytes // 4
    kept = pick_rows(x, np.array([3, 1]))
    assert isinstance(kept, U8Images) and np.array_equal(np.asarray(kept), ref[[3, 1]])
    assert np.array_equal(pick_rows(ref, np.array([3, 1])), ref[[3, 1]])
    with pytest.raises(TypeError):
        x * 2.0  # noqa: B018 - arithmetic on the storage itself must fail, not see 0..255
    with pytest.raises(TypeError):
        U8Images(ref)


def test_every_pixel_value_converts_per_batch_exactly_as_the_float_path() -> None:
    raw = np.arange(256, dtype=np.uint8).reshape(1, 1, 16, 16)
    t = batch_tensor(U8Images(raw))
    assert t.dtype == torch.uint8
    assert np.array_equal(as_float_batch(t).numpy(), to_float(raw))
    assert np.array_equal(to_float(raw), raw.astype(np.float32) / np.float32(255.0))
    f = batch_tensor(to_float(raw))
    assert f.dtype == torch.float32 and as_float_batch(f) is f
    ro = raw.copy()
    ro.flags.writeable = False  # a read-only memory map
    assert np.array_equal(batch_tensor(U8Images(ro)).numpy(), raw)


def test_a_uint8_source_trains_and_scores_exactly_as_its_float32_copy(tmp_path: Path) -> None:
    """The same images as a uint8 .npy (stored uint8, converted per batch) and as a
    float32 .npy (the float path): identical losses every epoch and identical metrics."""
    import aekit
    from aekit.config import RunConfig
    from aekit.data import load_dataset

    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, size=(96, 1, 8, 8), dtype=np.uint8)
    np.save(tmp_path / "u8.npy", raw)
    np.save(tmp_path / "f32.npy", raw.astype(np.float32) / np.float32(255.0))
    assert isinstance(load_dataset(f"npy:{tmp_path / 'u8.npy'}").x_train, U8Images)
    assert isinstance(load_dataset(f"npy:{tmp_path / 'f32.npy'}").x_train, np.ndarray)
    runs = {}
    for name in ("u8", "f32"):
        runs[name] = aekit.train(RunConfig(), tmp_path / f"run-{name}", quiet=True, overrides=[
            f"data.source=npy:{tmp_path / name}.npy", "model.name=conv",
            "model.filters=[4,8]", "model.latent_dim=3", "train.epochs=2",
            "train.batch_size=16", "task.name=denoise", "task.noise=gaussian:0.2"])
    hist = {k: (r / "history.csv").read_text().splitlines() for k, r in runs.items()}
    losses = {k: [line.split(",")[1:3] for line in h[1:]] for k, h in hist.items()}
    assert len(losses["u8"]) == 2 and losses["u8"] == losses["f32"]
    metrics = {k: json.loads((r / "metrics.json").read_text()) for k, r in runs.items()}
    for m in metrics.values():
        m.pop("data", None)  # names the file, which differs
        m.pop("seconds", None)
    assert metrics["u8"]["metrics"]["psnr"] > 0 and set(metrics["u8"]["baselines"]) >= {"pca"}
    assert metrics["u8"] == metrics["f32"]  # model, noisy input and every baseline


def test_batches_have_the_float_paths_strides_also_on_a_length_one_channel() -> None:
    """An (N, H, W) array given a channel axis by a view has stride 1 there; the float
    path's conversion made a fresh array, so the uint8 storage must too, or PyTorch picks
    channels-last kernels and a conv's losses move in the 5th digit (seen on
    Fashion-MNIST before this was fixed)."""
    gray = np.random.default_rng(0).integers(0, 256, size=(6, 5, 7), dtype=np.uint8)
    view = gray[:, None]  # (6, 1, 5, 7), strides (35, 1, 7, 1)
    x = U8Images(view)
    ref = torch.from_numpy(to_float(view))  # the float path: strides (35, 35, 7, 1)
    assert x.raw.strides == (35, 35, 7, 1)  # bytes = elements for uint8
    assert batch_tensor(x).stride() == ref.stride()
    batch = as_float_batch(batch_tensor(x)[torch.tensor([4, 1])])
    assert batch.stride() == ref[[4, 1]].stride() and torch.equal(batch, ref[[4, 1]])
    assert np.shares_memory(x.raw, gray)  # no copy was needed


def test_a_photos_folder_is_held_as_uint8_and_trains_and_scores_as_float32_photos(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """photos: keeps each photo's uint8 pixels; the patches, validation crops, scaled
    copies and test photos cut from them equal those of float32 photos, so a denoising
    run gives the same losses and metrics as with the float photos photos: held before."""
    from PIL import Image

    import aekit
    from aekit.config import RunConfig, set_key
    from aekit.data import load_dataset
    from aekit.data.sources import photos

    root = tmp_path / "photos"
    root.mkdir()
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate([(40, 52), (48, 48), (36, 60), (44, 40), (50, 38), (42, 46)]):
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(root / f"{i}.png")
    ds = load_dataset(f"photos:{root}")
    assert all(isinstance(im, U8Images) for im in [*ds.x_train, *ds.x_test])

    def run(out: str) -> Path:
        cfg = RunConfig()
        for key, value in {"data.source": f"photos:{root}", "model.name": "dncnn",
                           "model.depth": 3, "model.filters": [8], "task.name": "denoise",
                           "task.noise": "gaussian255:25", "data.patch_size": 16,
                           "data.patches": 48, "data.photo_scales": [0.8],
                           "train.epochs": 2, "train.batch_size": 16}.items():
            set_key(cfg, key, value)
        return aekit.train(cfg, tmp_path / out, quiet=True)

    held = run("uint8")
    float_photos = photos.PhotosSource.assemble

    def as_float(self, spec, found, *, size, channels):  # noqa: ANN001, ANN202
        ds = float_photos(self, spec, found, size=size, channels=channels)
        # the float path, before: float32 photos of pixel / 255
        ds.x_train = [np.asarray(im) for im in ds.x_train]
        ds.x_test = [np.asarray(im) for im in ds.x_test]
        return ds

    monkeypatch.setattr(photos.PhotosSource, "assemble", as_float)
    ref = run("float32")
    assert (held / "history.csv").read_text().split("\n")[0] == \
        (ref / "history.csv").read_text().split("\n")[0]
    rows = [[ln.split(",")[i] for i in (1, 2)] for ln in
            (held / "history.csv").read_text().splitlines()[1:]]
    ref_rows = [[ln.split(",")[i] for i in (1, 2)] for ln in
                (ref / "history.csv").read_text().splitlines()[1:]]
    assert rows == ref_rows and len(rows) == 2
    a, b = (json.loads((r / "metrics.json").read_text()) for r in (held, ref))
    # BM3D (when the extra is installed) differs between two calls on the same input
    # (3e-7: its threads), so it is compared to a tolerance; every other number exactly
    bm3d = [m["baselines"].pop("bm3d", None) for m in (a, b)]
    for m in (a, b):
        m.pop("seconds", None)  # how long evaluation took
    assert a == b
    if bm3d[0] is not None:
        assert bm3d[0]["psnr"] == pytest.approx(bm3d[1]["psnr"], abs=1e-5)


def test_splits_of_uint8_images_hold_the_pixels_once(tmp_path: Path) -> None:
    """Train, validation and test are row lists over the source's one uint8 store, not
    copies (a folder of N images is held as N images, not 2–3 N while splitting)."""
    from aekit.config import DataConfig
    from aekit.data.splits import make_splits

    raw = np.random.default_rng(0).integers(0, 256, size=(50, 1, 4, 4), dtype=np.uint8)
    np.save(tmp_path / "u8.npy", raw)
    sp = make_splits(DataConfig(source=f"npy:{tmp_path / 'u8.npy'}", val_fraction=0.2), 0)
    stores = {id(x.store) for x in (sp.x_train, sp.x_val, sp.x_test)}
    assert len(stores) == 1 and sp.x_train.rows is not None
    whole = np.concatenate([sp.dataset.x_train.raw, sp.dataset.x_test.raw])
    assert sorted(map(bytes, whole)) == sorted(map(bytes, raw))
    assert np.array_equal(sp.x_train.raw, sp.dataset.x_train.raw[sp.train_rows])
    assert np.array_equal(sp.x_val.raw, sp.dataset.x_train.raw[sp.val_rows])
