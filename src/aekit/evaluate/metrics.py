"""Image and vector reconstruction metrics, per sample then averaged.

PSNR and SSIM use a data range of 1 (images in [0, 1]); per-image values are averaged
over the set (the convention of the restoration literature), not computed on the
pooled error. Reconstruction is never scored as "accuracy". Image functions take an
``(n, c, h, w)`` array or a list of ``(c, h, w)`` images of different sizes (photos).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Images = np.ndarray | Sequence[np.ndarray]


def per_image_mse(pred: Images, target: Images) -> np.ndarray:
    """(n, …) × (n, …) → (n,) mean squared error per sample."""
    if not isinstance(pred, np.ndarray) or not isinstance(target, np.ndarray):
        return np.array([per_image_mse(p[None], t[None])[0] for p, t in zip(pred, target,
                                                                            strict=True)])
    d = pred.astype(np.float64) - target.astype(np.float64)
    return (d * d).reshape(d.shape[0], -1).mean(1)


def psnr_from_mse(mse: np.ndarray, data_range: float = 1.0) -> np.ndarray:
    """PSNR in dB; a perfect sample is capped at 100 dB instead of +inf."""
    return np.where(mse > 0, 10.0 * np.log10(data_range**2 / np.maximum(mse, 1e-10)), 100.0)


def per_image_ssim(pred: Images, target: Images) -> np.ndarray:
    """SSIM per (c, h, w) image with scikit-image defaults (7×7 window, data range 1)."""
    from skimage.metrics import structural_similarity

    out = np.empty(len(pred))
    for i in range(len(pred)):
        a, b = pred[i].astype(np.float64), target[i].astype(np.float64)
        if a.shape[0] == 1:
            out[i] = structural_similarity(a[0], b[0], data_range=1.0)
        else:
            out[i] = structural_similarity(a, b, data_range=1.0, channel_axis=0)
    return out


def image_metrics(pred: Images, target: Images) -> dict[str, float]:
    """{mse, psnr, ssim} averaged over images; predictions are clipped to [0, 1]."""
    pred = np.clip(pred, 0.0, 1.0) if isinstance(pred, np.ndarray) else \
        [np.clip(p, 0.0, 1.0) for p in pred]
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
