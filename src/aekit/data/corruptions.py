"""Corruptions for denoising tasks: pure, seeded functions of a batch.

Each corruption maps a clean batch ``x`` (any shape, values in [0, 1]) and a source of
randomness — a ``torch.Generator``, or a :class:`SampleNoise` that draws every sample's
noise from that sample's own key — to a corrupted batch of the same shape. The model never knows
which corruption produced its input. Specs are strings so they fit on a command line:

=====================  =========================================================
``gaussian:F``         x + F·N(0, 1), clipped to [0, 1] (Keras recipe, F = 0.35)
``gaussian-add:M,S``   x + N(M, S), *not* clipped (the "add N(0.5, 0.5)" recipe)
``gaussian255:S``      x + (S/255)·N(0, 1), clipped; σ on the 0–255 scale (photos)
``salt-pepper:P``      a fraction P of values set to 0 or 1 with equal odds
``mask:P``             a fraction P of values set to 0 (random masking / dropout)
``swap:P``             swap noise: a fraction P of values replaced by the same
                       feature of another random row of the batch (tables)
=====================  =========================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from aekit.errors import ConfigError

Tensor = torch.Tensor


# splitmix64 constants as signed int64 (torch has no uint64 arithmetic; products wrap)
_GOLDEN = 0x9E3779B97F4A7C15 - (1 << 64)
_M1 = 0xBF58476D1CE4E5B9 - (1 << 64)
_M2 = 0x94D049BB133111EB - (1 << 64)


def _shr(z: Tensor, k: int) -> Tensor:
    """Logical right shift of int64 values (``>>`` is arithmetic for negatives)."""
    return (z >> k) & ((1 << (64 - k)) - 1)


def _mix64(z: Tensor) -> Tensor:
    """The splitmix64 finaliser, elementwise on int64 (Steele, Lea & Flood 2014); works
    in place on ``z``."""
    z.bitwise_xor_(_shr(z, 30)).mul_(_M1)
    z.bitwise_xor_(_shr(z, 27)).mul_(_M2)
    return z.bitwise_xor_(_shr(z, 31))


class SampleNoise:
    """Counter-based noise with one key per sample: sample ``j``'s draws depend only on
    ``keys[j]`` and on how many draws came before, never on the other samples in the
    batch. So a sample keeps its noise whatever the batch size or its place in a batch
    (evaluation noise is a function of (seed, sample index)), at the cost of one integer
    hash per value: 1.7× a seeded ``torch.randn`` on a CPU (benchmarks/noise_speed.py).

    Element ``e`` of the ``n``-th draw of sample ``j`` is splitmix64(key_j + (n·d + e + 1)·φ)
    with ``d`` the sample's size; uniforms take the top 24 bits, normals use Box–Muller.
    """

    def __init__(self, keys: Tensor) -> None:
        self.keys = keys.to(torch.int64).cpu()  # (b,)
        self._drawn = 0  # draws so far, per sample, in units of the sample size

    def _bits(self, x: Tensor) -> Tensor:
        b = x.shape[0]
        d = x[0].numel() if b else 0
        counter = torch.arange(self._drawn * d + 1, (self._drawn + 1) * d + 1,
                               dtype=torch.int64)  # (d,)
        self._drawn += 1
        return _mix64(self.keys[:, None] + counter.mul_(_GOLDEN)[None, :])  # (b, d)

    def rand(self, x: Tensor) -> Tensor:
        """Uniform [0, 1) values shaped like ``x`` (float32, on x's device)."""
        u = _shr(self._bits(x), 40).to(torch.float32) * 2.0**-24
        return u.reshape(x.shape).to(x.device)

    def randn(self, x: Tensor) -> Tensor:
        """Standard normal values shaped like ``x`` (float32, on x's device): Box–Muller
        on two 24-bit uniforms cut from one 64-bit hash."""
        h = self._bits(x)
        u1 = (_shr(h, 40).to(torch.float32) + 1.0).mul_(2.0**-24)  # (0, 1]
        u2 = ((h >> 16) & 0xFFFFFF).to(torch.float32).mul_(2.0 * torch.pi * 2.0**-24)
        z = u1.log_().mul_(-2.0).sqrt_().mul_(u2.cos_())
        return z.reshape(x.shape).to(x.device)

    def randint(self, low: int, high: int, x: Tensor) -> Tensor:
        """Integers in [low, high) shaped like ``x`` (int64, on x's device)."""
        return (low + (self.rand(x) * (high - low)).long().clamp_(max=high - low - 1))


Noise = torch.Generator | SampleNoise | None


def sample_noise(base: int, index: Tensor) -> SampleNoise:
    """Noise for the samples at ``index`` (b,) of a stream seeded by ``base`` (an int,
    e.g. ``mix_seed(seed, epoch)``): sample ``i`` always gets the same draws."""
    keys = _mix64(torch.as_tensor(index, dtype=torch.int64).cpu() * _GOLDEN
                  + (base & 0x7FFFFFFFFFFFFFFF))
    return SampleNoise(keys)


@dataclass(frozen=True)
class Corruption:
    """A parsed corruption spec; call it as ``c(x, generator)``."""

    kind: str
    params: tuple[float, ...]
    fn: Callable[[Tensor, Noise, tuple[float, ...]], Tensor]
    spec: str

    def __call__(self, x: Tensor, generator: Noise = None) -> Tensor:
        return self.fn(x, generator, self.params)


def _randn(x: Tensor, g: Noise) -> Tensor:
    if isinstance(g, SampleNoise):
        return g.randn(x).to(x)
    # Draw on the generator's device, then move: keeps CPU generators valid for GPU data.
    dev = g.device if g is not None else x.device
    return torch.randn(x.shape, generator=g, device=dev, dtype=torch.float32).to(x)


def _rand(x: Tensor, g: Noise) -> Tensor:
    if isinstance(g, SampleNoise):
        return g.rand(x).to(x)
    dev = g.device if g is not None else x.device
    return torch.rand(x.shape, generator=g, device=dev, dtype=torch.float32).to(x)


def _gaussian(x: Tensor, g: Noise, p: tuple[float, ...]) -> Tensor:
    return (x + p[0] * _randn(x, g)).clamp_(0.0, 1.0)


def _gaussian_add(x: Tensor, g: Noise, p: tuple[float, ...]) -> Tensor:
    return x + (p[0] + p[1] * _randn(x, g))


def _gaussian255(x: Tensor, g: Noise, p: tuple[float, ...]) -> Tensor:
    return (x + (p[0] / 255.0) * _randn(x, g)).clamp_(0.0, 1.0)


def _salt_pepper(x: Tensor, g: Noise, p: tuple[float, ...]) -> Tensor:
    u = _rand(x, g)
    out = x.clone()
    out[u < p[0] / 2] = 0.0
    out[(u >= p[0] / 2) & (u < p[0])] = 1.0
    return out


def _mask(x: Tensor, g: Noise, p: tuple[float, ...]) -> Tensor:
    return x * (_rand(x, g) >= p[0]).to(x.dtype)


def _swap(x: Tensor, g: Noise, p: tuple[float, ...]) -> Tensor:
    """Swap noise (Jahrer, Porto Seguro 1st place, 2017): with probability P each value
    is replaced by the same column's value in another row, drawn uniformly from the
    *other* rows of the batch. Values stay on each column's own marginal distribution,
    which additive noise would not respect for binary or one-hot columns. Because the
    donors are the batch's rows, swap noise — unlike every other corruption here — still
    depends on which samples share a batch (evaluation corrupts in batches of 512). A
    batch of one row has no other row, so it is returned unchanged.
    """
    b = x.shape[0]
    if b < 2 or p[0] == 0:
        return x.clone()
    flat = x.reshape(b, -1)  # (b, f)
    if isinstance(g, SampleNoise):  # the donor is still a row of *this* batch
        u, shift = g.rand(flat), g.randint(1, b, flat)
    else:
        dev = g.device if g is not None else x.device
        u = torch.rand(flat.shape, generator=g, device=dev).to(x.device)
        shift = torch.randint(1, b, flat.shape, generator=g, device=dev).to(x.device)
    donor_rows = (torch.arange(b, device=x.device)[:, None] + shift) % b  # never the row itself
    donor = torch.gather(flat, 0, donor_rows)  # (b, f)
    return torch.where(u < p[0], donor, flat).reshape(x.shape)


# name -> (function, number of parameters, valid range check, example)
_KINDS: dict[str, tuple[Callable, int, Callable[[tuple[float, ...]], bool], str]] = {
    "gaussian": (_gaussian, 1, lambda p: p[0] >= 0, "gaussian:0.35"),
    "gaussian-add": (_gaussian_add, 2, lambda p: p[1] >= 0, "gaussian-add:0.5,0.5"),
    "gaussian255": (_gaussian255, 1, lambda p: p[0] >= 0, "gaussian255:25"),
    "salt-pepper": (_salt_pepper, 1, lambda p: 0 <= p[0] <= 1, "salt-pepper:0.1"),
    "mask": (_mask, 1, lambda p: 0 <= p[0] < 1, "mask:0.3"),
    "swap": (_swap, 1, lambda p: 0 <= p[0] <= 1, "swap:0.15"),
}


def parse_corruption(spec: str) -> Corruption:
    """Parse ``kind:params`` into a :class:`Corruption` or raise a one-line ConfigError."""
    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    if kind not in _KINDS:
        raise ConfigError(f"unknown noise {kind!r}; use one of: "
                          + ", ".join(v[3] for v in _KINDS.values()))
    fn, n, ok, example = _KINDS[kind]
    try:
        params = tuple(float(v) for v in rest.split(",")) if rest else ()
    except ValueError:
        raise ConfigError(f"noise {spec!r}: parameters must be numbers, e.g. {example}") from None
    if len(params) != n or not ok(params):
        raise ConfigError(f"noise {spec!r} needs {n} valid parameter(s), e.g. {example}")
    return Corruption(kind, params, fn, spec)


# -- downsampling (super-resolution pairs) ------------------------------------------------
def mod_crop(x: Tensor, scale: int) -> Tensor:
    """Crop (…, h, w) to the largest multiple of ``scale`` (top-left kept), as in SRCNN."""
    h, w = x.shape[-2], x.shape[-1]
    return x[..., : h - h % scale, : w - w % scale]


def bicubic_down(x: Tensor, scale: int) -> Tensor:
    """(b, c, h, w) with h, w multiples of ``scale`` → (b, c, h/s, w/s), clipped to [0, 1].

    Keys' cubic kernel (a = −0.5) widened by ``scale`` to anti-alias — the construction
    of MATLAB's ``imresize``, which made the SR literature's training pairs. PyTorch's
    ``antialias=True`` path implements Pillow's resampler (measured: within one grey
    level of Pillow's BICUBIC on 8-bit images). Deterministic: no generator needed.
    """
    import torch.nn.functional as F

    h, w = x.shape[-2], x.shape[-1]
    if h % scale or w % scale:
        raise ValueError(f"bicubic_down needs sizes divisible by {scale}; got {h}×{w}")
    y = F.interpolate(x.float(), size=(h // scale, w // scale), mode="bicubic",
                      align_corners=False, antialias=True)
    return y.clamp_(0.0, 1.0).to(x.dtype)


def bicubic_up(x: Tensor, scale: int) -> Tensor:
    """(b, c, h, w) → (b, c, h·s, w·s) bicubic, clipped to [0, 1]: the classical baseline
    and the first step of pre-upsampling models (SRCNN).

    Same kernel as :func:`bicubic_down` (a = −0.5, as MATLAB and Pillow; PyTorch's plain
    bicubic uses OpenCV's a = −0.75, which differs from Pillow by up to 11 grey levels).
    """
    import torch.nn.functional as F

    y = F.interpolate(x.float(), scale_factor=scale, mode="bicubic", align_corners=False,
                      antialias=True)
    return y.clamp(0.0, 1.0).to(x.dtype)
