"""Jigsaw-puzzle pretext for a classifier's conv stem (``aekit pretrain --pretext jigsaw``).

Noroozi & Favaro 2016, "Unsupervised Learning of Visual Representations by Solving
Jigsaw Puzzles" (ECCV): cut an image into a 3×3 grid of tiles, shuffle the tiles by one
of a fixed set of P permutations, and train a network that sees the shuffled tiles to
name the permutation. Solving it needs to know what part of an object a tile shows, so
the tile encoder has to learn shapes — labels are never used.

How it is done here, and why:

* **Permutation set** (:func:`permutation_set`): chosen once, greedily, from all 9! =
  362 880 permutations in a seeded order (seed :data:`PERMUTATION_SEED`, so every run and
  every experiment seed gets the same set): start from the first one, then repeatedly add
  the candidate whose *minimum* Hamming distance to those chosen is largest, ties broken
  by the larger *sum* of distances (the paper's Algorithm 1 maximises the average
  alone; the min-first rule guarantees the spacing), then by the seeded order. Close
  permutations would be near-duplicate classes. P = 64 gives a minimum distance of 7
  positions out of 9 (mean 8.12); P = 30 also 7; P = 100 gives 6.
* **Grid** (:class:`TileGrid`): an image whose sides are not multiples of 3 is
  *cropped* — never resized, so the stem learns at the classifier's pixel scale — to
  the largest multiple of 3 (28 → 27, cells 9×9). The crop's position is drawn per
  sample (0–1 px for 28).
* **Gaps and jitter** (the paper's guard against matching tile edges): each tile is a
  (cell − g)-pixel square at a random place in its cell, g = max(1, cell // 4): 7×7
  tiles in 9×9 cells for Fashion-MNIST, 0–4 px apart, so lines continuing across
  borders give no exact clue.
* **Per-tile normalisation** (the paper's guard against low-level statistics): each
  tile is shifted and scaled to the same mean and standard deviation — those of the
  training images, so the stem sees values in the range the classifier will feed it
  (a tile of std below a tenth of that is scaled as if it had a tenth, so a near-blank
  tile is not blown up into noise).
* **Tiles and pooling** (:attr:`TileGrid.padded`): the stem's stages end in
  MaxPool(2), so a tile is padded with the common mean to the next multiple of
  2^stages on each side (7×7 → 8×8 for two stages, feature map 2×2). Padding, not
  upsampling, again keeps the pixel scale of the transfer target; the padding is the
  same in every slot, so it says nothing about where a tile came from.
* **Siamese network** (:class:`JigsawNet`): the *same* stem
  (:func:`aekit.models.stem.stem_stages`, the layout of
  :class:`~aekit.classify.models.StemClassifier`'s ``stem``, so its state dict copies
  both ways) and one shared Linear–ReLU run on each of the 9 tiles; their features are
  concatenated in slot order and an MLP predicts the permutation index (cross-entropy).
* **Randomness per sample**: the permutation index, the crop and the tile offsets of
  sample ``j`` in epoch ``e`` are a pure function of (seed, e, j), drawn with
  :func:`aekit.data.corruptions.sample_noise` like the engine's per-sample noise;
  held-out puzzles use their own fixed stream, identical on every call.

Colour jitter and the paper's random grey-scale conversion (against chromatic
aberration) are left out: the target data are grey-scale.
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aekit.classify.train import FitResult, cross_entropy_epoch
from aekit.data.corruptions import sample_noise
from aekit.errors import ConfigError
from aekit.models.stem import stem_stages

Tensor = torch.Tensor

GRID = 3  # tiles per side
N_TILES = GRID * GRID
PERMUTATION_SEED = 2016  # the seed of the permutation set's candidate order (fixed)
MAX_PERMUTATIONS = 1000  # the paper's largest set; the greedy search grows with P


@functools.lru_cache(maxsize=1)
def all_permutations() -> np.ndarray:
    """All 9! permutations of the tile slots, (362 880, 9) int8, lexicographic order."""
    out = np.array(list(itertools.permutations(range(N_TILES))), dtype=np.int8)
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=8)
def permutation_set(n: int = 64, seed: int = PERMUTATION_SEED) -> np.ndarray:
    """The ``n`` permutations of the pretext, (n, 9) int64, read-only; deterministic.

    Row ``k`` is class ``k``: shuffled slot ``i`` holds the tile of grid cell
    ``perms[k, i]`` (cells numbered row by row). Greedy max–min Hamming selection over
    all 9! permutations in an order seeded by ``seed`` (module docstring); about 0.6 s
    for n = 64, then cached.
    """
    if not 2 <= n <= MAX_PERMUTATIONS:
        raise ConfigError(f"the jigsaw pretext needs 2 to {MAX_PERMUTATIONS} permutations; "
                          f"got {n}")
    cand = all_permutations()[np.random.default_rng(seed).permutation(362_880)]
    chosen = [0]
    d = (cand != cand[0]).sum(1)
    closest = d.astype(np.int64)  # each candidate's min distance to the chosen ones
    total = d.astype(np.int64)  # … and the sum of its distances
    closest[0] = -1
    for _ in range(n - 1):
        j = int(np.argmax(closest * (N_TILES * MAX_PERMUTATIONS + 1) + total))
        chosen.append(j)
        d = (cand != cand[j]).sum(1)
        np.minimum(closest, d, out=closest)
        total += d
        closest[chosen] = -1
    out = cand[chosen].astype(np.int64)
    out.flags.writeable = False
    return out


def hamming_distances(perms: np.ndarray) -> np.ndarray:
    """(n, n) number of slots in which each pair of permutations differs."""
    p = np.asarray(perms)
    return (p[:, None, :] != p[None, :, :]).sum(2)


def min_hamming(perms: np.ndarray) -> int:
    """The smallest Hamming distance between two different permutations of the set."""
    d = hamming_distances(perms)
    return int(d[np.triu_indices(len(d), 1)].min())


def cut_tiles(x: Tensor) -> Tensor:
    """(b, c, 3·s, 3·t) images → (b, 9, c, s, t) tiles, row by row, no gaps."""
    b, c, h, w = x.shape
    if h % GRID or w % GRID:
        raise ValueError(f"cut_tiles needs sides divisible by {GRID}; got {h}×{w}")
    s, t = h // GRID, w // GRID
    return (x.reshape(b, c, GRID, s, GRID, t).permute(0, 2, 4, 1, 3, 5)
            .reshape(b, N_TILES, c, s, t))


def join_tiles(tiles: Tensor) -> Tensor:
    """The inverse of :func:`cut_tiles`: (b, 9, c, s, t) → (b, c, 3·s, 3·t)."""
    b, _, c, s, t = tiles.shape
    return (tiles.reshape(b, GRID, GRID, c, s, t).permute(0, 3, 1, 4, 2, 5)
            .reshape(b, c, GRID * s, GRID * t))


def shuffle_tiles(tiles: Tensor, order: Tensor) -> Tensor:
    """Slot ``i`` of sample ``j`` gets tile ``order[j, i]``: (b, 9, …) and (b, 9) → (b, 9, …)."""
    return tiles[torch.arange(tiles.shape[0])[:, None], order.long()]


def unshuffle_tiles(tiles: Tensor, order: Tensor) -> Tensor:
    """Undo :func:`shuffle_tiles` with the inverse permutation (``argsort(order)``)."""
    return shuffle_tiles(tiles, torch.argsort(order.long(), dim=1))


def puzzle_stream(seed: int, epoch: int | None) -> int:
    """Base key of the puzzles of ``(seed, epoch)``; ``epoch=None`` is the held-out stream."""
    parts = [seed % 2**32, 0 if epoch is None else epoch + 1, 0x1695]  # 0x1695: jigsaw
    hi, lo = np.random.SeedSequence(parts).generate_state(2, np.uint32)
    return (int(hi) << 31) ^ int(lo)


@dataclass(frozen=True)
class TileGrid:
    """Geometry of the puzzle of an ``height``×``width`` image for a stem of ``stages``.

    ``cell``: the grid cell (the image cropped to a multiple of 3, divided by 3);
    ``tile``: the tile cut from a cell (cell − max(1, cell // 4) per side);
    ``padded``: the tile padded to a multiple of 2^stages, what the stem sees.
    """

    height: int
    width: int
    stages: int
    cell: tuple[int, int]
    tile: tuple[int, int]
    padded: tuple[int, int]

    @classmethod
    def for_image(cls, height: int, width: int, stages: int) -> TileGrid:
        """The grid of an image; one-line ConfigError when it is too small for 3×3 tiles."""
        if min(height, width) < 2 * GRID:
            raise ConfigError(f"the jigsaw pretext cuts images into {GRID}×{GRID} tiles of at "
                              f"least 1 px with a gap; images must be at least "
                              f"{2 * GRID}×{2 * GRID}, got {height}×{width}")
        cell = (height // GRID, width // GRID)
        tile = (cell[0] - max(1, cell[0] // 4), cell[1] - max(1, cell[1] // 4))
        f = 2**stages
        padded = (f * -(-tile[0] // f), f * -(-tile[1] // f))  # rounded up to multiples of f
        return cls(height, width, stages, cell, tile, padded)


class JigsawPuzzles:
    """Makes the shuffled-tile inputs and permutation labels of a batch of images.

    ``mean``/``std``: the pixel statistics every tile is normalised to (the training
    images'); ``normalise=False`` and ``jitter=False`` (centred crops and tiles) exist for
    tests and ablations.
    """

    def __init__(self, input_shape: tuple[int, ...], permutations: np.ndarray, stages: int, *,
                 mean: float = 0.0, std: float = 1.0, normalise: bool = True,
                 jitter: bool = True) -> None:
        if len(input_shape) != 3:
            raise ConfigError(f"the jigsaw pretext needs images (channels, height, width); "
                              f"got samples of shape {tuple(input_shape)}")
        c, h, w = input_shape
        self.channels = int(c)
        self.grid = TileGrid.for_image(int(h), int(w), stages)
        self.permutations = torch.tensor(np.array(permutations), dtype=torch.int64)  # (P, 9)
        self.mean, self.std = float(mean), max(float(std), 1e-6)
        self.normalise, self.jitter = normalise, jitter

    @property
    def n_permutations(self) -> int:
        """P, the number of classes of the pretext."""
        return int(self.permutations.shape[0])

    @property
    def tile_shape(self) -> tuple[int, int, int]:
        """(c, h, w) of one tile as the stem sees it (padded)."""
        return (self.channels, *self.grid.padded)

    def make(self, x: Tensor, index: Tensor, stream: int) -> tuple[Tensor, Tensor]:
        """Puzzles of images ``x`` (b, c, h, w) whose sample numbers are ``index`` (b,).

        Returns ``tiles`` (b, 9, c, ph, pw), shuffled, and ``labels`` (b,): the index of
        the permutation applied (slot ``i`` holds cell ``permutations[label, i]``). The
        draws of a sample depend only on ``stream`` (:func:`puzzle_stream`) and its index.
        """
        g = self.grid
        b = x.shape[0]
        (ch, cw), (th, tw), (ph, pw) = g.cell, g.tile, g.padded
        spare_y, spare_x = g.height - GRID * ch, g.width - GRID * cw
        gy, gx = ch - th, cw - tw
        u = sample_noise(stream, index).rand(torch.empty(b, 3 + 2 * N_TILES))  # (b, 21)

        def pick(v: Tensor, n: int) -> Tensor:  # uniform integers in [0, n]
            return (v * (n + 1)).long().clamp_(max=n)

        labels = (u[:, 0] * self.n_permutations).long().clamp_(max=self.n_permutations - 1)
        if self.jitter:
            oy, ox = pick(u[:, 1], spare_y), pick(u[:, 2], spare_x)  # (b,)
            ty, tx = pick(u[:, 3:3 + N_TILES], gy), pick(u[:, 3 + N_TILES:], gx)  # (b, 9)
        else:
            oy = torch.full((b,), spare_y // 2, dtype=torch.int64)
            ox = torch.full((b,), spare_x // 2, dtype=torch.int64)
            ty = torch.full((b, N_TILES), gy // 2, dtype=torch.int64)
            tx = torch.full((b, N_TILES), gx // 2, dtype=torch.int64)
        slot = torch.arange(N_TILES)
        top = oy[:, None] + (slot // GRID)[None] * ch + ty  # (b, 9)
        left = ox[:, None] + (slot % GRID)[None] * cw + tx
        rows = top[..., None] + torch.arange(th)  # (b, 9, th)
        cols = left[..., None] + torch.arange(tw)  # (b, 9, tw)
        bi = torch.arange(b)[:, None, None, None]
        tiles = x[bi, :, rows[..., :, None], cols[..., None, :]]  # (b, 9, th, tw, c)
        tiles = tiles.permute(0, 1, 4, 2, 3)  # (b, 9, c, th, tw), cell order
        tiles = shuffle_tiles(tiles, self.permutations[labels])
        if self.normalise:
            mu = tiles.mean((2, 3, 4), keepdim=True)
            sd = tiles.std((2, 3, 4), keepdim=True, correction=0).clamp_min(0.1 * self.std)
            tiles = (tiles - mu) / sd * self.std + self.mean
        if (ph, pw) != (th, tw):
            top_pad, left_pad = (ph - th) // 2, (pw - tw) // 2
            flat = F.pad(tiles.reshape(b * N_TILES, self.channels, th, tw),
                         (left_pad, pw - tw - left_pad, top_pad, ph - th - top_pad),
                         value=self.mean)
            tiles = flat.reshape(b, N_TILES, self.channels, ph, pw)
        return tiles.contiguous(), labels


class JigsawNet(nn.Module):
    """Siamese tile encoder + permutation classifier (Noroozi & Favaro 2016, scaled down).

    ``stem`` (Conv–BN–ReLU–MaxPool × len(filters), built by
    :func:`~aekit.models.stem.stem_stages` like the classifier's) and ``tile_head``
    (Linear–ReLU to ``tile_features``) run with shared weights on each of the 9 tiles;
    ``head`` maps the 9 feature vectors, concatenated in slot order, through
    Linear–ReLU (``hidden``) to P logits.
    """

    def __init__(self, tile_shape: tuple[int, int, int], n_permutations: int,
                 filters: list[int] | None = None, kernel_size: int = 3,
                 tile_features: int = 64, hidden: int = 256, dropout: float = 0.3) -> None:
        super().__init__()
        c, h, w = tile_shape
        filters = list(filters or [32, 64])
        f = 2 ** len(filters)
        if h % f or w % f:
            raise ConfigError(f"jigsaw tiles must have sides divisible by {f} for "
                              f"{len(filters)} pooling stages; got {h}×{w}")
        self.stem = stem_stages(c, filters, kernel_size, True)  # (b·9, f_last, h/f, w/f)
        feat = filters[-1] * (h // f) * (w // f)
        self.tile_head = nn.Sequential(nn.Flatten(), nn.Linear(feat, tile_features),
                                       nn.ReLU(inplace=True))
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(N_TILES * tile_features, hidden),
                                  nn.ReLU(inplace=True), nn.Dropout(dropout),
                                  nn.Linear(hidden, n_permutations))

    def forward(self, tiles: Tensor) -> Tensor:
        """(b, 9, c, h, w) shuffled tiles → (b, P) permutation logits."""
        b = tiles.shape[0]
        per_tile = self.tile_head(self.stem(tiles.flatten(0, 1)))  # (b·9, tile_features)
        return self.head(per_tile.reshape(b, -1))  # slots concatenated in order


def _device_of(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def fit_jigsaw(net: JigsawNet, puzzles: JigsawPuzzles, x: np.ndarray, *, epochs: int,
               batch_size: int = 128, lr: float = 1e-3, seed: int = 0,
               progress: Callable[[str], None] | None = None) -> FitResult:
    """Train ``net`` on fresh puzzles of the images ``x`` (n, c, h, w) every epoch (Adam).

    Sample order is a permutation seeded by ``(seed, epoch)``; each sample's puzzle by
    ``(seed, epoch, sample)``; dropout draws from ``torch.manual_seed(seed)``. Labels of
    ``x`` are never needed. Returns the per-epoch mean loss; ``net`` ends in eval mode.
    """
    torch.manual_seed(seed)
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))  # (n, c, h, w)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    n = xt.shape[0]
    result = FitResult(epochs=epochs, seconds=0.0)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        net.train()
        stream = puzzle_stream(seed, epoch)
        perm = torch.randperm(n, generator=torch.Generator().manual_seed(stream))
        result.train_loss.append(cross_entropy_epoch(
            net, opt, perm, batch_size,
            lambda idx, stream=stream: puzzles.make(xt[idx], idx, stream)))
        if progress:
            progress(f"jigsaw epoch {epoch + 1}/{epochs}: train loss "
                     f"{result.train_loss[-1]:.4f}")
    result.seconds = time.perf_counter() - t0
    net.eval()
    return result


@torch.no_grad()
def jigsaw_accuracy(net: JigsawNet, puzzles: JigsawPuzzles, x: np.ndarray, *, seed: int = 0,
                    batch_size: int = 512) -> float:
    """Fraction of held-out puzzles of ``x`` whose permutation ``net`` names (chance 1/P).

    The puzzles come from the held-out stream of ``seed``: the same ones on every call.
    """
    net.eval()
    dev = _device_of(net)
    stream = puzzle_stream(seed, None)
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    hits = 0
    for lo in range(0, xt.shape[0], batch_size):
        idx = torch.arange(lo, min(lo + batch_size, xt.shape[0]))
        tiles, labels = puzzles.make(xt[idx], idx, stream)
        hits += int((net(tiles.to(dev)).argmax(1).cpu() == labels).sum())
    return hits / max(1, xt.shape[0])
