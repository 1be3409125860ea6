"""Batched PSNR / SSIM (aekit.evaluate.metrics) against scikit-image's per-image numbers.

The reference is the per-image loop aekit used before (``structural_similarity`` with
its defaults, data range 1, ``channel_axis`` for several channels; PSNR from per-image
MSE); it lives here, not in the library.
"""

from __future__ import annotations

import numpy as np
import pytest

from aekit.evaluate import metrics
from aekit.evaluate.metrics import (
    image_metrics,
    per_image_mse,
    per_image_ssim,
    psnr_from_mse,
    sample_metrics,
)
from benchmarks.eval_metrics import old_ssim as skimage_ssim  # the former per-image code
from tests.conftest import make_blobs_images


def skimage_psnr(pred: list[np.ndarray] | np.ndarray, target: list[np.ndarray] | np.ndarray
                 ) -> np.ndarray:
    """(n,) PSNR per image from a float64 NumPy MSE (the old code)."""
    mse = np.array([np.mean((p.astype(np.float64) - t.astype(np.float64)) ** 2)
                    for p, t in zip(pred, target, strict=True)])
    return psnr_from_mse(mse)


def _noisy(x: np.ndarray, sigma: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(x + sigma * rng.standard_normal(x.shape), 0, 1).astype(np.float32)


def _structured(n: int, c: int, h: int, w: int, seed: int) -> np.ndarray:
    """(n, c, h, w) images with edges, gradients, flat areas and saturated pixels."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    out = np.empty((n, c, h, w), np.float32)
    for i in range(n):
        for ch in range(c):
            f = rng.uniform(2, 9)
            img = 0.5 + 0.5 * np.sin(2 * np.pi * f * (xx + rng.uniform() * yy))  # gradients
            img[: h // 3] = rng.uniform()  # a flat band (zero variance windows)
            img[:, w - w // 4:] = (xx[:, w - w // 4:] * 8 % 1 > 0.5)  # hard 0/1 edges
            out[i, ch] = img
    return out


CASES = {
    "random gray": lambda: np.random.default_rng(0).random((300, 1, 28, 28), np.float32),
    "random rgb": lambda: np.random.default_rng(1).random((120, 3, 32, 32), np.float32),
    "structured gray": lambda: _structured(40, 1, 28, 28, 2),
    "structured rgb": lambda: _structured(30, 3, 24, 40, 3),
    "blobs": lambda: make_blobs_images(64, size=8, seed=4)[0],
    "smallest": lambda: np.random.default_rng(5).random((9, 1, 7, 7), np.float32),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_arrays_equal_skimage(case: str) -> None:
    target = CASES[case]()
    pred = _noisy(target, 0.1, seed=7)
    ssim, psnr = per_image_ssim(pred, target), psnr_from_mse(per_image_mse(pred, target))
    assert ssim.shape == psnr.shape == (len(target),)
    np.testing.assert_allclose(ssim, skimage_ssim(pred, target), rtol=0, atol=1e-4)
    np.testing.assert_allclose(psnr, skimage_psnr(pred, target), rtol=0, atol=1e-4)
    # float64 throughout: far tighter than the 1e-4 asked for
    assert np.abs(ssim - skimage_ssim(pred, target)).max() < 1e-10


@pytest.mark.parametrize("channels", [1, 3])
def test_lists_of_sizes_equal_skimage(channels: int) -> None:
    rng = np.random.default_rng(channels)
    sizes = [(7, 7), (9, 31), (40, 12), (64, 64), (33, 50)]
    target = [_structured(1, channels, h, w, seed=i)[0] if i % 2 else
              rng.random((channels, h, w), np.float32) for i, (h, w) in enumerate(sizes)]
    pred = [_noisy(t, 0.2, seed=i) for i, t in enumerate(target)]
    np.testing.assert_allclose(per_image_ssim(pred, target), skimage_ssim(pred, target),
                               rtol=0, atol=1e-4)
    np.testing.assert_allclose(psnr_from_mse(per_image_mse(pred, target)),
                               skimage_psnr(pred, target), rtol=0, atol=1e-4)


def test_chunks_and_row_strips_change_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tiny chunks: batches split mid-set and a large image is done in strips of rows."""
    target = _structured(5, 3, 70, 45, seed=9)
    pred = _noisy(target, 0.15, seed=9)
    full = per_image_ssim(pred, target)
    ref = skimage_ssim(pred, target)
    for values in (1, 500, 3 * 45 * 10, 3 * 70 * 45 * 2 + 1):
        monkeypatch.setattr(metrics, "CHUNK_VALUES", values)
        np.testing.assert_allclose(per_image_ssim(pred, target), ref, rtol=0, atol=1e-10)
        np.testing.assert_allclose(per_image_ssim(list(pred), list(target)), full,
                                   rtol=0, atol=1e-12)


def test_image_metrics_clip_predictions_and_keep_the_callers_array() -> None:
    target = _structured(20, 1, 16, 16, seed=11).astype(np.float64)
    pred = target + 0.3 * np.random.default_rng(11).standard_normal(target.shape)  # float64
    before = pred.copy()
    m = image_metrics(pred, target)
    assert np.array_equal(pred, before)  # clipped inside, out of place
    clipped = np.clip(pred, 0, 1)
    assert m["ssim"] == pytest.approx(skimage_ssim(clipped, target).mean(), abs=1e-4)
    assert m["psnr"] == pytest.approx(skimage_psnr(clipped, target).mean(), abs=1e-4)
    assert m["mse"] == pytest.approx(np.mean((clipped - target) ** 2), rel=1e-12)
    assert sample_metrics(pred, target) == m
    as_list = image_metrics(list(pred), list(target))
    assert as_list == pytest.approx(m, abs=1e-12)


def test_perfect_prediction_and_too_small_images() -> None:
    x = _structured(3, 1, 10, 10, seed=1)
    assert image_metrics(x, x) == {"mse": 0.0, "psnr": 100.0, "ssim": pytest.approx(1.0)}
    with pytest.raises(ValueError, match="window"):
        per_image_ssim(np.zeros((2, 1, 6, 9)), np.zeros((2, 1, 6, 9)))
    with pytest.raises(ValueError, match="shape"):
        per_image_ssim(np.zeros((2, 1, 8, 8)), np.zeros((2, 1, 8, 9)))


def test_mse_of_vectors_and_sequences_is_per_sample() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.random((50, 3, 4, 5)), rng.random((50, 3, 4, 5))
    np.testing.assert_allclose(per_image_mse(a, b), ((a - b) ** 2).reshape(50, -1).mean(1),
                               rtol=1e-12)
    v, w = rng.random((40, 7)), rng.random((40, 7))
    np.testing.assert_allclose(per_image_mse(v, w), ((v - w) ** 2).mean(1), rtol=1e-12)
