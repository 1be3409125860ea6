"""Variational autoencoder (Kingma & Welling 2014, "Auto-Encoding Variational Bayes").

The encoder outputs the mean and log-variance of a diagonal Gaussian posterior
q(z|x); training samples z = μ + σ·ε (the reparameterisation trick) and minimises the
negative ELBO

    −ELBO(x) = E_q[−log p(x|z)] + β · KL(q(z|x) ‖ N(0, I))

with the reconstruction term *summed over pixels* (per sample) so that it and the KL
term keep their true relative scale — the common bug of averaging the reconstruction
over pixels silently multiplies β by 1/(number of pixels). β ≠ 1 gives a β-VAE
(Higgins et al. 2017); ``kl_warmup`` ramps β from 0 over the first epochs (Bowman et
al. 2016) to avoid posterior collapse. ``encode`` returns the posterior mean.

Variants: ``dense`` (MLP, default hidden 512→256) and ``conv`` (strided convs,
transposed-conv decoder), both with the mirrored decoders of the plain families.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from aekit.capabilities import Capability
from aekit.config import ModelConfig
from aekit.errors import ConfigError
from aekit.losses import kl_normal
from aekit.models.base import Autoencoder, init_weights
from aekit.models.conv import feature_grid
from aekit.nn.blocks import activation, conv_stack, deconv_out, deconv_stack, dense_stack
from aekit.registry import register_model, register_preset

Tensor = torch.Tensor


def reconstruction_nll(x_hat: Tensor, target: Tensor, kind: str) -> Tensor:
    """Per-sample reconstruction term summed over elements: (b, …) → (b,).

    ``bce`` is the Bernoulli negative log-likelihood; ``mse`` the squared error (a unit
    Gaussian's NLL up to a constant and a factor ½); ``l1`` the absolute error.
    """
    x_hat, target = x_hat.float().flatten(1), target.float().flatten(1)
    if kind == "bce":
        return nn.functional.binary_cross_entropy(
            x_hat.clamp(1e-7, 1 - 1e-7), target.clamp(0, 1), reduction="none").sum(1)
    if kind == "mse":
        return (x_hat - target).pow(2).sum(1)
    return (x_hat - target).abs().sum(1)


def build_trunk_and_decoder(cfg: VAEConfig, input_shape: tuple[int, ...], variant: str,
                            code_in: int, default_hidden: list[int]
                            ) -> tuple[nn.Sequential, int, nn.Sequential]:
    """Encoder trunk (x → features), its width, and a mirrored decoder (code_in → x).

    Shared by the VAE and the AAE: ``dense`` flattens any input; ``conv`` needs
    (c, h, w) images divisible by 2^stages.
    """
    out_act = activation(cfg.output_activation)
    if variant == "dense":
        d_in = math.prod(input_shape)
        hidden = list(cfg.hidden or default_hidden)
        trunk = nn.Sequential(nn.Flatten(), *dense_stack([d_in, *hidden], cfg.batch_norm))
        back = [code_in, *reversed(hidden)]
        decoder = nn.Sequential(*dense_stack(back, cfg.batch_norm), nn.Linear(back[-1], d_in),
                                out_act, nn.Unflatten(1, tuple(input_shape)))  # (b, *shape)
        return trunk, hidden[-1], decoder
    if variant == "conv":
        filters = list(cfg.filters or [32, 64])
        hc, wc = feature_grid(input_shape, len(filters))
        c, k, bn = input_shape[0], cfg.kernel_size, cfg.batch_norm
        feat = filters[-1] * hc * wc
        trunk = nn.Sequential(*conv_stack([c, *filters], k, bn), nn.Flatten())  # (b, feat)
        decoder = nn.Sequential(
            nn.Linear(code_in, feat), nn.ReLU(inplace=True),
            nn.Unflatten(1, (filters[-1], hc, wc)),  # (b, f_last, hc, wc)
            *deconv_stack(filters[::-1], k, bn), deconv_out(filters[0], c, k), out_act)
        return trunk, feat, decoder
    raise ConfigError(f"unknown variant {variant!r}; choose dense or conv")


@dataclass
class VAEConfig(ModelConfig):
    """VAE family: encoder trunk (dense widths or conv channels), β and KL warm-up."""

    name: str = "vae"
    variant: str | None = None  # dense | conv; None = dense
    hidden: list[int] | None = None  # dense trunk widths; None = [512, 256]
    filters: list[int] | None = None  # conv trunk channels; None = [32, 64]
    kernel_size: int = 3
    batch_norm: bool = True
    beta: float = 1.0  # weight of the KL term (β-VAE when ≠ 1)
    kl_warmup: int = 0  # epochs over which β ramps up linearly from 0 (0 = off)


@register_model("vae", config=VAEConfig)
class VariationalAutoencoder(Autoencoder):
    """VAE with a diagonal Gaussian posterior and a standard normal prior."""

    family = "vae"
    loss_label = ("the negative ELBO with a β-weighted KL: reconstruction NLL + β·KL "
                  "(= −ELBO at β = 1; validation always uses the configured β, training the "
                  "warmed-up weight); the right panel shows both terms and neg_elbo")
    input_kind = "vector"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.EMBED, Capability.GENERATE, Capability.SCORE})

    def __init__(self, cfg: VAEConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        if cfg.contractive_weight > 0 or cfg.sparsity != "none":
            raise ConfigError("the vae regularises its code with the KL term; contractive and "
                              "sparsity penalties are for deterministic autoencoders")
        if cfg.latent_dim is None:
            raise ConfigError("the vae needs model.latent_dim")
        self.variant = cfg.variant or "dense"
        latent = cfg.latent_dim
        self.trunk, feat, self.decoder = build_trunk_and_decoder(
            cfg, self.input_shape, self.variant, latent, [512, 256])
        self.mu = nn.Linear(feat, latent)
        self.logvar = nn.Linear(feat, latent)
        self.kl_weight = cfg.beta if cfg.kl_warmup == 0 else 0.0
        init_weights(self)

    def posterior(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Mean and log-variance of q(z|x), each (b, latent)."""
        h = self.trunk(x)
        return self.mu(h), self.logvar(h).clamp(-30.0, 20.0)

    def encode(self, x: Tensor) -> Tensor:
        return self.posterior(x)[0]

    def forward(self, x: Tensor, **cond: Any) -> dict[str, Tensor]:
        mu, logvar = self.posterior(x)
        if self.training:  # reparameterisation: z = μ + σ·ε, ε ~ N(0, I)
            z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        else:
            z = mu
        return {"x_hat": self.decode(z), "z": z, "mu": mu, "logvar": logvar, "x": x}

    def on_train_epoch_start(self, epoch: int, max_epochs: int) -> None:
        warm = self.cfg.kl_warmup
        self.kl_weight = self.cfg.beta * (min(1.0, (epoch + 1) / warm) if warm else 1.0)

    def loss(self, out: dict[str, Tensor], target: Tensor) -> dict[str, Tensor]:
        rec = reconstruction_nll(out["x_hat"], target, self.cfg.loss).mean()
        kl = kl_normal(out["mu"], out["logvar"])
        # validation and evaluation always report the full ELBO (β as configured)
        weight = self.kl_weight if self.training else self.cfg.beta
        return {"loss": rec + weight * kl, "recon": rec, "kl": kl,
                "neg_elbo": rec + kl}

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """n draws from p(x|z), z ~ N(0, I), as decoder means: (n, *input_shape)."""
        dev = self._device()
        gdev = generator.device if generator is not None else dev
        z = torch.randn(n, self.cfg.latent_dim or 0, generator=generator, device=gdev).to(dev)
        return self.decode(z)

    @torch.no_grad()
    def anomaly_score(self, x: Tensor) -> Tensor:
        """Negative ELBO per sample, evaluated at the posterior mean: (b,)."""
        mu, logvar = self.posterior(x)
        rec = reconstruction_nll(self.decode(mu), x, self.cfg.loss)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1.0 - logvar).sum(1)
        return rec + kl


register_preset("vae", VAEConfig(variant="dense", hidden=[512, 256], latent_dim=16, loss="bce"),
                "variational AE, MLP 512→256→16 (μ, log σ²), Bernoulli likelihood")
register_preset("vae-conv", VAEConfig(variant="conv", filters=[32, 64], latent_dim=16, loss="bce"),
                "variational AE with strided-conv encoder")
