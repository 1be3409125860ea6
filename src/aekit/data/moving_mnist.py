"""Moving MNIST: sequences of handwritten digits bouncing inside a square frame.

The benchmark of Srivastava, Mansimov & Salakhutdinov (2015), *Unsupervised Learning
of Video Representations using LSTMs* (ICML): "each video was 20 frames long and
consisted of two digits moving inside a 64 × 64 patch. The digits were chosen randomly
from the training set and placed initially at random locations inside the patch. Each
digit was assigned a velocity whose direction was chosen uniformly randomly on a unit
circle and whose magnitude was also chosen uniformly at random over a fixed range. The
digits bounced-off the edges of the 64 × 64 frame and overlapped if they were at the
same location."

Here, generated with a seed (so the same seed always gives the same data):

* speed uniform in [2, 5) pixels per frame, direction uniform on the circle;
* a digit bounces by reflecting its position at the frame edges;
* overlapping digits are combined with the pixel-wise maximum (values stay in [0, 1]);
* **training sequences use MNIST training digits, test sequences MNIST test digits
  only**, so no test digit image is ever seen in training.

This module is the generator only (NumPy, given digit images and a random
generator); the ``moving-mnist`` data source, its spec options and the MNIST digits it
draws from are :mod:`aekit.data.sources.moving_mnist`.
"""

from __future__ import annotations

import numpy as np

from aekit.errors import DataError

SPEED = (2.0, 5.0)  # pixels per frame, uniform


def bounce_positions(n: int, frames: int, span: int, rng: np.random.Generator
                     ) -> np.ndarray:
    """Integer top-left positions (n, frames, 2) of digits bouncing in ``[0, span]``."""
    pos = rng.uniform(0, span, size=(n, 2))
    theta = rng.uniform(0, 2 * np.pi, size=n)
    speed = rng.uniform(*SPEED, size=n)
    vel = np.stack([np.sin(theta), np.cos(theta)], axis=1) * speed[:, None]  # (n, 2)
    out = np.empty((n, frames, 2), dtype=np.int64)
    for t in range(frames):
        out[:, t] = np.rint(pos).astype(np.int64)
        pos = pos + vel
        for _ in range(2):  # reflect at both edges (speed < span, so twice is enough)
            low, high = pos < 0, pos > span
            pos = np.where(low, -pos, pos)
            pos = np.where(high, 2 * span - pos, pos)
            vel = np.where(low | high, -vel, vel)
    return np.clip(out, 0, span)


def make_moving_digits(digits: np.ndarray, n: int, frames: int = 20, n_digits: int = 2,
                       size: int = 64, rng: np.random.Generator | None = None) -> np.ndarray:
    """``n`` sequences (n, frames, 1, size, size) float32 of ``n_digits`` bouncing digits.

    ``digits``: (N, h, w) float images in [0, 1] to draw from (uniformly, with
    replacement). Overlaps are combined with ``max``.
    """
    rng = rng or np.random.default_rng(0)
    digits = np.asarray(digits, dtype=np.float32)
    if digits.ndim != 3 or len(digits) == 0:
        raise DataError(f"moving-mnist needs digit images (N, h, w); got {digits.shape}")
    dh, dw = digits.shape[1:]
    if size < max(dh, dw):
        raise DataError(f"moving-mnist: size={size} is smaller than a digit ({dh}×{dw}); "
                        f"use size ≥ {max(dh, dw)}")
    span = size - max(dh, dw)
    out = np.zeros((n, frames, 1, size, size), dtype=np.float32)  # (n, t, 1, s, s)
    for _ in range(n_digits):
        pick = rng.integers(0, len(digits), size=n)
        pos = bounce_positions(n, frames, span, rng)  # (n, t, 2)
        for i in range(n):
            d = digits[pick[i]]
            for t in range(frames):
                y, x = pos[i, t]
                patch = out[i, t, 0, y:y + dh, x:x + dw]
                np.maximum(patch, d, out=patch)
    return out
