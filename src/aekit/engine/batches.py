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

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler, get_worker_info

from aekit.data.corruptions import sample_noise
from aekit.data.shards import SHARDS_KEPT
from aekit.errors import DataError
from aekit.tasks.pairs import Task

Tensor = torch.Tensor


class PickedRows:
    """Picked rows of uint8 images (a :class:`~aekit.data.dataset.U8Images` with
    ``rows``, over a prepared cache's memory map or a store in RAM) indexed like a
    tensor: ``rows[idx]`` gathers just those rows into a fresh uint8 tensor (as fast as
    indexing a tensor: benchmarks/streaming.py). A mapped one pickles as the file's path
    and row list, so a loader worker maps the file itself instead of receiving pixels."""

    def __init__(self, images: Any) -> None:
        self.images = images  # a U8Images with rows, or mapped

    @property
    def shape(self) -> tuple[int, ...]:
        return self.images.shape

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, key: Tensor | slice) -> Tensor:
        key = key.numpy() if isinstance(key, Tensor) else key
        return torch.from_numpy(self.images.pixels(key))  # (b, …) uint8, in RAM

    def shard_ids(self) -> np.ndarray | None:
        """The shard holding each row shown (n,), for rows read from tar shards
        (:class:`~aekit.data.shards.ShardStore`); None for an array in RAM or mapped."""
        shard_of = getattr(self.images.store, "shard_of", None)
        return None if shard_of is None else shard_of(self.images.rows)


def batch_tensor(x: Any) -> Tensor | PickedRows:
    """What a :class:`BatchSet` cuts batches from: for
    :class:`~aekit.data.dataset.U8Images` the rows a split picked (:class:`PickedRows`,
    read per batch from RAM or the mapped file) or the whole uint8 store as a tensor,
    converted per batch; else a float32 tensor."""
    from aekit.data.dataset import U8Images

    if isinstance(x, U8Images):
        if x.mapped or x.rows is not None:  # read a batch's rows, copy nothing whole
            return PickedRows(x)
        raw = x.raw
        return torch.from_numpy(raw if raw.flags.writeable else np.array(raw))
    return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))


def is_streamed(x: Tensor | PickedRows) -> bool:
    """True when batches are read from a file (prepared cache), not cut from RAM."""
    return isinstance(x, PickedRows) and x.images.mapped


def as_float_batch(xb: Tensor) -> Tensor:
    """A batch as float32 in [0, 1]: uint8 pixels divided by 255 (exactly rounded, as
    :func:`aekit.data.dataset.to_float`), anything else as it is."""
    return xb.to(torch.float32).div_(255.0) if xb.dtype == torch.uint8 else xb


class RawBatch(NamedTuple):
    """A batch as a loader worker cuts it: the samples as stored (uint8 pixels), their
    indices, the seed of their noise stream and their labels. The trainer process turns
    it into its (input, target) pair (:func:`finish_batch`, from
    ``AutoencoderSystem.on_before_batch_transfer``): a float32 pair would cross from the
    worker through shared memory at 4–8× the bytes, which cost streamed training a
    quarter of its speed."""

    x: Tensor  # (b, …) uint8 or float32, as stored
    idx: Tensor  # (b,) sample indices: the noise of sample j is keyed by j
    noise_seed: int
    y: Tensor | None


def finish_batch(batch: RawBatch, task: Task) -> tuple[Tensor, ...]:
    """The (input, target[, y]) pair of a :class:`RawBatch` — exactly what
    :meth:`BatchSet.__getitem__` makes in-process."""
    pair = task.pair(as_float_batch(batch.x), sample_noise(batch.noise_seed, batch.idx))
    return pair if batch.y is None else (*pair, batch.y)


