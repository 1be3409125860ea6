"""Image and vector reconstruction metrics, per sample then averaged.

PSNR and SSIM use a data range of 1 (images in [0, 1]); per-image values are averaged
over the set (the convention of the restoration literature), not computed on the
pooled error. Reconstruction is never scored as "accuracy".
"""

from __future__ import annotations

import numpy as np


def per_image_mse(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(n, …) × (n, …) → (n,) mean squared error per sample."""
    d = pred.astype(np.float64) - target.astype(np.float64)
    return (d * d).reshape(d.shape[0], -1).mean(1)


def psnr_from_mse(mse: np.ndarray, data_range: float = 1.0) -> np.ndarray:
    """PSNR in dB; a perfect sample is capped at 100 dB instead of +inf."""
    return np.where(mse > 0, 10.0 * np.log10(data_range**2 / np.maximum(mse, 1e-10)), 100.0)


def per_image_ssim(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """SSIM per (c, h, w) image with scikit-image defaults (7×7 window, data range 1)."""
    from skimage.metrics import structural_similarity

    out = np.empty(pred.shape[0])
    for i in range(pred.shape[0]):
        a, b = pred[i].astype(np.float64), target[i].astype(np.float64)
        if a.shape[0] == 1:
            out[i] = structural_similarity(a[0], b[0], data_range=1.0)
        else:
            out[i] = structural_similarity(a, b, data_range=1.0, channel_axis=0)
    return out


def image_metrics(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """{mse, psnr, ssim} averaged over images; predictions are clipped to [0, 1]."""
    pred = np.clip(pred, 0.0, 1.0)
    mse = per_image_mse(pred, target)
    return {"mse": float(mse.mean()), "psnr": float(psnr_from_mse(mse).mean()),
            "ssim": float(per_image_ssim(pred, target).mean())}


def vector_metrics(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """{mse, mae} averaged over samples (tables are standardised, so no PSNR)."""
    d = pred.astype(np.float64) - target.astype(np.float64)
    return {"mse": float((d * d).mean()), "mae": float(np.abs(d).mean())}


def sample_metrics(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """Image metrics for (n, c, h, w) data, vector metrics otherwise."""
    return image_metrics(pred, target) if target.ndim == 4 else vector_metrics(pred, target)
