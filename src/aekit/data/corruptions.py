"""Corruptions for denoising tasks: pure, seeded functions of a batch.

Each corruption maps a clean batch ``x`` (any shape, values in [0, 1]) and a
``torch.Generator`` to a corrupted batch of the same shape. The model never knows
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


@dataclass(frozen=True)
class Corruption:
    """A parsed corruption spec; call it as ``c(x, generator)``."""

    kind: str
    params: tuple[float, ...]
    fn: Callable[[Tensor, torch.Generator | None, tuple[float, ...]], Tensor]
    spec: str

    def __call__(self, x: Tensor, generator: torch.Generator | None = None) -> Tensor:
        return self.fn(x, generator, self.params)


def _randn(x: Tensor, g: torch.Generator | None) -> Tensor:
    # Draw on the generator's device, then move: keeps CPU generators valid for GPU data.
    dev = g.device if g is not None else x.device
    return torch.randn(x.shape, generator=g, device=dev, dtype=torch.float32).to(x)


def _rand(x: Tensor, g: torch.Generator | None) -> Tensor:
    dev = g.device if g is not None else x.device
    return torch.rand(x.shape, generator=g, device=dev, dtype=torch.float32).to(x)


def _gaussian(x: Tensor, g: torch.Generator | None, p: tuple[float, ...]) -> Tensor:
    return (x + p[0] * _randn(x, g)).clamp_(0.0, 1.0)


def _gaussian_add(x: Tensor, g: torch.Generator | None, p: tuple[float, ...]) -> Tensor:
    return x + (p[0] + p[1] * _randn(x, g))


def _gaussian255(x: Tensor, g: torch.Generator | None, p: tuple[float, ...]) -> Tensor:
    return (x + (p[0] / 255.0) * _randn(x, g)).clamp_(0.0, 1.0)


def _salt_pepper(x: Tensor, g: torch.Generator | None, p: tuple[float, ...]) -> Tensor:
    u = _rand(x, g)
    out = x.clone()
    out[u < p[0] / 2] = 0.0
    out[(u >= p[0] / 2) & (u < p[0])] = 1.0
    return out


def _mask(x: Tensor, g: torch.Generator | None, p: tuple[float, ...]) -> Tensor:
    return x * (_rand(x, g) >= p[0]).to(x.dtype)


def _swap(x: Tensor, g: torch.Generator | None, p: tuple[float, ...]) -> Tensor:
    """Swap noise (Jahrer, Porto Seguro 1st place, 2017): with probability P each value
    is replaced by the same column's value in another row, drawn uniformly from the
    *other* rows of the batch. Values stay on each column's own marginal distribution,
    which additive noise would not respect for binary or one-hot columns. A batch of one
    row has no other row, so it is returned unchanged.
    """
    b = x.shape[0]
    if b < 2 or p[0] == 0:
        return x.clone()
    flat = x.reshape(b, -1)  # (b, f)
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
