"""Vector-quantised VAE: a discrete code of codebook indices.

After van den Oord, Vinyals & Kavukcuoglu (2017), "Neural Discrete Representation
Learning" (NeurIPS). A strided conv encoder and a 1×1 conv give ``z_e``, a map of
D-dimensional vectors (b, D, h, w); each position is replaced by its nearest entry of a
learned codebook of K vectors (squared distance), giving ``z_q``; a mirrored
transposed-conv decoder reconstructs the image from ``z_q``. Quantisation has no
gradient, so the decoder's gradient is copied to ``z_e`` (the straight-through
estimator). The loss (eq. 3 of the paper) is

    recon + ‖sg[z_e] − e‖² + β·‖z_e − sg[e]‖²

— the *codebook* term moves the entries toward the encoder outputs assigned to them,
the *commitment* term keeps the encoder close to its entries; both are means over the
code's elements, like the reconstruction loss. ``perplexity`` (exp of the entropy of the
batch's code usage: K when every entry is used equally, 1 when one is) is reported, not
minimised.

An entry no position chose for ``dead_after`` training steps is restarted with an
encoder output of the current batch (a common fix for codebook collapse; Dhariwal et al.
2020, "Jukebox", §3.2). The positions are a hash of a step counter kept as a buffer, so
restarts are a pure function of the data and the step — no global RNG, no host sync —
and a resumed run restarts exactly as an uninterrupted one.

The code is the grid of indices: ``encode`` returns them as floats, (b, h·w), and
``decode`` looks them up (rounded, clamped to [0, K)). Each index carries log2 K bits
(``code_bits``), so evaluation compares with PCA at h·w·log2(K)/32 float32 components.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from aekit.capabilities import Capability
from aekit.config import ModelConfig
from aekit.errors import ConfigError
from aekit.losses import reconstruction_loss
from aekit.models.base import Autoencoder, init_weights
from aekit.models.conv import feature_grid
from aekit.nn.blocks import activation, conv_block, conv_stack, deconv_out, deconv_stack
from aekit.registry import register_model, register_preset

Tensor = torch.Tensor

_MASK32 = 0xFFFF_FFFF


def _hash32(h: Tensor) -> Tensor:
    """A 32-bit integer mixer on int64 tensors (no product exceeds 2^59: no overflow)."""
    for _ in range(2):
        h = ((h ^ (h >> 16)) * 0x45D9F3B) & _MASK32
    return h ^ (h >> 16)


def restart_positions(step: Tensor, k: int, n: int) -> Tensor:
    """k pseudo-random positions in [0, n), a pure function of the step counter ``step``
    (an int64 tensor, on the device: no host sync, no global RNG)."""
    j = torch.arange(k, device=step.device, dtype=torch.int64)
    return _hash32(_hash32(step.to(torch.int64) & _MASK32) ^ j) % n


def perplexity(indices: Tensor, k: int) -> Tensor:
    """exp(entropy) of how often each of ``k`` entries occurs in ``indices`` (detached)."""
    flat = indices.detach().reshape(-1)
    counts = (flat[:, None] == torch.arange(k, device=flat.device)).sum(0)  # (k,)
    p = counts.float() / max(flat.numel(), 1)
    return torch.exp(-torch.special.xlogy(p, p).sum())


@dataclass
class VQVAEConfig(ModelConfig):
    """VQ-VAE family: conv channels per stride-2 stage, code vector size D (latent_dim),
    codebook size K, commitment weight β and dead-entry restarts."""

    name: str = "vqvae"
    filters: list[int] | None = None  # encoder channels per stride-2 stage; None = [32, 64]
    kernel_size: int = 3
    batch_norm: bool = True
    latent_dim: int | None = 16  # D, the size of each code vector; None = 16
    codebook_size: int = 512  # K entries; each index carries log2 K bits
    commitment: float = 0.25  # β, the weight of the commitment term
    dead_after: int = 100  # restart an entry unused for this many training steps; 0 = off

    def check(self) -> None:
        super().check()
        if self.codebook_size < 2:
            raise ConfigError(f"model.codebook_size must be ≥ 2; got {self.codebook_size}")
        if self.commitment < 0:
            raise ConfigError(f"model.commitment must be ≥ 0; got {self.commitment}")
        if self.dead_after < 0:
            raise ConfigError(f"model.dead_after must be ≥ 0 (0 = no restarts); got "
                              f"{self.dead_after}")
        if self.sparsity != "none" or self.contractive_weight > 0:
            raise ConfigError("the vqvae's code is discrete (codebook indices); sparsity and "
                              "contractive penalties do not apply to it")


@register_model("vqvae", config=VQVAEConfig)
class VQVAE(Autoencoder):
    """VQ-VAE on (b, c, h, w) images; the code is an (h/2^n)·(w/2^n) grid of indices."""

    family = "vqvae"
    loss_label = ("the reconstruction loss + the codebook term + β·commitment "
                  "(van den Oord et al. 2017)")
    input_kind = "image"
    capabilities: ClassVar[frozenset[str]] = frozenset({Capability.EMBED})

    def __init__(self, cfg: VQVAEConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        cfg.check()
        filters = list(cfg.filters or [32, 64])
        self.grid = feature_grid(self.input_shape, len(filters))  # (h, w) of the code
        c, k, bn = self.input_shape[0], cfg.kernel_size, cfg.batch_norm
        d, n_codes = cfg.latent_dim or 16, cfg.codebook_size
        self.encoder = nn.Sequential(
            *conv_stack([c, *filters], k, bn), nn.Conv2d(filters[-1], d, 1))  # (b, D, h, w)
        self.decoder = nn.Sequential(
            conv_block(d, filters[-1], 1, 1, bn), *deconv_stack(filters[::-1], k, bn),
            deconv_out(filters[0], c, k), activation(cfg.output_activation))  # (b, c, H, W)
        init_weights(self)
        self.codebook = nn.Parameter(torch.empty(n_codes, d).uniform_(-1 / n_codes, 1 / n_codes))
        # training steps since each entry was last chosen, and training steps so far
        self.register_buffer("unused", torch.zeros(n_codes, dtype=torch.int64))
        self.register_buffer("steps", torch.zeros((), dtype=torch.int64))
        self.code_bits = math.log2(n_codes)

    # -- quantisation ---------------------------------------------------------------
    @torch.no_grad()
    def nearest(self, z_e: Tensor) -> Tensor:
        """Index of the nearest codebook entry at each position: (b, D, h, w) → (b, h, w)."""
        b, d, h, w = z_e.shape
        with torch.autocast(z_e.device.type, enabled=False):
            flat = z_e.float().permute(0, 2, 3, 1).reshape(-1, d)  # (b·h·w, D)
            e = self.codebook.float()
            dist = flat.pow(2).sum(1, keepdim=True) - 2 * flat @ e.T + e.pow(2).sum(1)
        return dist.argmin(1).view(b, h, w)

    def lookup(self, indices: Tensor) -> Tensor:
        """Codebook vectors of an index grid: (b, h, w) → (b, D, h, w)."""
        return F.embedding(indices, self.codebook).permute(0, 3, 1, 2)

    def quantise(self, z_e: Tensor) -> dict[str, Tensor]:
        """Nearest entries of ``z_e`` and the decoder's straight-through input.

        ``z_q`` carries the codebook's gradient (for the codebook term); ``z_st`` equals
        ``z_q`` exactly in value while its gradient goes to ``z_e`` alone.
        """
        indices = self.nearest(z_e)
        z_q = self.lookup(indices).to(z_e.dtype)
        z_st = z_q.detach() + (z_e - z_e.detach())  # value z_q, gradient ∂/∂z_e = 1
        return {"z_e": z_e, "z_q": z_q, "z_st": z_st, "indices": indices,
                "z": indices.flatten(1).float()}

    @torch.no_grad()
    def restart_dead(self, z_e: Tensor, indices: Tensor) -> None:
        """Count a training step; entries unused for ``dead_after`` steps take encoder
        outputs of this batch at positions hashed from the step counter."""
        k = self.codebook.shape[0]
        flat = z_e.detach().float().permute(0, 2, 3, 1).reshape(-1, z_e.shape[1])
        used = (indices.reshape(-1)[:, None] == torch.arange(k, device=flat.device)).any(0)
        self.steps.add_(1)
        self.unused.add_(1).masked_fill_(used, 0)
        dead = self.unused >= self.cfg.dead_after
        fresh = flat[restart_positions(self.steps, k, flat.shape[0])]  # (K, D)
        self.codebook.copy_(torch.where(dead[:, None], fresh.to(self.codebook.dtype),
                                        self.codebook))
        self.unused.masked_fill_(dead, 0)

    # -- contract -------------------------------------------------------------------
    def encode(self, x: Tensor) -> Tensor:
        """Indices of the nearest entries, as floats: (b, c, H, W) → (b, h·w)."""
        return self.nearest(self.encoder(x)).flatten(1).float()

    def decode(self, z: Tensor) -> Tensor:
        """Images from index grids (rounded, clamped to [0, K)): (b, h·w) → (b, c, H, W)."""
        h, w = self.grid
        idx = z.round().clamp(0, self.codebook.shape[0] - 1).long().view(-1, h, w)
        return self.decoder(self.lookup(idx.to(self.codebook.device)))

    def forward(self, x: Tensor, **cond: Any) -> dict[str, Tensor]:
        z_e = self.encoder(x)
        out = self.quantise(z_e)
        if self.training and self.cfg.dead_after > 0:
            self.restart_dead(z_e, out["indices"])  # z_q above is already looked up
        out["x_hat"] = self.decoder(out.pop("z_st"))
        out["x"] = x
        return out

    def loss(self, out: dict[str, Tensor], target: Tensor) -> dict[str, Tensor]:
        rec = reconstruction_loss(out["x_hat"], target, self.cfg.loss)
        z_e, z_q = out["z_e"].float(), out["z_q"].float()
        codebook = F.mse_loss(z_q, z_e.detach())  # ‖sg[z_e] − e‖²: moves the entries
        commit = F.mse_loss(z_e, z_q.detach())  # ‖z_e − sg[e]‖²: moves the encoder
        total = rec + codebook + self.cfg.commitment * commit
        return {"loss": total, "recon": rec, "codebook": codebook, "commitment": commit,
                "perplexity": perplexity(out["indices"], self.codebook.shape[0])}


register_preset("vqvae", VQVAEConfig(filters=[32, 64], latent_dim=16, codebook_size=512),
                "VQ-VAE (van den Oord 2017): 7×7 grid of indices into 512 codes of 16 "
                "(441 bits for 28×28)")
