"""``aekit similar RUN IMAGE -k 8 --out FILE``: nearest training samples in code space.

Sample recognition with an autoencoder (e.g. Chollet's Keras-blog "image retrieval"):
the query image and every sample of the training split are encoded with
``model.encode``; the ``k`` training samples whose codes are closest in Euclidean
distance are returned and drawn as one strip — query, a gap, then the neighbours from
nearest to farthest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from aekit.errors import ConfigError, DataError


@dataclass
class Neighbour:
    """One retrieved training sample."""

    index: int  # position in the training split (file order)
    label: int | None
    distance: float  # Euclidean distance between codes


def nearest_codes(query: np.ndarray, codes: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and distances of the ``k`` rows of ``codes`` (n, d) closest to ``query`` (d,)."""
    d2 = ((codes - query[None]) ** 2).sum(1)  # (n,) squared distances
    k = min(k, len(d2))
    idx = np.argpartition(d2, k - 1)[:k]
    idx = idx[np.argsort(d2[idx], kind="stable")]
    return idx, np.sqrt(np.maximum(d2[idx], 0.0))


def strip(images: np.ndarray, gap_after: int = 1, pad: int = 2, scale: int = 1) -> np.ndarray:
    """(n, c, h, w) → one (c, H, W) row, white padding, a wider gap after the query."""
    n, c, h, w = images.shape
    widths = [w + (3 * pad if i == gap_after - 1 else pad) for i in range(n)]
    out = np.ones((c, h, sum(widths) - pad), dtype=np.float32)
    x0 = 0
    for img, width in zip(images, widths, strict=True):
        out[:, :, x0:x0 + w] = img
        x0 += width
    if scale > 1:
        out = out.repeat(scale, axis=1).repeat(scale, axis=2)
    return out


def similar_images(run: str | Path, image: str | Path, *, k: int = 8, out: str | Path,
                   data: str | None = None, limit: int | None = None,
                   resize: bool = False, zoom: int | None = None) -> list[Neighbour]:
    """Find the ``k`` nearest training samples of ``image`` and write the strip to ``out``."""
    from aekit.data.images import read_image, write_image
    from aekit.io import load_run
    from aekit.rundata import dataset_for_run, require_codes
    from aekit.tasks.infer import encode

    if k < 1:
        raise ConfigError(f"-k must be ≥ 1; got {k}")
    loaded = load_run(run)
    require_codes(loaded, "similar")
    shape = loaded.input_shape
    if len(shape) != 3:
        raise ConfigError(f"{loaded.path} holds a model for vectors, not images")
    c, h, w = shape
    q = read_image(image, channels=c, size=(h, w) if resize else None)  # (c, h', w')
    if q.shape != shape:
        raise DataError(f"{image} is {q.shape[2]}×{q.shape[1]} but the model takes {w}×{h} "
                        f"images; resize it or pass --resize")
    _, ds = dataset_for_run(loaded, data, verb="similar")
    x = np.asarray(ds.x_train[:limit], dtype=np.float32)  # (n, c, h, w)
    codes = encode(loaded.model, x)  # (n, d)
    zq = encode(loaded.model, q[None])[0]  # (d,)
    idx, dist = nearest_codes(zq, codes, k)
    y = ds.y_train
    found = [Neighbour(int(i), None if y is None else int(y[i]), float(s))
             for i, s in zip(idx, dist, strict=True)]
    from aekit.report.figures import auto_zoom

    row = strip(np.concatenate([q[None], x[idx]]), scale=auto_zoom(h, w, zoom))
    write_image(out, row)
    return found
