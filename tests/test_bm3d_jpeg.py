"""BM3D among the photo-denoising baselines, and JPEG's rate–distortion curve next to a
compression run's code (issue 16)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from aekit.cli import main
from tests.conftest import make_blobs_images, tiny_run


# -- JPEG rate–distortion ------------------------------------------------------------------
def test_rate_distortion_of_a_tiny_compression_run(tmp_path: Path) -> None:
    from aekit.evaluate.baselines import JPEG_QUALITIES

    run = tiny_run(tmp_path, "--model", "conv", "--latent-dim", "4", "--epochs", "1",
                   "--batch-size", "16")
    m = json.loads((run / "metrics.json").read_text())
    rd = m["rate_distortion"]
    assert rd["n"] == rd["of"] == m["n"] == 32 and "seed" not in rd  # all 32: no subset
    assert rd["pixels_per_image"] == 64
    jpeg = rd["jpeg"]
    assert [p["quality"] for p in jpeg] == list(JPEG_QUALITIES)
    for p in jpeg:
        assert {"quality", "bpp", "bpp_scan", "psnr", "ssim", "mse"} <= set(p)
        assert 0 < p["bpp_scan"] < p["bpp"] and math.isfinite(p["psnr"])
    bpp = [p["bpp"] for p in jpeg]
    assert bpp == sorted(bpp) and bpp[-1] > bpp[0]  # more quality, more bits
    assert jpeg[-1]["psnr"] > jpeg[0]["psnr"]
    model = rd["model"]
    assert model["code_numbers"] == m["code_size"] == 4
    assert model["bpp_float32"] == 4 * 32 / 64 and model["bpp_8bit"] == 4 * 8 / 64
    # the float32 point is the model's own score (same images), the 8-bit one close to it
    assert model["psnr_float32"] == pytest.approx(m["metrics"]["psnr"], abs=1e-9)
    assert abs(model["psnr_8bit"] - model["psnr_float32"]) < 1.0
    assert 0 < model["range_images"] < 96  # the training split: the 96 less validation
    html = (run / "report.html").read_text()
    assert 'id="rate-distortion"' in html and "the code against JPEG" in html
    assert "JPEG quality 90" in html and (run / "figures" / "rate_distortion.png").is_file()


def test_denoising_runs_get_no_rate_distortion(tmp_path: Path) -> None:
    run = tiny_run(tmp_path, "--model", "conv", "--latent-dim", "4", "--epochs", "1",
                   "--task", "denoise", "--noise", "gaussian:0.2", "--no-eval")
    from aekit.evaluate.run import evaluate_run

    m = evaluate_run(run, progress=False)
    assert "rate_distortion" not in m and "bm3d" not in m["baselines"]  # no BM3D here


def test_vqvae_rate_is_its_own_bits(tiny_npz: str, tmp_path: Path) -> None:
    from aekit.evaluate.run import evaluate_run

    run = tmp_path / "vq"
    # a 4×4 grid of indices into 16 entries: 16 numbers × 4 bits over 8×8 pixels = 1 bpp
    assert main(["train", "--model", "vqvae", "--data", tiny_npz, "--epochs", "1",
                 "--batch-size", "16", "--quiet", "--no-eval", "--out", str(run),
                 "--set", "model.codebook_size=16", "--set", "model.filters=[8]",
                 "--set", "model.latent_dim=4"]) == 0
    m = evaluate_run(run, progress=False)
    model = m["rate_distortion"]["model"]
    assert model["bpp"] == 1.0 and model["code_bits_per_number"] == 4.0
    assert model["code_numbers"] == 16 and "bpp_8bit" not in model
    assert model["psnr"] == pytest.approx(m["metrics"]["psnr"], abs=1e-9)


def test_code_rate_arithmetic_and_quantisation() -> None:
    from aekit.evaluate.baselines import code_rate_points, quantise_codes

    x = np.zeros((2, 1, 28, 28), np.float32)
    vq = SimpleNamespace(code_size=49, code_bits=9.0, capabilities=set())
    assert code_rate_points(vq, x, x, x)["bpp"] == 49 * 9 / 784  # VQ-VAE at 28×28: 441 bits
    lo, hi = np.array([0.0, -1.0, 2.0]), np.array([1.0, 1.0, 2.0])
    z = np.array([[0.0, -1.0, 2.0], [1.0, 1.0, 5.0], [0.5, 3.0, -7.0], [0.3, 0.0, 2.0]])
    q = quantise_codes(z, lo, hi)
    assert np.allclose(q[0], [0, -1, 2]) and np.allclose(q[1], [1, 1, 2])  # ends exact
    assert q[2, 1] == pytest.approx(1.0) and (q[:, 2] == 2.0).all()  # clipped; a constant dim
    assert abs(q[3, 0] - 0.3) <= 0.5 / 255 + 1e-7  # within half a step
    assert len(np.unique(quantise_codes(np.linspace(0, 1, 10_000)[:, None], lo[:1], hi[:1]))) \
        == 256


def test_jpeg_scan_bytes_and_roundtrip() -> None:
    from aekit.evaluate.baselines import jpeg_roundtrip, jpeg_scan_bytes

    img = _photo(24, 32, 0)
    back, size, scan = jpeg_roundtrip(img, 95)
    assert back.shape == img.shape and np.abs(back - img).mean() < 0.02
    _, size2, scan2 = jpeg_roundtrip(img, 20)
    assert size - scan == size2 - scan2 > 0  # the same headers and tables at any quality
    gray, _, _ = jpeg_roundtrip(img[:1], 50)
    assert gray.shape == (1, 24, 32)
    with pytest.raises(ValueError, match="start-of-scan"):
        jpeg_scan_bytes(b"\xff\xd8\xff\xd9")


# -- BM3D -----------------------------------------------------------------------------------
def _photo(h: int, w: int, seed: int) -> np.ndarray:
    """A smooth RGB (3, h, w) image with edges: a gradient and a few bright discs."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = 0.3 + 0.3 * np.sin(6 * xx / max(h, w) + rng.random()) * np.cos(4 * yy / max(h, w))
    for _ in range(4):
        cy, cx, r = rng.random() * h, rng.random() * w, 3 + rng.random() * 6
        img = img + 0.4 * (((yy - cy) ** 2 + (xx - cx) ** 2) < r * r)
    return np.stack([np.clip(img * (0.8 + 0.2 * c), 0, 1) for c in range(3)]).astype(np.float32)


