"""The model contract every autoencoder family implements.

A model is a plain ``torch.nn.Module`` (it never imports the training engine) with

* ``encode(x) -> z``  — deterministic embedding (a VAE returns the posterior mean);
* ``decode(z) -> x_hat``;
* ``forward(x) -> dict`` with at least ``x_hat`` and ``z`` (and ``x``, the input,
  which input-dependent penalties such as the contractive term need);
* ``loss(out, target) -> dict`` with ``loss`` (the total to minimise) plus every term
  by name, for logging.

Regularisers (L1 / KL sparsity, contractive penalty) are loss terms configured on the
model through :class:`~aekit.config.ModelConfig`, not subclasses.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import torch
from torch import nn

from aekit.capabilities import Capability
from aekit.config import ModelConfig
from aekit.errors import ConfigError
from aekit.losses import jacobian_frobenius, kl_sparsity, l1_activity, reconstruction_loss

Tensor = torch.Tensor


class Autoencoder(nn.Module):
    """Base class: subclasses build ``self.encoder`` (x → z) and ``self.decoder`` (z → x̂)."""

    family: ClassVar[str] = "base"
    input_kind: ClassVar[str] = "vector"  # "vector" | "image" | "sequence"
    # What the engine and the verbs may ask of a model (checked, never model names):
    #   embed       encode(x) gives a deterministic code
    #   generate    sample(n, generator) draws from the model's prior
    #   condition   forward/decode need class labels ``y`` (e.g. supervised AAE)
    #   adversarial several optimizers: parameter_groups() + adversarial_step()
    #   any_size    fully convolutional: forward takes (b, c, h, w) of any h, w that are
    #               multiples of ``size_multiple`` (whole photos, tiled inference)
    #   upscale     forward maps (b, c, h, w) to (b, c, h·scale, w·scale) (super-resolution)
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.EMBED})
    exact_jacobian: ClassVar[bool] = False  # exact contractive norm (dense) or estimator
    select_best: ClassVar[bool] = True  # keep best-validation weights (GANs keep the last)
    # what the total ``loss`` is, in words, for the report's loss curves
    loss_label: ClassVar[str] = "reconstruction loss plus the configured penalties"

    encoder: nn.Module
    decoder: nn.Module
    # for any_size models: inputs must be multiples of this; outputs are `scale`× the input;
    # an output pixel depends on inputs at most `receptive_radius` input pixels away
    # (tiled inference overlaps tiles by that much, so tiles agree with a whole pass)
    size_multiple: int = 1
    scale: int = 1
    receptive_radius: int = 0
    # bits one code number carries: None = a float32 (32 bits); a discrete code says how
    # many (a vector-quantised index of a K-entry codebook: log2 K). Evaluation gives the
    # PCA baseline as many float32 components as the code has bits / 32.
    code_bits: float | None = None

    def __init__(self, cfg: ModelConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.cfg = cfg
        self.input_shape = tuple(int(s) for s in input_shape)
        self._penalty_gen: torch.Generator | None = None

    # -- contract -----------------------------------------------------------------
    def encode(self, x: Tensor) -> Tensor:
        """Code of ``x``: (b, *input_shape) → (b, latent)."""
        return self.encoder(x)

    def decode(self, z: Tensor) -> Tensor:
        """Reconstruction from a code: (b, latent) → (b, *input_shape)."""
        return self.decoder(z)

    def forward(self, x: Tensor, **cond: Any) -> dict[str, Tensor]:
        z = self.encode(x)
        return {"x_hat": self.decode(z), "z": z, "x": x}

    def loss(self, out: dict[str, Tensor], target: Tensor) -> dict[str, Tensor]:
        """Reconstruction loss plus configured regularisers, each term reported."""
        rec = reconstruction_loss(out["x_hat"], target, self.cfg.loss)
        terms: dict[str, Tensor] = {"recon": rec}
        total = rec
        for name, (weight, value) in self.penalties(out).items():
            terms[name] = value
            total = total + weight * value
        terms["loss"] = total
        return terms

    def penalties(self, out: dict[str, Tensor]) -> dict[str, tuple[float, Tensor]]:
        """The configured regularisers of a forward pass: name → (weight, value).

        L1 or KL sparsity of the code; the contractive penalty (training only — it
        costs a backward pass per code unit for dense encoders).
        """
        cfg = self.cfg
        found: dict[str, tuple[float, Tensor]] = {}
        if cfg.sparsity == "l1" and cfg.sparsity_weight > 0:
            found["sparsity"] = (cfg.sparsity_weight, l1_activity(out["z"]))
        elif cfg.sparsity == "kl" and cfg.sparsity_weight > 0:
            found["sparsity"] = (cfg.sparsity_weight, kl_sparsity(out["z"], cfg.sparsity_target))
        if cfg.contractive_weight > 0 and self.training:
            found["contractive"] = (cfg.contractive_weight, jacobian_frobenius(
                self.encoder, out["x"], exact=self.exact_jacobian,
                projections=cfg.contractive_projections))
        return found

    # -- engine hooks (no-ops unless a family needs them) ---------------------------
    def on_train_epoch_start(self, epoch: int, max_epochs: int) -> None:
        """Called by the engine before each training epoch (e.g. KL warm-up)."""

    def step_terms(self, x: Tensor, target: Tensor, **cond: Any) -> dict[str, Tensor]:
        """Loss terms of one batch without updating anything (validation)."""
        return self.loss(self(x, **cond), target)

    # -- helpers --------------------------------------------------------------------
    @property
    def code_size(self) -> int:
        """How many numbers a code holds (PCA baselines use this many components)."""
        with torch.no_grad():
            was = self.training
            self.eval()
            z = self.encode(torch.zeros(1, *self.input_shape, device=self._device()))
            self.train(was)
        return int(math.prod(z.shape[1:]))

    def _device(self) -> torch.device:
        p = next(self.parameters(), None)
        return p.device if p is not None else torch.device("cpu")

    def check_input(self, shape: tuple[int, ...]) -> None:
        """Raise a one-line ConfigError when a sample shape does not fit the model.

        Fully convolutional (``any_size``) models only fix the number of channels.
        """
        if Capability.ANY_SIZE in self.capabilities:
            if len(shape) != 3 or shape[0] != self.input_shape[0]:
                raise ConfigError(f"model expects images with {self.input_shape[0]} "
                                  f"channel(s), got samples of shape {tuple(shape)}")
            return
        if tuple(shape) != self.input_shape:
            raise ConfigError(f"model expects samples of shape {self.input_shape}, "
                              f"got {tuple(shape)}")


def code_activation(cfg: ModelConfig) -> str:
    """The code's activation: sigmoid for KL sparsity (needs rates in (0,1)), else config."""
    if cfg.sparsity == "kl":
        return "sigmoid"
    return cfg.code_activation or "linear"


def init_weights(module: nn.Module) -> None:
    """Kaiming-uniform init for ReLU stacks (PyTorch's default is tuned for leaky ReLU)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
            nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


@contextmanager
def frozen(module: nn.Module) -> Iterator[None]:
    """Temporarily stop gradients to ``module``'s parameters; always restores them.

    Gradients still flow *through* the module to its inputs (e.g. the generator or
    encoder learning to fool a discriminator).
    """
    saved = [(p, p.requires_grad) for p in module.parameters()]
    for p, _ in saved:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p, flag in saved:
            p.requires_grad_(flag)


def bce_with_logits(logits: Tensor, real: bool) -> Tensor:
    """Binary cross-entropy of discriminator logits against all-real or all-fake labels."""
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    return nn.functional.binary_cross_entropy_with_logits(logits.float(), target.float())
