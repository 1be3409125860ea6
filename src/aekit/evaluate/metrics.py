"""Image and vector reconstruction metrics, per sample then averaged.

PSNR and SSIM use a data range of 1 (images in [0, 1]); per-image values are averaged
over the set (the convention of the restoration literature), not computed on the
pooled error. Reconstruction is never scored as "accuracy". Image functions take an
``(n, c, h, w)`` array or a list of ``(c, h, w)`` images of different sizes (photos).

**SSIM** is scikit-image's ``structural_similarity`` with its defaults — a 7×7 uniform
window, K1 = 0.01, K2 = 0.03, data range 1, the sample-covariance factor N/(N − 1) with
N = 49, the mean taken over the pixels whose window lies inside the image (skimage
filters the whole image, then crops (7 − 1)/2 = 3 pixels at each border, so its border
mode never reaches the mean) and, for several channels, the mean over channels — but
computed in batches of images with PyTorch in float64 (equal to skimage to ~1e-15,
tested against it). Why not ``torchmetrics.functional.structural_similarity_index_measure``:
it averages over the whole reflect-padded map (no crop) and has no sample-covariance
factor; it *can* be bent to skimage's numbers (``return_full_image``, crop by hand,
K2 scaled by √(48/49) to absorb the factor), but it filters with a dense 7×7 conv2d
over the padded image, which ran ~40× slower than skimage's per-image loop in float64
(2,000 images of 28×28 on this 2-core CPU) and ~3× slower in float32. The window means
here are box sums from cumulative sums, O(1) per pixel whatever the window;
``benchmarks/eval_metrics.py`` times this path against skimage's.

Work is chunked so memory stays bounded: about :data:`CHUNK_VALUES` pixel values (all
channels) per chunk — whole images where they fit, otherwise one image in strips of rows
overlapping by the window minus one, so the strips' SSIM maps tile the image's exactly.
2^16 values (~84 images of 28×28) ran faster here than 2^18–2^20 (256–1,300 such
images): the five float64 window maps of a chunk then stay in the CPU's cache.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch

Images = np.ndarray | Sequence[np.ndarray]
Tensor = torch.Tensor

WIN = 7  # scikit-image's default uniform window (win_size=7)
K1, K2 = 0.01, 0.03  # scikit-image's (and Wang et al.'s) constants
CHUNK_VALUES = 1 << 16  # pixel values per chunk: ~84 images of 28×28; 5 float64 maps ≈ 2.6 MB


def _chunks(pred: Images, target: Images) -> Iterator[tuple[Tensor, Tensor]]:
    """Pairs of float64 tensors (k, …) of same-size samples, in order, ≈ CHUNK_VALUES
    values each (at least one sample); a list of photos goes one image at a time."""
    if isinstance(pred, np.ndarray) and isinstance(target, np.ndarray):
        if pred.shape != target.shape:
            raise ValueError(f"pred {pred.shape} and target {target.shape} differ in shape")
        per = max(1, CHUNK_VALUES // max(1, int(np.prod(pred.shape[1:]))))
        for lo in range(0, pred.shape[0], per):
            yield _f64(pred[lo:lo + per]), _f64(target[lo:lo + per])
        return
    if len(pred) != len(target):
        raise ValueError(f"{len(pred)} predictions for {len(target)} targets")
    for p, t in zip(pred, target, strict=True):
        p, t = np.asarray(p), np.asarray(t)
        if p.shape != t.shape:
            raise ValueError(f"pred {p.shape} and target {t.shape} differ in shape")
        yield _f64(p[None]), _f64(t[None])


def _f64(a: np.ndarray) -> Tensor:
    """A float64 tensor with the values of ``a`` (shares a contiguous float64 array's
    memory: never modify it in place)."""
    return torch.from_numpy(np.ascontiguousarray(a)).to(torch.float64)


def _mse(p: Tensor, t: Tensor) -> Tensor:
    """(k, …) × (k, …) → (k,) mean squared error per sample."""
    d = p - t
    return d.mul_(d).flatten(1).mean(1)


def _box_mean(x: Tensor, win: int) -> Tensor:
    """(m, h, w) → (m, h − win + 1, w − win + 1): the mean of every win×win window lying
    inside the plane (scipy's ``uniform_filter`` cropped by (win − 1)/2 at each border)."""
    c = x.cumsum(2)  # (m, h, w) running sums along each row
    c = torch.cat([c[:, :, win - 1:win], c[:, :, win:] - c[:, :, :-win]], 2)  # row windows
    c = c.cumsum(1)
    c = torch.cat([c[:, win - 1:win], c[:, win:] - c[:, :-win]], 1)  # then column windows
    return c.div_(win * win)


def _ssim_map_sum(x: Tensor, y: Tensor) -> Tensor:
    """(m, h, w) planes → (m,) sum of skimage's SSIM map over the window positions inside.

    S = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)), with the
    (co)variances of each window scaled by N/(N − 1) as skimage's
    ``use_sample_covariance=True`` does.
    """
    m, h, w = x.shape
    maps = torch.empty((5, m, h, w), dtype=x.dtype)  # x, y, x², y², xy
    maps[0], maps[1] = x, y
    torch.mul(x, x, out=maps[2])
    torch.mul(y, y, out=maps[3])
    torch.mul(x, y, out=maps[4])
    mu = _box_mean(maps.view(5 * m, h, w), WIN).view(5, m, h - WIN + 1, w - WIN + 1)
    ux, uy, uxx, uyy, uxy = mu.unbind(0)  # each (m, h − 6, w − 6)
    cov = WIN * WIN / (WIN * WIN - 1.0)  # skimage's sample-covariance factor, 49/48
    c1, c2 = K1 ** 2, K2 ** 2  # (K · data_range)² with data_range 1
    uxuy = ux * uy
    ux2, uy2 = ux.square(), uy.square()
    den = (uxx + uyy).sub_(ux2).sub_(uy2).mul_(cov).add_(c2)  # σx² + σy² + C2
    num = (uxy - uxuy).mul_(2 * cov).add_(c2)  # 2 σxy + C2
    num.mul_(uxuy.mul_(2).add_(c1))
    den.mul_(ux2.add_(uy2).add_(c1))
    return num.div_(den).flatten(1).sum(1)


def _ssim(p: Tensor, t: Tensor) -> Tensor:
    """(k, c, h, w) × (k, c, h, w) → (k,) SSIM per image (mean over window positions and
    channels); an image too large for one chunk is done in strips of rows."""
    k, c, h, w = p.shape
    if h < WIN or w < WIN:
        raise ValueError(f"SSIM's {WIN}×{WIN} window does not fit a {h}×{w} image "
                         f"(scikit-image refuses it too)")
    x, y = p.reshape(k * c, h, w), t.reshape(k * c, h, w)
    rows = max(1, CHUNK_VALUES // (k * c * w))  # output rows per strip
    total = torch.zeros(k * c, dtype=torch.float64)
    for lo in range(0, h - WIN + 1, rows):
        hi = min(h, lo + rows + WIN - 1)  # input rows lo … hi − 1 give output rows lo …
        total += _ssim_map_sum(x[:, lo:hi], y[:, lo:hi])
    per_plane = total / ((h - WIN + 1) * (w - WIN + 1))
    return per_plane.view(k, c).mean(1)


def per_image_mse(pred: Images, target: Images) -> np.ndarray:
    """(n, …) × (n, …) → (n,) mean squared error per sample (float64)."""
    return np.concatenate([_mse(p, t).numpy() for p, t in _chunks(pred, target)]
                          or [np.empty(0)])


def psnr_from_mse(mse: np.ndarray, data_range: float = 1.0) -> np.ndarray:
    """PSNR in dB; a perfect sample is capped at 100 dB instead of +inf."""
    return np.where(mse > 0, 10.0 * np.log10(data_range**2 / np.maximum(mse, 1e-10)), 100.0)


def per_image_ssim(pred: Images, target: Images) -> np.ndarray:
    """SSIM per (c, h, w) image, scikit-image's numbers (7×7 uniform window, data range 1,
    sample covariance, mean over channels), computed in batches: (n,)."""
    return np.concatenate([_ssim(p, t).numpy() for p, t in _chunks(pred, target)]
                          or [np.empty(0)])


def image_metrics(pred: Images, target: Images) -> dict[str, float]:
    """{mse, psnr, ssim} averaged over images; predictions are clipped to [0, 1].

    One pass over the data: each chunk's MSE and SSIM come from the same float64 copy.
    """
    mse, ssim = [], []
    for p, t in _chunks(pred, target):
        p = p.clamp(0.0, 1.0)  # (k, c, h, w); out of place: p may share the caller's array
        mse.append(_mse(p, t).numpy())
        ssim.append(_ssim(p, t).numpy())
    m = np.concatenate(mse or [np.empty(0)])
    return {"mse": float(m.mean()), "psnr": float(psnr_from_mse(m).mean()),
            "ssim": float(np.concatenate(ssim or [np.empty(0)]).mean())}


def vector_metrics(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """{mse, mae} averaged over samples (tables are standardised, so no PSNR)."""
    d = pred.astype(np.float64) - target.astype(np.float64)
    return {"mse": float((d * d).mean()), "mae": float(np.abs(d).mean())}


def sample_metrics(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """Image metrics for (n, c, h, w) data, vector metrics otherwise."""
    return image_metrics(pred, target) if target.ndim == 4 else vector_metrics(pred, target)
