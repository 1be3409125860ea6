"""Measures of an image that both data preparation and evaluation use.

``y_channel`` is the luma the super-resolution papers score on; ``detail_window`` picks
the most detailed square of a photo (validation crops of large photos in
:mod:`aekit.data.splits`, the report's restoration crops in
:mod:`aekit.evaluate.restoration`). They live in the data layer so that both can use
them without the data layer reaching up into evaluation.
"""

from __future__ import annotations

import numpy as np

__all__ = ["detail_window", "y_channel"]


def y_channel(img: np.ndarray) -> np.ndarray:
    """(c, h, w) in [0, 1] → (h, w) BT.601 studio-swing luma in [16/255, 235/255].

    RGB: Y = (16 + 65.481 R + 128.553 G + 24.966 B) / 255 (R, G, B in [0, 1]). Gray
    images hold full-range luma (0.299 R + 0.587 G + 0.114 B), so Y = (16 + 219 g) / 255:
    every image is scored as if it were RGB. (For photos that were gray to begin with, the
    SRCNN / BasicSR code scores full-range values, which reads 20·log10(255/219) = 1.32 dB
    higher; gains over a baseline are the same either way.)
    """
    img = img.astype(np.float64)
    if img.shape[0] == 3:
        return (16.0 + 65.481 * img[0] + 128.553 * img[1] + 24.966 * img[2]) / 255.0
    return (16.0 + 219.0 * img[0]) / 255.0



def detail_window(truth: np.ndarray, side: int) -> tuple[int, int]:
    """Top-left corner of the ``side``² window with the largest mean gradient magnitude."""
    h, w = truth.shape[-2:]
    if h <= side and w <= side:
        return 0, 0
    g = y_channel(truth)
    mag = np.hypot(*np.gradient(g))
    ii = np.pad(mag, ((1, 0), (1, 0))).cumsum(0).cumsum(1)  # integral image
    step = max(1, side // 4)
    best, where = -1.0, (0, 0)
    for top in range(0, max(1, h - side + 1), step):
        for left in range(0, max(1, w - side + 1), step):
            b, r = min(h, top + side), min(w, left + side)
            v = ii[b, r] - ii[top, r] - ii[b, left] + ii[top, left]
            if v > best:
                best, where = float(v), (top, left)
    return where
