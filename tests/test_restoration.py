"""Restoration: super-resolution pairs and models, tiled inference, Y-channel metrics,
photo folders, the upscale / denoise verbs and their bad inputs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from aekit.cli import main
from tests.conftest import one_error_line


def _photo(h: int, w: int, seed: int, channels: int = 3) -> np.ndarray:
    """A smooth (c, h, w) 'photo' with edges: gradients plus a few bright discs."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = 0.3 + 0.3 * np.sin(6 * xx + rng.random()) * np.cos(4 * yy)
    for _ in range(4):
        cy, cx, r = rng.random() * h, rng.random() * w, 3 + rng.random() * 6
        img = img + 0.4 * (((np.mgrid[0:h, 0:w][0] - cy) ** 2
                            + (np.mgrid[0:h, 0:w][1] - cx) ** 2) < r * r)
    out = np.stack([np.clip(img * (0.8 + 0.2 * c), 0, 1) for c in range(channels)])
    return out.astype(np.float32)


def _save(path: Path, img: np.ndarray) -> Path:
    from aekit.data.images import write_image

    write_image(path, img)
    return path


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    """Six photos of different sizes (train 5 / test 1 by the 80/20 split... at least 1)."""
    root = tmp_path / "photos"
    root.mkdir()
    for i, (h, w) in enumerate([(40, 52), (48, 48), (36, 60), (44, 40), (50, 38), (42, 46)]):
        _save(root / f"p{i}.png", _photo(h, w, i))
    return root


# -- pairs and resampling -------------------------------------------------------------------
def test_bicubic_pairs_shapes_and_constant_images() -> None:
    from aekit.config import TaskConfig
    from aekit.data.corruptions import bicubic_down, bicubic_up
    from aekit.tasks.pairs import build_task

    task = build_task(TaskConfig(name="superres", scale=3))
    x = torch.rand(2, 1, 31, 20)
    lr, hr = task.pair(x, None)
    assert hr.shape == (2, 1, 30, 18) and lr.shape == (2, 1, 10, 6)
    assert torch.equal(hr, x[..., :30, :18])  # mod-crop keeps the top-left
    flat = torch.full((1, 3, 12, 12), 0.4)
    assert torch.allclose(bicubic_down(flat, 2), torch.full((1, 3, 6, 6), 0.4), atol=1e-6)
    assert torch.allclose(bicubic_up(flat, 4), torch.full((1, 3, 48, 48), 0.4), atol=1e-6)


def test_bicubic_matches_pillow_within_rounding() -> None:
    from PIL import Image

    from aekit.data.corruptions import bicubic_down, bicubic_up

    a = (_photo(40, 60, 3, channels=1)[0] * 255).round().astype(np.uint8)
    t = torch.from_numpy(a.astype(np.float32) / 255)[None, None]
    down = np.asarray(Image.fromarray(a).resize((30, 20), Image.Resampling.BICUBIC), np.float32)
    up = np.asarray(Image.fromarray(a).resize((120, 80), Image.Resampling.BICUBIC), np.float32)
    assert np.abs(bicubic_down(t, 2)[0, 0].numpy() * 255 - down).max() < 1.5
    # Pillow rounds to 8 bits between its two passes; PyTorch's plain bicubic (a = −0.75)
    # is off by 0.51 grey levels on average at these sharp edges, ours by 0.22
    ours = np.round(bicubic_up(t, 2)[0, 0].numpy() * 255)
    assert np.abs(ours - up).mean() < 0.3


# -- models ---------------------------------------------------------------------------------
@pytest.mark.parametrize("preset", ["srcnn", "srcnn-post", "espcn", "edsr-s"])
@pytest.mark.parametrize("scale", [2, 3, 4])
def test_superres_models_take_any_size(preset: str, scale: int) -> None:
    from aekit.models import build_model, preset_config

    cfg = preset_config(preset)
    cfg.scale = scale
    model = build_model(cfg, (3, 24, 24)).eval()
    out = model(torch.rand(1, 3, 13, 22))
    assert out["x_hat"].shape == (1, 3, 13 * scale, 22 * scale)
    assert {"any_size", "upscale"} <= model.capabilities and "embed" not in model.capabilities