def mix_seed(*parts: int) -> int:
    """Deterministic 63-bit seed from integers (splitmix-style)."""
    h = 0x9E3779B97F4A7C15
    for p in parts:
        h = (h ^ (p + 0x9E3779B97F4A7C15 + (h << 6) + (h >> 2))) & 0xFFFFFFFFFFFFFFFF
        h = (h * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    return h & 0x7FFFFFFFFFFFFFFF


def rank_batches(counts: np.ndarray, world: int, batch_size: int) -> int:
    """Full batches each of ``world`` ranks gets from shards holding ``counts`` samples:
    what the smallest share of shards a rank can draw fills (the same every epoch)."""
    return int(np.sort(counts)[:len(counts) // world].sum()) // batch_size


def shard_major_order(shard_ids: np.ndarray, seed: int, epoch: int, world: int,
                      batch_size: int, window: int) -> tuple[np.ndarray, int]:
    """Epoch ``epoch``'s order of samples read from shards (``shard_ids``: each sample's
    shard), and the number of batches each of ``world`` ranks gets.

    The shards are permuted (seed, epoch); rank ``r`` takes every ``world``-th of them;
    the samples of ``window`` consecutive shards of a rank are shuffled together (seed,
    epoch, rank, window). Every rank gets the same number of full batches — what its
    smallest possible share of shards fills, the same in every epoch — and global batch
    ``k`` is local batch ``k // world`` of rank ``k % world`` (what :class:`RankSampler`
    gives that rank). With one rank every sample is in the order (the last batch may be
    partial)."""
    uniq, inverse, counts = np.unique(shard_ids, return_inverse=True, return_counts=True)
    members = np.argsort(inverse, kind="stable")  # positions grouped by shard
    starts = np.concatenate([[0], np.cumsum(counts)])
    shards = np.random.default_rng(mix_seed(seed, epoch, 3)).permutation(len(uniq))
    seqs = []
    for r in range(world):
        mine = shards[r::world]
        parts = [np.random.default_rng(mix_seed(seed, epoch, 4, r, g)).permutation(
            np.concatenate([members[starts[s]:starts[s + 1]] for s in mine[g:g + window]]))
            for g in range(0, len(mine), window)]
        seqs.append(np.concatenate(parts) if parts else np.zeros(0, np.int64))
    if world == 1:
        return seqs[0], -(-len(seqs[0]) // batch_size)
    per_rank = rank_batches(counts, world, batch_size)
    order = np.stack([seq[:per_rank * batch_size].reshape(per_rank, batch_size)
                      for seq in seqs], axis=1)  # (batches per rank, world, b)
    return order.reshape(-1), per_rank


def check_shards(shard_ids: np.ndarray, world: int) -> None:
    """One line when samples spread over fewer shards than ``world`` ranks."""
    n_shards = len(np.unique(shard_ids))
    if n_shards < world:
        raise DataError(f"the training split has {n_shards} shards for {world} ranks; "
                        f"write smaller shards (aekit data shard --shard-size) so every "
                        f"rank reads its own")


class BatchSet(Dataset):
    """Batches of ``x`` (n, …) — a tensor in RAM or :class:`PickedRows` — as (input,
    target) pairs. An item is a batch number of the current epoch, or ``(epoch, i)``
    (what :class:`EpochSampler` yields): then the item depends on nothing but its key,
    and loader worker processes, which hold copies of this object made before
    ``set_epoch``, still cut the right epoch's batches."""

    def __init__(self, x: Tensor | PickedRows, task: Task, batch_size: int, *,
                 shuffle: bool, seed: int, drop_last: bool = False,
                 y: Tensor | None = None) -> None:
        self.x = x
        self.y = y  # labels, served as a third item for models that condition on them
        self.task = task
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        # samples in tar shards are shuffled shard-major (each rank its own shards)
        self.shard_ids = x.shard_ids() if shuffle and isinstance(x, PickedRows) else None
        self.world = 1
        self.epoch = 0
        self._perm: Tensor | None = None
        self._perm_epoch = -1
        self.set_world(1)

    def set_world(self, world: int) -> None:
        """Cut batches for ``world`` DDP ranks. Only a sharded split depends on it: each
        rank then reads its own shards (:func:`shard_major_order`), and ranks with more
        samples than the smallest share leave the rest to a later epoch."""
        n, b = self.x.shape[0], self.batch_size
        self.world = world
        self._perm_epoch = -1
        if self.shard_ids is not None and world > 1:
            check_shards(self.shard_ids, world)
            counts = np.unique(self.shard_ids, return_counts=True)[1]
            self.n_batches = world * rank_batches(counts, world, b)
        else:
            self.n_batches = n // b if self.drop_last and n >= b else -(-n // b)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _order(self, epoch: int) -> Tensor | None:
        if not self.shuffle:
            return None
        if self._perm is None or self._perm_epoch != epoch:
            if self.shard_ids is not None:
                order, _ = shard_major_order(self.shard_ids, self.seed, epoch, self.world,
                                             self.batch_size, SHARDS_KEPT)
                self._perm = torch.from_numpy(order)
            else:
                g = torch.Generator().manual_seed(mix_seed(self.seed, epoch, 1))
                self._perm = torch.randperm(self.x.shape[0], generator=g)
            self._perm_epoch = epoch
        return self._perm

    def __len__(self) -> int:
        return self.n_batches

    def raw(self, key: int | tuple[int, int]) -> RawBatch:
        """Batch ``key`` before pairing: the stored samples, indices and noise seed."""
        epoch, i = key if isinstance(key, tuple) else (self.epoch, key)
        lo, hi = i * self.batch_size, (i + 1) * self.batch_size
        perm = self._order(epoch)
        idx = torch.arange(lo, min(hi, self.x.shape[0])) if perm is None else perm[lo:hi]
        xb = self.x[idx] if perm is not None else self.x[lo:hi]  # (b, …) as stored
        epoch = epoch if self.shuffle else 0  # evaluation: same noise every time
        return RawBatch(xb, idx, mix_seed(self.seed, epoch, 2),
                        None if self.y is None else self.y[idx])

    def __getitem__(self, key: int | tuple[int, int]) -> tuple[Tensor, ...] | RawBatch:
        """The (input, target[, y]) pair of batch ``key`` — or, in a loader worker
        (``in_worker``), its :class:`RawBatch`, paired in the trainer process."""
        raw = self.raw(key)
        return raw if self.in_worker else finish_batch(raw, self.task)

    @property
    def in_worker(self) -> bool:
        """True inside a DataLoader worker process."""
        return get_worker_info() is not None


class EpochSampler(Sampler[Any]):
    """Yields the keys of an epoch's batches in order; ``set_epoch`` (called by
    Lightning) reshuffles. A :class:`BatchSet`'s keys are ``(epoch, i)``.

    ``epoch_of`` (optional) tells the epoch when an epoch's keys start being drawn.
    Lightning creates the first iterator of a fit *before* it calls ``set_epoch``, and
    loader workers draw their first keys as soon as it exists; on ``--resume`` that
    first epoch is not 0, so the trainer's own epoch counter is asked instead."""

    def __init__(self, batches: Dataset, epoch_of: Callable[[], int] | None = None) -> None:
        self.batches = batches
        self.epoch = 0
        self.epoch_of = epoch_of

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.batches.set_epoch(epoch)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.batches)
        if not isinstance(self.batches, BatchSet):
            return iter(range(n))
        if self.epoch_of is not None:
            self.set_epoch(self.epoch_of())
        return ((self.epoch, i) for i in range(n))

    def __len__(self) -> int:
        return len(self.batches)


class RankSampler(EpochSampler, DistributedSampler):
    """The keys of *this* DDP rank's batches of a sharded :class:`BatchSet`: global batches
    ``rank, rank + world, …`` — in :func:`shard_major_order`, exactly the batches cut
    from this rank's own shards.

    It is a ``DistributedSampler`` only so that Lightning uses it as it is: Lightning
    wraps any other training sampler in one that shuffles the keys across ranks, and
    every rank would then read every shard. Rank and world size are read from the
    process group when an epoch's keys are drawn (``DistributedSampler.__init__``, which
    needs the group to exist already, is not called)."""

    def __iter__(self) -> Iterator[Any]:
        import torch.distributed as dist

        rank, world = ((dist.get_rank(), dist.get_world_size()) if dist.is_available()
                       and dist.is_initialized() else (0, 1))
        if world != self.batches.world:  # pragma: no cover - set_world tells the ranks
            raise RuntimeError(f"batches were cut for {self.batches.world} ranks, not {world}")
        if self.epoch_of is not None:
            self.set_epoch(self.epoch_of())
        return ((self.epoch, k) for k in range(rank, len(self.batches), world))

    def __len__(self) -> int:
        return len(self.batches) // self.batches.world


def loader_workers(requested: int | None, x: Tensor | PickedRows, on_gpu: bool) -> int:
    """``train.num_workers``, or its default from the cores: on a GPU, streamed data gets
    ``min(4, cores // 2)`` workers to prepare batches while the device computes; on the
    CPU the cores *are* the compute, and a worker only adds the trip through shared
    memory (2 workers: 0.87×, none: 1.03× of in-RAM speed, benchmarks/streaming.py), so
    batches are cut in the trainer process — as they always are for data in RAM."""
    if requested is not None:
        return requested
    from aekit.machine import usable_cores

    return min(4, max(1, usable_cores() // 2)) if on_gpu and is_streamed(x) else 0


def batch_loader(batches: Dataset, workers: int = 0,
                 epoch_of: Callable[[], int] | None = None) -> DataLoader:
    """A DataLoader that returns the pre-made batches as they are (batch_size=None),
    cut in ``workers`` worker processes (kept across epochs) or in this one;
    ``epoch_of`` as for :class:`EpochSampler`. A sharded training split cut for several
    ranks is drawn by :class:`RankSampler` (each rank its own batches)."""
    ranked = getattr(batches, "shard_ids", None) is not None and batches.world > 1
    sampler = (RankSampler if ranked else EpochSampler)(batches, epoch_of)
    return DataLoader(batches, batch_size=None, sampler=sampler,
                      num_workers=workers, persistent_workers=workers > 0,
                      prefetch_factor=4 if workers > 0 else None)


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
