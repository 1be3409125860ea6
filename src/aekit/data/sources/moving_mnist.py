"""``moving-mnist[?OPTIONS]``: the Moving MNIST sequence benchmark as a data source.

Spec: ``moving-mnist`` or ``moving-mnist?train=N&test=M&frames=T&digits=K&size=S&seed=Q``
(defaults 1000, 200, 20, 2, 64, 0). Samples have shape ``(T, 1, S, S)`` (float32).
Memory is ``4·T·S²`` bytes per sequence (≈ 330 kB at the defaults), hence the modest
default counts; raise them for longer runs.

The sequences are generated on load, seeded, by :mod:`aekit.data.moving_mnist` (which
also describes the benchmark); training sequences draw on MNIST training digits and
test sequences on MNIST test digits only, so this source loads ``mnist`` first.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from aekit.data.dataset import Dataset, short_hash
from aekit.data.moving_mnist import make_moving_digits
from aekit.data.sources.base import Source
from aekit.errors import DataError
from aekit.registry import register_source

DEFAULTS = {"train": 1000, "test": 200, "frames": 20, "digits": 2, "size": 64, "seed": 0}


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


def mnist_digits() -> tuple[np.ndarray, np.ndarray, str, str]:
    """(train digits, test digits, origin, fingerprint) from the cached MNIST source.

    Tests replace it with a few fake digits, so the source runs without MNIST.
    """
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
        train_digits, test_digits, origin, mnist_fp = mnist_digits()
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