@pytest.mark.parametrize("preset", ["espcn", "edsr-s"])
def test_residual_superres_starts_at_bicubic(preset: str) -> None:
    """The last layer starts near zero, so an untrained residual model ≈ bicubic."""
    from aekit.data.corruptions import bicubic_up
    from aekit.models import build_model, preset_config

    cfg = preset_config(preset)
    cfg.scale = 2
    model = build_model(cfg, (1, 16, 16)).eval()
    x = torch.rand(1, 1, 10, 10)
    assert torch.allclose(model(x)["x_hat"], bicubic_up(x, 2), atol=0.05)


def test_edsr_blocks_widths_and_reach() -> None:
    """edsr: `depth` residual blocks of one width, each adding 0.1 × its body; the reach
    counts every 3×3 conv at low resolution (head, 2 per block, body end, tail)."""
    from aekit.models import build_model, preset_config
    from aekit.models.superres import _ResBlock

    cfg = preset_config("edsr-s")
    cfg.scale, cfg.depth, cfg.filters = 3, 3, [8]
    model = build_model(cfg, (1, 16, 16)).eval()
    blocks = [m for m in model.modules() if isinstance(m, _ResBlock)]
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(blocks) == 3 and len(convs) == 1 + 2 * 3 + 1 + 1
    assert all(m.out_channels == 8 for m in convs[:-1]) and convs[-1].out_channels == 9
    assert model.receptive_radius == 1 + 2 * 3 + 1 + 1
    torch.manual_seed(0)
    h = torch.rand(2, 8, 5, 6)
    block = blocks[0]
    assert torch.allclose(block(h), h + 0.1 * block.body(h))
    # the long skip: with every block's last conv at zero the blocks are identities, so
    # the body gives h + conv(h) (conv: the 3×3 conv after the blocks)
    with torch.no_grad():
        for b in blocks:
            b.body[-1].weight.zero_()
            b.body[-1].bias.zero_()
        assert torch.allclose(model.encoder[1](h), h + convs[-2](h), atol=1e-6)
    # a pixel's change reaches exactly `receptive_radius` input pixels far, no further
    for m in convs:
        torch.nn.init.normal_(m.weight, std=0.5)
    x = torch.rand(1, 1, 31, 31)
    x2 = x.clone()
    x2[..., 15, 15] += 1.0
    diff = (model(x2)["x_hat"] - model(x)["x_hat"]).abs().sum(dim=(0, 1, 2)) > 0  # (w·s,)
    cols = diff.nonzero().flatten() // 3
    assert cols.min() == 15 - model.receptive_radius and cols.max() == 15 + model.receptive_radius


def test_edsr_loss_skips_only_the_bicubic_reach() -> None:
    from aekit.models import build_model, preset_config
    from aekit.models.superres import BICUBIC_REACH

    cfg = preset_config("edsr-s")
    cfg.scale = 2
    model = build_model(cfg, (1, 64, 64))
    out = model(torch.rand(2, 1, 48, 48))
    b = BICUBIC_REACH * 2  # high-resolution pixels of the band
    assert model.loss_border == BICUBIC_REACH < model.receptive_radius
    inside = out["x_hat"].detach().clone()
    inside[..., b - 1:b, :] += 0.5  # the band's last row: skipped
    assert model.train().loss(out, inside)["recon"].item() == pytest.approx(0.0, abs=1e-10)
    past = out["x_hat"].detach().clone()
    past[..., b:b + 1, :] += 0.5  # the first row after it: counted
    assert model.train().loss(out, past)["recon"].item() > 1e-4
    cfg.residual, cfg.output_activation = False, "sigmoid"  # no bicubic image: no band
    assert build_model(cfg, (1, 64, 64)).loss_border == 0


@pytest.mark.parametrize(("preset", "filters", "depth", "needle"), [
    ("edsr-s", [32, 16], None, "edsr has one width"),
    ("edsr-s", None, 0, "edsr needs model.depth ≥ 1"),
    ("espcn", None, 4, "model.depth counts the residual blocks of the edsr variant"),
    ("dncnn-s", None, 2, "dncnn needs model.depth ≥ 3")])
def test_restoration_models_refuse_bad_shapes(preset: str, filters: list[int] | None,
                                              depth: int | None, needle: str) -> None:
    from aekit.errors import ConfigError
    from aekit.models import build_model, preset_config

    cfg = preset_config(preset)
    cfg.scale = 2
    cfg.filters = filters if filters is not None else cfg.filters
    cfg.depth = depth if depth is not None else cfg.depth
    with pytest.raises(ConfigError, match=needle):
        build_model(cfg, (1, 16, 16))


