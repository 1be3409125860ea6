"""Reference baselines every result is compared against, computed on the same samples.

* **PCA** with as many components as the model's code has numbers, fitted on the
  training split: the linear autoencoder an AE must beat to earn its non-linearity.
* **Classical denoisers** from scikit-image — non-local means (σ estimated per image),
  total variation (Chambolle), wavelet shrinkage (BayesShrink) and the bilateral filter
  (spatial σ 1.5 px, 5×5 window) — each with its main
  parameter tuned on held-out *validation* images with the same corruption, then applied
  to the test images. Tuning keeps the comparison fair: an untuned baseline is a straw man.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from aekit.evaluate.metrics import Images, image_metrics, per_image_mse
from aekit.log import NO_BARS, Bars, Progress

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


def _bilateral(img: Array, sigma_color: float) -> Array:
    from skimage.restoration import denoise_bilateral

    return denoise_bilateral(img, sigma_color=sigma_color, sigma_spatial=1.5, win_size=5)


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
    "bilateral": (_bilateral, [0.05, 0.1, 0.2, 0.3, 0.5], "sigma_color"),
}


def apply_denoiser(fn: Callable[[Array, float], Array], param: float, images: Images
                   ) -> Images:
    """Run one classical denoiser with parameter ``param`` over a set of images.

    ``images`` is an (n, c, h, w) array or a list of (c, h, w) photos; each channel is
    denoised on its own (``fn`` takes one (h, w) image), so gray and RGB are handled
    alike, and the outputs are clipped to [0, 1] like a model's. Returns the same kind of
    container. Public because evaluation also uses it outside tuning: the restoration
    crops show the best baseline's output on the very inputs the model saw.
    """
    out = [np.clip(np.stack([fn(img[c].astype(np.float64), param)
                             for c in range(img.shape[0])]), 0.0, 1.0).astype(np.float32)
           for img in images]
    return np.stack(out) if isinstance(images, np.ndarray) else out


def _apply_parallel(fn: Callable[[Array, float], Array], param: float, images: Images,
                    n_jobs: int, bar: Progress) -> Images:
    """``apply_denoiser`` over ``images`` in chunks (in ``n_jobs`` processes when there
    are enough same-size images), counting the images done on ``bar``."""
    from joblib import Parallel, delayed

    parallel = n_jobs > 1 and len(images) >= 200 and isinstance(images, np.ndarray)
    # small chunks: the bar moves, and a chunk costs little against a process hop
    chunks = np.array_split(images, max(1, min(len(images) // 50, 64))) if \
        isinstance(images, np.ndarray) else [images[i:i + 1] for i in range(len(images))]
    work = (delayed(apply_denoiser)(fn, param, c) for c in chunks)
    parts = []
    for part in (Parallel(n_jobs=n_jobs, return_as="generator")(work) if parallel
                 else (f(*a, **k) for f, a, k in work)):
        parts.append(part)
        bar.update(len(part))
    if isinstance(images, np.ndarray):
        return np.concatenate(parts)
    return [im for part in parts for im in part]


def classical_denoisers(noisy_val: Images, clean_val: Images, noisy_test: Images,
                        clean_test: Images, *, n_jobs: int = -1,
                        progress: Callable[[str], None] | None = None,
                        bars: Bars = NO_BARS) -> dict[str, dict]:
    """Tune each denoiser on validation images, then score it on the test images
    (``progress`` says each step; ``bars`` shows how far the long ones are)."""
    import os

    jobs = os.cpu_count() or 1 if n_jobs == -1 else n_jobs
    results: dict[str, dict] = {}
    for name, (fn, grid, pname) in DENOISERS.items():
        if progress:
            progress(f"baseline {name}: tuning {pname} on {len(noisy_val)} val images")
        with bars(f"baseline {name} tuning", len(grid) * len(noisy_val), "images") as bar:
            scores = []
            for p in grid:
                scores.append(per_image_mse(apply_denoiser(fn, p, noisy_val),
                                            clean_val).mean())
                bar.update(len(noisy_val))
        best = grid[int(np.argmin(scores))]
        if progress:
            progress(f"baseline {name}: {pname}={best}; denoising {len(noisy_test)} images")
        with bars(f"baseline {name}", len(noisy_test), "images") as bar:
            den = _apply_parallel(fn, best, noisy_test, jobs, bar)
        results[name] = {**image_metrics(den, clean_test), "param": {pname: best}}
    return results
