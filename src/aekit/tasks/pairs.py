"""Tasks turn a clean batch into ``(input, target)`` pairs.

``reconstruct`` is the identity; ``denoise`` corrupts the input with a seeded
corruption from :mod:`aekit.data.corruptions` and keeps the clean sample as target;
``superres`` bicubic-downscales the input by ``task.scale`` and keeps the original
(cropped to a multiple of the scale) as target, so input and target differ in size.
Adding a task = one class here + its metrics; models never know which task they serve.
"""

from __future__ import annotations

from typing import ClassVar

import torch

from aekit.config import TaskConfig
from aekit.data.corruptions import Noise, parse_corruption
from aekit.registry import TASKS, register_task

Tensor = torch.Tensor


class Task:
    """Base task: identity pairs."""

    name: ClassVar[str] = "base"
    corrupts: ClassVar[bool] = False  # the input is a random corruption of the target
    restores: ClassVar[bool] = False  # the input is a degraded image, the target the clean
    #                                   one (denoising, super-resolution)
    changes_size: ClassVar[bool] = False  # input and target differ in size (superres)
    scale: int = 1  # target size / input size (super-resolution: 2, 3 or 4)

    def __init__(self, cfg: TaskConfig) -> None:
        self.cfg = cfg

    def pair(self, x: Tensor, generator: Noise) -> tuple[Tensor, Tensor]:
        """(b, …) clean batch → (input, target), both (b, …). ``generator`` is a
        ``torch.Generator`` or per-sample :class:`~aekit.data.corruptions.SampleNoise`."""
        return x, x


@register_task("reconstruct")
class Reconstruct(Task):
    """Compression: reproduce the input."""

    name = "reconstruct"


@register_task("denoise")
class Denoise(Task):
    """Denoising: corrupted input, clean target (Vincent et al. 2008)."""

    name = "denoise"
    corrupts = True
    restores = True

    def __init__(self, cfg: TaskConfig) -> None:
        super().__init__(cfg)
        self.corruption = parse_corruption(cfg.noise)

    def pair(self, x: Tensor, generator: Noise) -> tuple[Tensor, Tensor]:
        return self.corruption(x, generator), x


@register_task("superres")
class SuperRes(Task):
    """Super-resolution: (bicubic ↓s of x, x) pairs, as in Dong et al. 2014 (SRCNN).

    The target is ``x`` cropped to a multiple of ``s`` (top-left kept); the input is
    (h/s, w/s). Deterministic, so the generator is unused.
    """

    name = "superres"
    restores = True
    changes_size = True

    def __init__(self, cfg: TaskConfig) -> None:
        super().__init__(cfg)
        self.scale = int(cfg.scale)

    def pair(self, x: Tensor, generator: Noise) -> tuple[Tensor, Tensor]:
        from aekit.data.corruptions import bicubic_down, mod_crop

        hr = mod_crop(x, self.scale)  # (b, c, h', w'), multiples of s
        if hr.shape[-1] < self.scale or hr.shape[-2] < self.scale:
            from aekit.errors import DataError

            raise DataError(f"images of {x.shape[-1]}×{x.shape[-2]} are too small to "
                            f"downscale by {self.scale}")
        return bicubic_down(hr, self.scale), hr


def build_task(cfg: TaskConfig) -> Task:
    """Instantiate the registered task named in ``cfg``."""
    return TASKS.get(cfg.name)(cfg)
