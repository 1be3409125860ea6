"""In-memory data batched by index: no per-sample Python, deterministic per epoch.

A :class:`BatchSet` is a map-style dataset whose items are *whole batches*: item ``i``
of epoch ``e`` is ``x[perm_e[i·B:(i+1)·B]]`` turned into an ``(input, target)`` pair by
the task, each sample ``j`` with its own noise keyed by ``(seed, e, j)``
(:class:`~aekit.data.corruptions.SampleNoise`). Order and noise are therefore a pure
function of (seed, epoch, sample index) — not of the batch size — which makes
``--resume`` exact, gives fresh noise each training epoch, and gives evaluation the same
noise whatever batches it is computed in.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from aekit.data.corruptions import sample_noise
from aekit.tasks.pairs import Task

Tensor = torch.Tensor


def batch_tensor(x: Any) -> Tensor:
    """The tensor a :class:`BatchSet` cuts batches from: uint8 for
    :class:`~aekit.data.dataset.U8Images` (converted per batch), else float32."""
    from aekit.data.dataset import U8Images

    if isinstance(x, U8Images):
        raw = x.raw if x.raw.flags.writeable else np.array(x.raw)  # from_numpy needs writable
        return torch.from_numpy(raw)
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


def as_float_batch(xb: Tensor) -> Tensor:
    """A batch as float32 in [0, 1]: uint8 pixels divided by 255 (exactly rounded, as
    :func:`aekit.data.dataset.to_float`), anything else as it is."""
    return xb.to(torch.float32).div_(255.0) if xb.dtype == torch.uint8 else xb


def mix_seed(*parts: int) -> int:
    """Deterministic 63-bit seed from integers (splitmix-style)."""
    h = 0x9E3779B97F4A7C15
    for p in parts:
        h = (h ^ (p + 0x9E3779B97F4A7C15 + (h << 6) + (h >> 2))) & 0xFFFFFFFFFFFFFFFF
        h = (h * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    return h & 0x7FFFFFFFFFFFFFFF


class BatchSet(Dataset):
    """Batches of an in-memory tensor ``x`` (n, …) as (input, target) pairs."""

    def __init__(self, x: Tensor, task: Task, batch_size: int, *, shuffle: bool, seed: int,
                 drop_last: bool = False, y: Tensor | None = None) -> None:
        self.x = x
        self.y = y  # labels, served as a third item for models that condition on them
        self.task = task
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        n = x.shape[0]
        self.n_batches = n // batch_size if drop_last and n >= batch_size else -(-n // batch_size)
        self.epoch = 0
        self._perm: Tensor | None = None

    def set_epoch(self, epoch: int) -> None:
        if epoch != self.epoch:
            self.epoch = epoch
            self._perm = None

    def _order(self) -> Tensor | None:
        if not self.shuffle:
            return None
        if self._perm is None:
            g = torch.Generator().manual_seed(mix_seed(self.seed, self.epoch, 1))
            self._perm = torch.randperm(self.x.shape[0], generator=g)
        return self._perm

    def __len__(self) -> int:
        return self.n_batches

    def __getitem__(self, i: int) -> tuple[Tensor, ...]:
        lo, hi = i * self.batch_size, (i + 1) * self.batch_size
        perm = self._order()
        idx = torch.arange(lo, min(hi, self.x.shape[0])) if perm is None else perm[lo:hi]
        xb = as_float_batch(self.x[idx] if perm is not None else self.x[lo:hi])  # (b, …)
        epoch = self.epoch if self.shuffle else 0  # evaluation: same noise every time
        noise = sample_noise(mix_seed(self.seed, epoch, 2), idx)
        pair = self.task.pair(xb, noise)
        return pair if self.y is None else (*pair, self.y[idx])


class EpochSampler(Sampler[int]):
    """Yields batch indices in order; ``set_epoch`` (called by Lightning) reshuffles."""

    def __init__(self, batches: BatchSet) -> None:
        self.batches = batches

    def set_epoch(self, epoch: int) -> None:
        self.batches.set_epoch(epoch)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.batches)))

    def __len__(self) -> int:
        return len(self.batches)


def batch_loader(batches: BatchSet) -> DataLoader:
    """A DataLoader that returns the pre-made batches as they are (batch_size=None)."""
    return DataLoader(batches, batch_size=None, sampler=EpochSampler(batches), num_workers=0)


class ImageListSet(Dataset):
    """Whole images of different sizes, one per batch: validation on held-out photos.

    Item ``i`` is image ``i`` as a batch of one, cropped (top-left kept) to a multiple of
    ``multiple`` × the task's scale, turned into a pair with a generator seeded from
    ``(seed, i)`` — the same noise every epoch.
    """

    def __init__(self, images: list[Tensor], task: Task, *, seed: int,
                 multiple: int = 1) -> None:
        self.images = images
        self.task = task
        self.seed = seed
        self.multiple = multiple * task.scale

    def set_epoch(self, epoch: int) -> None:
        """Nothing to reshuffle: validation order and noise are fixed."""

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[Tensor, ...]:
        from aekit.data.corruptions import mod_crop

        x = mod_crop(self.images[i][None], self.multiple)  # (1, c, h', w')
        g = torch.Generator().manual_seed(mix_seed(self.seed, 0, i, 2))
        return self.task.pair(x, g)  # one photo: a generator per image is per sample
