"""Gaussian-pyramid features + a linear SVM: the classical Fashion-MNIST baseline (84.0 %).

Burt & Adelson 1983, "The Laplacian pyramid as a compact image code": each level is the
previous one blurred with a Gaussian (σ = 2/3 for a downscale of 2, scikit-image's
``pyramid_reduce`` choice) and subsampled by 2. The features are all levels of every
channel, concatenated (28×28 → 784 + 196 + 49 + 16 + 4 + 1 = 1050 numbers), standardised
and fed to a linear SVM (``LinearSVC``, squared hinge, solved in the primal since
n_samples ≫ n_features).
"""

from __future__ import annotations

from typing import Any

import numpy as np

SIGMA = 2.0 / 3.0  # 2·downscale/6, as skimage.transform.pyramid_reduce


def pyramid_features(x: np.ndarray, min_size: int = 1) -> np.ndarray:
    """(n, c, h, w) images → (n, d) concatenated Gaussian-pyramid levels (vectorised)."""
    from scipy.ndimage import gaussian_filter

    level = np.asarray(x, dtype=np.float32)
    parts = [level.reshape(level.shape[0], -1)]
    while min(level.shape[-2:]) > min_size:
        blurred = gaussian_filter(level, sigma=(0, 0, SIGMA, SIGMA), mode="reflect")
        level = blurred[:, :, ::2, ::2]  # (n, c, ceil(h/2), ceil(w/2))
        parts.append(level.reshape(level.shape[0], -1))
    return np.concatenate(parts, axis=1)


class PyramidSVC:
    """Pipeline: pyramid features → StandardScaler → LinearSVC (scikit-learn style)."""

    def __init__(self, C: float = 0.01, max_iter: int = 2000, seed: int = 0) -> None:
        self.C = C
        self.max_iter = max_iter
        self.seed = seed

    def fit(self, x: np.ndarray, y: np.ndarray) -> PyramidSVC:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import LinearSVC

        self.pipeline_: Any = make_pipeline(
            StandardScaler(), LinearSVC(C=self.C, dual=False, max_iter=self.max_iter,
                                        random_state=self.seed))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.pipeline_.fit(pyramid_features(x), y)
        return self

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.pipeline_.predict(pyramid_features(x))

    def score(self, x: np.ndarray, y: np.ndarray) -> float:
        """Classification accuracy on (x, y)."""
        return float((self.predict(x) == np.asarray(y)).mean())