def test_dncnn_predicts_the_noise() -> None:
    from aekit.models import build_model, preset_config

    cfg = preset_config("dncnn-s")
    model = build_model(cfg, (1, 16, 16)).eval()
    x = torch.rand(2, 1, 21, 17)
    out = model(x)
    assert torch.allclose(out["x_hat"], x - out["noise"])
    assert out["x_hat"].shape == x.shape and len([m for m in model.modules()
                                                  if isinstance(m, torch.nn.Conv2d)]) == 10


@pytest.mark.parametrize("preset", ["srcnn", "srcnn-post", "espcn", "edsr-s", "dncnn-s",
                                    "conv-full"])
@pytest.mark.parametrize(("scale", "residual"), [(2, True), (3, False), (4, True)])
def test_tiled_inference_equals_one_pass(preset: str, scale: int, residual: bool) -> None:
    from aekit.models import build_model, preset_config
    from aekit.tasks.restore import restore

    torch.manual_seed(0)
    cfg = preset_config(preset)
    cfg.scale, cfg.residual = scale, residual
    model = build_model(cfg, (1, 16, 16)).eval()
    for m in model.modules():  # large random weights and BN statistics so the test can fail
        if isinstance(m, torch.nn.Conv2d | torch.nn.ConvTranspose2d):
            torch.nn.init.normal_(m.weight, std=0.3)
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    img = np.random.default_rng(0).random((1, 45, 61)).astype(np.float32)
    whole = restore(model, img, tile=4096)
    tiled = restore(model, img, tile=16)
    assert whole.shape == (1, 45 * model.scale, 61 * model.scale)
    # float error only: the large weights give outputs of size ~10
    np.testing.assert_allclose(tiled, whole, atol=1e-5 * max(1.0, float(np.abs(whole).max())))


# -- metrics --------------------------------------------------------------------------------
def test_y_channel_is_bt601_studio_swing() -> None:
    from aekit.data.images import convert_channels
    from aekit.evaluate.restoration import y_channel

    assert y_channel(np.ones((3, 2, 2)))[0, 0] == pytest.approx(235 / 255)
    assert y_channel(np.zeros((3, 2, 2)))[0, 0] == pytest.approx(16 / 255)
    rgb = np.random.default_rng(1).random((3, 5, 5)).astype(np.float32)
    gray = convert_channels(rgb[None], 1)[0]
    np.testing.assert_allclose(y_channel(gray), y_channel(rgb), atol=1e-5)


def test_sr_psnr_crops_the_border_and_uses_y() -> None:
    from aekit.evaluate.restoration import sr_scores

    truth = np.full((1, 20, 20), 0.5, np.float32)
    pred = truth + 0.1
    pred[:, :2] = 1.0  # garbage in the 2-pixel border is ignored at ×2
    psnr, ssim = sr_scores(pred, truth, 2)
    assert psnr == pytest.approx(-20 * math.log10(0.1 * 219 / 255), abs=1e-3)
    assert sr_scores(truth, truth, 2)[0] == 100.0  # perfect: capped


def test_ycbcr_round_trip() -> None:
    from aekit.tasks.restore import rgb_to_ycbcr, ycbcr_to_rgb

    rgb = np.random.default_rng(2).random((3, 6, 7)).astype(np.float32)
    np.testing.assert_allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=2e-3)


# -- photo folders and end to end -----------------------------------------------------------
def test_photos_source_keeps_native_sizes(photo_dir: Path) -> None:
    from aekit.config import DataConfig
    from aekit.data import load_dataset
    from aekit.data.splits import make_splits

    ds = load_dataset(f"photos:{photo_dir}")
    assert ds.kind == "photos" and len(ds.x_train) + len(ds.x_test) == 6
    assert len({im.shape for im in ds.x_train}) > 1
    sp = make_splits(DataConfig(source=f"photos:{photo_dir}", patch_size=16, patches=50,
                                val_fraction=0.2), seed=0)
    assert sp.x_train.shape == (50, 3, 16, 16) and len(sp.x_val) == 1
    assert sp.val_names[0] not in set(sp.test_names)