def _photo_denoiser(tmp_path: Path) -> Path:
    """A 1-epoch σ = 25 DnCNN on a folder of six RGB photos (not evaluated yet)."""
    from aekit.data.images import write_image

    photos = tmp_path / "photos"
    photos.mkdir()
    for i, (h, w) in enumerate([(40, 52), (48, 48), (36, 60), (44, 40), (50, 38), (42, 46)]):
        write_image(photos / f"p{i}.png", _photo(h, w, i))
    run = tmp_path / "dn"
    assert main(["train", "--model", "dncnn", "--data", f"photos:{photos}", "--task",
                 "denoise", "--noise", "gaussian255:25", "--epochs", "1", "--quiet", "--no-eval",
                 "--set", "model.depth=3", "--set", "model.filters=[4]",
                 "--set", "data.patch_size=16", "--set", "data.patches=16",
                 "--out", str(run)]) == 0
    return run


def test_bm3d_joins_the_photo_denoising_baselines(tmp_path: Path) -> None:
    pytest.importorskip("bm3d")
    from aekit.evaluate.baselines import BM3D_GRID, BM3D_PARAM
    from aekit.evaluate.run import evaluate_run

    run = _photo_denoiser(tmp_path)
    m = evaluate_run(run, progress=False)
    row = m["baselines"]["bm3d"]
    assert {"nl_means", "tv", "wavelet", "bilateral"} <= set(m["baselines"])
    assert row["param"][BM3D_PARAM] in BM3D_GRID and row["n"] == m["n"]
    assert "estimated" in row["sigma"] and "subset" not in row
    assert row["psnr"] > m["input"]["psnr"] + 3  # it really denoised (σ = 25: ~20 dB in)
    assert m["best_baseline"] == max(m["baselines"], key=lambda k: m["baselines"][k]["psnr"])
    assert "baselines_left_out" not in m and "bm3d_subset" not in m
    from aekit.evaluate.restoration import CROPS, load_crops

    crops = load_crops(run / CROPS)
    assert crops is not None and f"best baseline ({m['best_baseline']})" in \
        [label for label, _ in crops[0]]


def test_bm3d_left_out_with_the_install_line_when_missing(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    from aekit.evaluate.run import evaluate_run

    run = _photo_denoiser(tmp_path)
    monkeypatch.setitem(sys.modules, "bm3d", None)  # `import bm3d` now raises ImportError
    m = evaluate_run(run, progress=False)
    assert "bm3d" not in m["baselines"]
    why = m["baselines_left_out"]["bm3d"]
    assert "not installed" in why and "pip install 'aekit[bm3d]'" in why
    assert m["best_baseline"] in {"nl_means", "tv", "wavelet", "bilateral"}


def test_bm3d_on_many_images_scores_a_seeded_subset_apart(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """A code-less denoiser on fixed-size 16×16 arrays: BM3D on 5 of 24 test images, next
    to the model's score on the same 5, never the best baseline of the full set."""
    pytest.importorskip("bm3d")
    import aekit.evaluate.baselines as baselines
    from aekit.evaluate.run import evaluate_run

    x_tr, y_tr = make_blobs_images(64, size=16, seed=1)
    x_te, y_te = make_blobs_images(24, size=16, seed=2)
    np.savez(tmp_path / "b16.npz", x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    run = tmp_path / "dn"
    assert main(["train", "--model", "dncnn", "--data", f"npz:{tmp_path / 'b16.npz'}",
                 "--task", "denoise", "--noise", "gaussian255:25", "--epochs", "1", "--quiet",
                 "--no-eval", "--set", "model.depth=3", "--set", "model.filters=[4]",
                 "--out", str(run)]) == 0
    monkeypatch.setattr(baselines, "BM3D_MAX_TEST", 5)
    monkeypatch.setattr(baselines, "BM3D_MAX_TUNE", 2)
    m = evaluate_run(run, progress=False)
    sub = m["bm3d_subset"]
    assert "bm3d" not in m["baselines"] and m["best_baseline"] != "bm3d"
    assert sub["subset"]["n"] == sub["n"] == 5 and sub["subset"]["of"] == 24
    idx = sub["subset"]["index"]
    assert idx == sorted(idx) and len(set(idx)) == 5
    assert idx == [int(i) for i in baselines.subset_index(24, 5, sub["subset"]["seed"])]
    assert sub["gain_db"] == pytest.approx(sub["model"]["psnr"] - sub["psnr"])


def test_bm3d_refuses_images_under_its_minimum_size() -> None:
    """The bm3d binary crashed the whole process on an 8×8 image: it is never called."""
    from aekit.evaluate.baselines import bm3d_baseline

    x = np.full((3, 1, 8, 8), 0.5, np.float32)
    row, out = bm3d_baseline(x, x, x, x, seed=0)
    assert out == [] and "left_out" in row
    assert "16-pixel minimum" in row["left_out"] or "not installed" in row["left_out"]
