"""Reference baselines every result is compared against, computed on the same samples.

* **PCA** with as many components as the model's code has numbers, fitted on the
  training split: the linear autoencoder an AE must beat to earn its non-linearity.
* **Classical denoisers** from scikit-image — non-local means (σ estimated per image),
  total variation (Chambolle) and wavelet shrinkage (BayesShrink) — each with its main
  parameter tuned on held-out *validation* images with the same corruption, then applied
  to the test images. Tuning keeps the comparison fair: an untuned baseline is a straw man.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from aekit.evaluate.metrics import image_metrics, per_image_mse

Array = np.ndarray


def pca_reconstruct(x_train: Array, x_test: Array, k: int, seed: int = 0) -> Array:
    """Project ``x_test`` on the top-``k`` principal components of ``x_train``."""
    from sklearn.decomposition import PCA

    n, d = x_train.shape[0], int(np.prod(x_train.shape[1:]))
    k = max(1, min(k, n, d))
    pca = PCA(n_components=k, svd_solver="randomized" if k < 0.5 * min(n, d) else "full",
              random_state=seed)
    pca.fit(x_train.reshape(n, d))
    rec = pca.inverse_transform(pca.transform(x_test.reshape(x_test.shape[0], d)))
    return rec.reshape(x_test.shape).astype(np.float32)


def _nlm(img: Array, h_factor: float) -> Array:
    from skimage.restoration import denoise_nl_means, estimate_sigma

    sigma = float(estimate_sigma(img))
    return denoise_nl_means(img, h=h_factor * sigma, sigma=sigma, fast_mode=True,
                            patch_size=5, patch_distance=6)


def _tv(img: Array, weight: float) -> Array:
    from skimage.restoration import denoise_tv_chambolle

    return denoise_tv_chambolle(img, weight=weight)


def _wavelet(img: Array, sigma_factor: float) -> Array:
    from skimage.restoration import denoise_wavelet, estimate_sigma

    sigma = float(estimate_sigma(img)) * sigma_factor
    return denoise_wavelet(img, sigma=sigma, method="BayesShrink", mode="soft",
                           rescale_sigma=True)


# name -> (function(image (h, w), parameter), parameter grid, parameter name)
DENOISERS: dict[str, tuple[Callable[[Array, float], Array], list[float], str]] = {
    "nl_means": (_nlm, [0.4, 0.6, 0.8, 1.0, 1.3], "h / sigma_est"),
    "tv": (_tv, [0.03, 0.06, 0.1, 0.15, 0.2, 0.3], "weight"),
    "wavelet": (_wavelet, [0.5, 0.75, 1.0, 1.5, 2.0], "sigma / sigma_est"),
}


def _apply(fn: Callable[[Array, float], Array], param: float, images: Array) -> Array:
    """Denoise (n, c, h, w) channel by channel (gray or RGB handled alike)."""
    out = np.empty_like(images, dtype=np.float32)
    for i in range(images.shape[0]):
        for c in range(images.shape[1]):
            out[i, c] = fn(images[i, c].astype(np.float64), param)
    return np.clip(out, 0.0, 1.0)


def _apply_parallel(fn: Callable[[Array, float], Array], param: float, images: Array,
                    n_jobs: int) -> Array:
    from joblib import Parallel, delayed

    if n_jobs == 1 or images.shape[0] < 200:
        return _apply(fn, param, images)
    chunks = np.array_split(images, n_jobs * 4)
    parts = Parallel(n_jobs=n_jobs)(delayed(_apply)(fn, param, c) for c in chunks)
    return np.concatenate(parts)


def classical_denoisers(noisy_val: Array, clean_val: Array, noisy_test: Array,
                        clean_test: Array, *, n_jobs: int = -1,
                        progress: Callable[[str], None] | None = None) -> dict[str, dict]:
    """Tune each denoiser on validation images, then score it on the test images."""
    import os

    jobs = os.cpu_count() or 1 if n_jobs == -1 else n_jobs
    results: dict[str, dict] = {}
    for name, (fn, grid, pname) in DENOISERS.items():
        if progress:
            progress(f"baseline {name}: tuning {pname} on {noisy_val.shape[0]} val images")
        scores = [per_image_mse(_apply(fn, p, noisy_val), clean_val).mean() for p in grid]
        best = grid[int(np.argmin(scores))]
        if progress:
            progress(f"baseline {name}: {pname}={best}; denoising {noisy_test.shape[0]} images")
        den = _apply_parallel(fn, best, noisy_test, jobs)
        results[name] = {**image_metrics(den, clean_test), "param": {pname: best}}
    return results