def test_superres_end_to_end(photo_dir: Path, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    run = tmp_path / "sr"
    assert main(["train", "--model", "espcn", "--data", f"photos:{photo_dir}", "--task",
                 "superres", "--scale", "2", "--epochs", "1", "--batch-size", "16", "--quiet",
                 "--set", "data.patch_size=16", "--set", "data.patches=64",
                 "--out", str(run)]) == 0
    m = json.loads((run / "metrics.json").read_text())
    assert m["scale"] == 2 and "bicubic" in m["baselines"] and len(m["images"]) == m["n"]
    assert m["gain_db"] == pytest.approx(m["metrics"]["psnr"] - m["baselines"]["bicubic"]["psnr"])
    assert (run / "restoration_crops.npz").is_file()
    html = (run / "report.html").read_text()
    assert "Restoration examples" in html and "Bicubic upscaling" in html

    img = _save(tmp_path / "in" / "big.png", _photo(70, 90, 9))
    gray = _save(tmp_path / "in" / "gray.png", _photo(20, 24, 8, channels=1))
    out = tmp_path / "up"
    capsys.readouterr()
    assert main(["upscale", str(run), str(img), str(gray), "--out", str(out), "--scale", "2",
                 "--tile", "32"]) == 0
    from aekit.data.images import read_image

    assert read_image(out / "big.png").shape == (3, 140, 180)
    assert read_image(out / "gray.png").shape == (3, 40, 48)  # converted to the model's RGB
    assert not list(out.glob(".aekit-partial-*"))

    # bad inputs: one line each, nothing written
    tiny = _save(tmp_path / "in2" / "tiny.png", _photo(3, 3, 1))
    bad = tmp_path / "in2" / "broken.png"
    bad.write_bytes(b"not an image")
    # a file whose header reads but whose pixels are cut off fails only when it is
    # decoded, after the first photo was already upscaled: still nothing is left behind
    cut = tmp_path / "in2" / "cut.png"
    whole = _save(tmp_path / "in3" / "whole.png", _photo(60, 80, 2)).read_bytes()
    cut.write_bytes(whole[: len(whole) // 2])
    for args, needle in (([str(img), str(tiny)], "needs at least 4×4"),
                         ([str(img), str(bad)], "not an image file"),
                         ([str(img), str(cut)], "truncated"),
                         ([str(img), "--scale", "3"], "trained for ×2")):
        out2 = tmp_path / f"none{len(needle)}"
        assert main(["upscale", str(run), *args, "--out", str(out2)]) == 2
        assert needle in one_error_line(capsys)
        assert not out2.exists()


def test_photo_denoising_end_to_end(photo_dir: Path, tmp_path: Path) -> None:
    run = tmp_path / "dn"
    assert main(["train", "--model", "dncnn", "--data", f"photos:{photo_dir}", "--task",
                 "denoise", "--noise", "gaussian255:25", "--epochs", "1", "--quiet",
                 "--batch-size", "16", "--set", "model.depth=3", "--set", "model.filters=[8]",
                 "--set", "data.patch_size=16", "--set", "data.patches=32",
                 "--set", "data.channels=1", "--out", str(run)]) == 0
    m = json.loads((run / "metrics.json").read_text())
    assert {"nl_means", "tv", "wavelet", "bilateral"} <= set(m["baselines"])
    assert m["best_baseline"] == max(m["baselines"], key=lambda k: m["baselines"][k]["psnr"])
    assert m["input"]["psnr"] < m["baselines"][m["best_baseline"]]["psnr"]
    img = _save(tmp_path / "in" / "odd.png", _photo(37, 53, 4))
    out = tmp_path / "den"
    assert main(["denoise", str(run), str(img), "--noise", "gaussian255:25",
                 "--out", str(out)]) == 0
    from aekit.data.images import read_image

    assert read_image(out / "odd.png").shape == (1, 37, 53)
    assert (out / "noisy" / "odd.png").is_file()


@pytest.mark.parametrize(("args", "needle"), [
    (["--model", "conv", "--task", "superres"], "needs a super-resolution model"),
    (["--model", "srcnn", "--task", "reconstruct"], "upscales images"),
    (["--model", "dense", "--task", "denoise"], "fully convolutional"),
    (["--model", "dncnn", "--task", "reconstruct"], "restores images"),
    (["--model", "dncnn", "--task", "denoise", "--set", "model.kernel_size=4"], "odd"),
    (["--model", "dncnn", "--task", "denoise", "--set", "model.filters=[8,8]"], "one width"),
    (["--model", "espcn", "--task", "superres", "--latent-dim", "8"], "have no code"),
    (["--model", "srcnn", "--task", "superres", "--scale", "5"], "task.scale must be 2, 3 or 4"),
    (["--model", "srcnn", "--task", "superres", "--set", "data.photo_scales=[1.5]"],
     "data.photo_scales must lie in [0.1, 1)"),
])
def test_bad_restoration_configs(photo_dir: Path, tmp_path: Path, args: list[str],
                                 needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    assert main(["train", "--data", f"photos:{photo_dir}", *args, "--epochs", "1",
                 "--out", str(out)]) == 2
    assert needle in one_error_line(capsys)
    assert not out.exists()


def test_superres_training_loss_skips_the_patch_border() -> None:
    """Only the interior counts in training (padding artefacts); all of it in evaluation."""
    from aekit.models import build_model, preset_config

    cfg = preset_config("espcn")
    cfg.scale = 2
    model = build_model(cfg, (1, 64, 64))
    x = torch.rand(2, 1, 32, 32)
    out = model(x)
    target = out["x_hat"].detach().clone()
    b = model.receptive_radius * model.scale
    target[..., :b, :] += 0.5  # differs only inside the border band
    assert model.train().loss(out, target)["recon"].item() == pytest.approx(0.0, abs=1e-10)
    assert model.eval().loss(out, target)["recon"].item() > 0.01


def test_photo_scales_add_downscaled_training_photos(photo_dir: Path) -> None:
    from aekit.config import DataConfig
    from aekit.data.splits import _downscaled, make_splits

    small = _downscaled([np.zeros((3, 40, 60), np.float32)], 0.5, 16)
    assert small[0].shape == (3, 20, 30) and not _downscaled([small[0]], 0.5, 16)
    cfg = DataConfig(source=f"photos:{photo_dir}", patch_size=16, patches=40,
                     photo_scales=[0.5])
    assert make_splits(cfg, seed=0).x_train.shape == (40, 3, 16, 16)


def test_extra_photos_only_add_training_patches(photo_dir: Path, tmp_path: Path) -> None:
    """data.extra_photos: its photos become training patches; validation and test stay."""
    from aekit.config import DataConfig
    from aekit.data.splits import make_splits

    extra = tmp_path / "extra"
    extra.mkdir()
    for i in range(3):  # flat photos of one grey level, easy to recognise in the patches
        _save(extra / f"flat{i}.png", np.full((3, 40, 40), 200 / 255, np.float32))
    base = DataConfig(source=f"photos:{photo_dir}", patch_size=16, patches=200)
    cfg = DataConfig(source=f"photos:{photo_dir}", patch_size=16, patches=200,
                     extra_photos=[f"photos:{extra}"])
    plain, more = make_splits(base, seed=0), make_splits(cfg, seed=0)
    assert (more.val_names, more.test_names) == (plain.val_names, plain.test_names)
    flat = np.abs(more.x_train - 200 / 255).reshape(200, -1).max(1) < 1e-6
    assert flat.any() and not (np.abs(plain.x_train - 200 / 255).reshape(200, -1).max(1)
                               < 1e-6).any()
    fps = more.extra_fingerprints
    assert list(fps) == [f"photos:{extra}"] and len(fps[f"photos:{extra}"]) == 16


def test_extra_photos_refusals(photo_dir: Path, tiny_npz: str, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    """A test photo among the extra ones, non-photo data on either side: one line each."""
    common = ["--task", "superres", "--model", "espcn", "--epochs", "1",
              "--set", "data.patch_size=16", "--set", "data.patches=20"]
    cases = [
        (f"photos:{photo_dir}", f"photos:{photo_dir}", "contains a test photo"),
        (f"photos:{photo_dir}", tiny_npz, "is not a photo dataset"),
        (tiny_npz, f"photos:{photo_dir}", "is not one"),
    ]
    for i, (source, extra, fragment) in enumerate(cases):
        run = tmp_path / f"r{i}"
        assert main(["train", "--data", source, *common,
                     "--set", f"data.extra_photos=[{extra}]", "--out", str(run)]) != 0
        assert fragment in one_error_line(capsys)
        assert not run.exists()


def test_mate_photos_are_verified_and_halved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    """The Debian wallpaper photos: sha256-checked files, halved on load, named."""
    import hashlib

    from aekit.data import fetch, load_dataset
    from aekit.data.sources import photos

    src = tmp_path / "nature"
    src.mkdir()
    files = []
    for i, name in enumerate(["A.jpg", "B.jpg", "C.jpg"]):
        path = _save(src / name, _photo(40 + 2 * i, 60, i))
        files.append(fetch.FileSpec(name, hashlib.sha256(path.read_bytes()).hexdigest()))
    spec = fetch.RemoteSpec(name="mate-photos", files=tuple(files), sources=lambda: [])
    monkeypatch.setattr(photos, "MATE_PHOTOS", spec)
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "cache"))
    monkeypatch.setenv("AEKIT_MATE_PHOTOS_DIR", str(src))
    ds = load_dataset("mate-photos", channels=1)
    shapes = {str(n): im.shape for n, im in zip([*ds.ids_train, *ds.ids_test],
                                                [*ds.x_train, *ds.x_test], strict=True)}
    assert shapes == {"A": (1, 20, 30), "B": (1, 21, 30), "C": (1, 22, 30)}
    assert set(ds.checksums.values()) == {"ok"}


def test_superres_on_fixed_size_images(tiny_npz: str, tmp_path: Path) -> None:
    """Quick runs on MNIST-like arrays: batched, scored against bicubic, crops written."""
    run = tmp_path / "sr"
    assert main(["train", "--model", "srcnn-post", "--data", tiny_npz, "--task", "superres",
                 "--scale", "2", "--epochs", "1", "--quiet", "--out", str(run)]) == 0
    m = json.loads((run / "metrics.json").read_text())
    assert m["n"] == 32 and len(m["images"]) == 32 and "bicubic" in m["baselines"]
    assert math.isfinite(m["metrics"]["ssim"])
    assert "Restoration examples" in (run / "report.html").read_text()


def _tiny_photo_denoiser(photo_dir: Path, run: Path, model: str, *sets: str) -> Path:
    """A 1-epoch σ = 25 denoiser on 16 patches of the photo folder (no evaluation)."""
    extra = [a for kv in sets for a in ("--set", kv)]
    assert main(["train", "--model", model, "--data", f"photos:{photo_dir}", "--task",
                 "denoise", "--noise", "gaussian255:25", "--epochs", "1", "--quiet", "--no-eval",
                 "--set", "data.patch_size=16", "--set", "data.patches=16", *extra,
                 "--out", str(run)]) == 0
    return run


def test_code_verbs_refuse_restoration_runs(photo_dir: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """encode / score / probe / traverse / decode need codes of fixed-size samples."""
    run = _tiny_photo_denoiser(photo_dir, tmp_path / "dn", "dncnn", "model.depth=3",
                               "model.filters=[4]")
    np.save(tmp_path / "z.npy", np.zeros((2, 4), np.float32))
    for args, needle in (
            (["encode", str(run), "--out", str(tmp_path / "c.npy")], "has none"),
            (["score", str(run), "--out", str(tmp_path / "s.csv")], "has none"),
            (["probe", str(run)], "has none"),
            (["traverse", str(run), "--out", str(tmp_path / "t.png")], "cannot decode codes"),
            (["decode", str(run), str(tmp_path / "z.npy"), "--out", str(tmp_path / "d")],
             "has none")):
        assert main(args) == 2
        assert needle in one_error_line(capsys)
    assert not (tmp_path / "c.npy").exists() and not (tmp_path / "d").exists()


def test_scale_without_superres_is_refused(tiny_npz: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--model", "conv", "--data", tiny_npz, "--scale", "3",
                 "--out", str(tmp_path / "r")]) == 2
    assert "--scale is for --task superres" in one_error_line(capsys)


def test_encode_refuses_photo_datasets(photo_dir: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    run = _tiny_photo_denoiser(photo_dir, tmp_path / "cf", "conv-full", "model.filters=[4,4]")
    assert main(["encode", str(run), "--out", str(tmp_path / "c.npy")]) == 2
    assert "photos of different sizes" in one_error_line(capsys)


def test_dncnn_on_fixed_size_images(tiny_npz: str, tmp_path: Path) -> None:
    """A denoiser without a code on MNIST-like arrays: batched noise, array baselines."""
    run = tmp_path / "dn"
    assert main(["train", "--model", "dncnn", "--data", tiny_npz, "--task", "denoise",
                 "--noise", "gaussian255:50", "--epochs", "1", "--quiet",
                 "--set", "model.depth=3", "--set", "model.filters=[4]",
                 "--out", str(run)]) == 0
    m = json.loads((run / "metrics.json").read_text())
    assert m["n"] == 32 and {"nl_means", "bilateral"} <= set(m["baselines"])
    assert m["input"]["psnr"] < 20  # σ = 50 really was added
