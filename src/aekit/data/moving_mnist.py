"""Moving MNIST: sequences of handwritten digits bouncing inside a square frame.

The benchmark of Srivastava, Mansimov & Salakhutdinov (2015), *Unsupervised Learning
of Video Representations using LSTMs* (ICML): "each video was 20 frames long and
consisted of two digits moving inside a 64 × 64 patch. The digits were chosen randomly
from the training set and placed initially at random locations inside the patch. Each
digit was assigned a velocity whose direction was chosen uniformly randomly on a unit
circle and whose magnitude was also chosen uniformly at random over a fixed range. The
digits bounced-off the edges of the 64 × 64 frame and overlapped if they were at the
same location."

Here, generated with a seed (so a spec always gives the same data):

* speed uniform in [2, 5) pixels per frame, direction uniform on the circle;
* a digit bounces by reflecting its position at the frame edges;
* overlapping digits are combined with the pixel-wise maximum (values stay in [0, 1]);
* **training sequences use MNIST training digits, test sequences MNIST test digits
  only**, so no test digit image is ever seen in training.

Spec: ``moving-mnist`` or ``moving-mnist?train=N&test=M&frames=T&digits=K&size=S&seed=Q``
(defaults 1000, 200, 20, 2, 64, 0). Samples have shape ``(T, 1, S, S)`` (float32).
Memory is ``4·T·S²`` bytes per sequence (≈ 330 kB at the defaults), hence the modest
default counts; raise them for longer runs.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from aekit.data.dataset import Dataset, short_hash
from aekit.data.sources import Source
from aekit.errors import DataError
from aekit.registry import register_source

DEFAULTS = {"train": 1000, "test": 200, "frames": 20, "digits": 2, "size": 64, "seed": 0}
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


def parse_options(query: str | None) -> dict[str, int]:
    """``train=N&test=M…`` → integers, with the defaults; DataError for anything else."""
    opts = dict(DEFAULTS)
    for item in (query or "").split("&"):
        if not item:
            continue
        key, eq, value = item.partition("=")
        if key not in DEFAULTS or not eq:
            raise DataError(f"moving-mnist: unknown option {item!r}; options are "
                            + ", ".join(f"{k}=N" for k in DEFAULTS))
        try:
            opts[key] = int(value)
        except ValueError:
            raise DataError(f"moving-mnist: {key} must be an integer, got {value!r}") from None
    for key in ("train", "test", "frames", "digits", "size"):
        if opts[key] < 1:
            raise DataError(f"moving-mnist: {key} must be ≥ 1, got {opts[key]}")
    return opts


def _mnist_digits() -> tuple[np.ndarray, np.ndarray, str, str]:
    """(train digits, test digits, origin, fingerprint) from the cached MNIST source."""
    from aekit.data.sources import load_dataset

    ds = load_dataset("mnist")
    return ds.x_train[:, 0], ds.x_test[:, 0], ds.origin, ds.fingerprint


@register_source("moving-mnist")
class MovingMnistSource(Source):
    """Two MNIST digits bouncing in 64×64 frames, 20 frames (Srivastava et al. 2015)."""

    description = ("MNIST digits bouncing in 64x64 frames, 20 frames, seeded "
                   "(moving-mnist?train=N&test=M&frames=T&digits=K&size=S&seed=Q)")
    kind = "sequence"
    takes_options: ClassVar[bool] = True

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        opts = parse_options(arg)
        train_digits, test_digits, origin, mnist_fp = _mnist_digits()
        seed = opts["seed"]
        common = {"frames": opts["frames"], "n_digits": opts["digits"], "size": opts["size"]}
        x_train = make_moving_digits(train_digits, opts["train"],
                                     rng=np.random.default_rng([seed, 0]), **common)
        x_test = make_moving_digits(test_digits, opts["test"],
                                    rng=np.random.default_rng([seed, 1]), **common)
        notes = ["train sequences use MNIST training digits, test sequences test digits only"]
        if image_size is not None or channels is not None:
            notes.append("image_size/channels ignored: use ?size=S for the frame size")
        fp = short_hash(["moving-mnist", mnist_fp,
                         *(f"{k}={v}" for k, v in sorted(opts.items()))])
        return Dataset(name=spec, kind="sequence", x_train=x_train, y_train=None,
                       x_test=x_test, y_test=None, classes=None,
                       origin=f"generated from {origin}", checksums={"mnist": "see mnist"},
                       fingerprint=fp, notes=notes)
