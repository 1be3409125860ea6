"""Adversarial autoencoder (Makhzani et al. 2015, "Adversarial Autoencoders").

An autoencoder whose code distribution is matched to a chosen prior by a
discriminator on the code. Each batch runs three updates, each with its own optimizer
that updates only its own parameters:

1. **reconstruction** — encoder + decoder minimise the reconstruction loss;
2. **discriminator** — tells prior samples (real) from codes of the batch (fake);
3. **regularisation** — the encoder learns to fool the discriminator (which is frozen
   for this step, its ``requires_grad`` restored afterwards).

Priors: ``gaussian`` N(0, I); ``uniform`` U(−√3, √3)^d (unit variance); ``mixture10``
ten Gaussians (σ = 0.5) on a circle of radius 3 in the first two code dimensions, the
other dimensions N(0, I) — the 2-D mixture of the paper's figures.

**Supervised mode** (``model.supervised``): the one-hot label is concatenated to the
decoder input, so the label carries the class and the code is free to learn *style*
(stroke width, slant): decoding one image's code with every label renders its style
in every class (``aekit style``). In the paper the discriminator sees the code only, which
matches the *aggregate* code distribution to the prior but leaves the code free to carry
the class as well (on MNIST after 20 epochs only 38 % of style-grid cells were decoded as
the class asked for). With ``model.disc_label`` (the default in supervised mode) the
discriminator sees (code, one-hot label) pairs, real pairs being (prior draw, the
batch's labels): then the codes of *every class* must match the prior, so the code is
independent of the label and the decoder has to take the class from the label — the
conditional form of the same adversarial regulariser (96 % of cells after 20 epochs).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from aekit.capabilities import Capability
from aekit.config import ModelConfig, TaskConfig
from aekit.errors import ConfigError, DataError
from aekit.losses import reconstruction_loss
from aekit.models.base import Autoencoder, bce_with_logits, frozen, init_weights
from aekit.models.vae import build_trunk_and_decoder
from aekit.registry import register_model, register_preset

Tensor = torch.Tensor


def sample_prior(kind: str, n: int, d: int, generator: torch.Generator | None,
                 device: torch.device) -> Tensor:
    """n draws (n, d) from the named prior (see the module docstring)."""
    gdev = generator.device if generator is not None else device
    if kind == "gaussian":
        z = torch.randn(n, d, generator=generator, device=gdev)
    elif kind == "uniform":
        z = (torch.rand(n, d, generator=generator, device=gdev) * 2 - 1) * math.sqrt(3.0)
    else:  # mixture10
        k = torch.randint(0, 10, (n,), generator=generator, device=gdev)
        z = torch.randn(n, d, generator=generator, device=gdev)
        angle = 2 * math.pi * k.float() / 10
        z[:, 0] = 3.0 * torch.cos(angle) + 0.5 * z[:, 0]
        z[:, 1] = 3.0 * torch.sin(angle) + 0.5 * z[:, 1]
    return z.to(device)


@dataclass
class AAEConfig(ModelConfig):
    """AAE family: encoder trunk (as the VAE's), prior, supervision and discriminator."""

    name: str = "aae"
    variant: str | None = None  # dense | conv; None = dense
    hidden: list[int] | None = None  # dense trunk widths; None = [512, 256]
    filters: list[int] | None = None  # conv trunk channels; None = [32, 64]
    kernel_size: int = 3
    batch_norm: bool = True
    prior: str = "gaussian"  # gaussian | uniform | mixture10
    supervised: bool = False  # one-hot label fed to the decoder (code learns style)
    num_classes: int | None = None  # filled from the data for supervised models
    disc_hidden: list[int] | None = None  # discriminator widths (default [512, 512])
    disc_label: bool = True  # supervised: the discriminator sees (code, label) pairs
    prior_std: float = 1.0  # scale of the prior's draws (e.g. 5 for N(0, 5²))
    dropout: float = 0.0  # dense trunk: dropout after each hidden layer of the encoder
    reg_lr_scale: float = 1.0  # the regularisation phase (discriminator and encoder-as-
    #                            generator updates) learns at lr × this (e.g. 0.1)

    CHOICES: ClassVar[dict[str, tuple[str | None, ...]]] = {
        "prior": ("gaussian", "uniform", "mixture10")}

    def check(self) -> None:
        super().check()
        if not self.prior_std > 0 or not self.reg_lr_scale > 0:
            raise ConfigError(f"model.prior_std and model.reg_lr_scale must be > 0; got "
                              f"{self.prior_std} and {self.reg_lr_scale}")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"model.dropout must be in [0, 1); got {self.dropout}")

    def bind_data(self, source: str, classes: int | None, task: TaskConfig) -> None:
        """A supervised AAE takes its number of classes from the data."""
        if self.supervised and self.num_classes is None:
            if classes is None:
                raise DataError(f"{source} has no labels, but model.supervised needs them")
            self.num_classes = classes


@register_model("aae", config=AAEConfig)
class AdversarialAutoencoder(Autoencoder):
    """AAE with a code discriminator; optionally label-conditioned (style code)."""

    family = "aae"
    loss_label = ("the reconstruction loss alone; the adversarial terms (disc, gen) are in "
                  "the right panel")
    input_kind = "vector"

    def __init__(self, cfg: AAEConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        if cfg.latent_dim is None:
            raise ConfigError("the aae needs model.latent_dim")
        if cfg.prior == "mixture10" and cfg.latent_dim < 2:
            raise ConfigError("the mixture10 prior lives in 2 dimensions: latent_dim must be ≥ 2")
        if cfg.contractive_weight > 0:
            raise ConfigError("the aae regularises its code adversarially; contractive_weight "
                              "is for deterministic autoencoders")
        caps = {Capability.EMBED, Capability.GENERATE, Capability.ADVERSARIAL}
        self.n_classes = 0
        if cfg.supervised:
            if not cfg.num_classes:
                raise ConfigError("a supervised aae needs labelled data (model.num_classes)")
            self.n_classes = cfg.num_classes
            caps.add(Capability.CONDITION)
        self.capabilities = frozenset(caps)  # instance-level: supervised adds "condition"
        latent = cfg.latent_dim
        self.variant = cfg.variant or "dense"
        trunk, feat, self.decoder = build_trunk_and_decoder(
            cfg, self.input_shape, self.variant, latent + self.n_classes, [512, 256])
        if cfg.dropout > 0:  # after each hidden block of the trunk (not the Flatten)
            if self.variant != "dense":
                raise ConfigError("model.dropout is for the dense aae trunk")
            trunk = nn.Sequential(trunk[0], *[m for block in trunk[1:]
                                              for m in (block, nn.Dropout(cfg.dropout))])
        self.encoder = nn.Sequential(trunk, nn.Linear(feat, latent))  # (b, latent)
        self.disc_label = bool(self.n_classes and cfg.disc_label)
        widths = [latent + (self.n_classes if self.disc_label else 0),
                  *(cfg.disc_hidden or [512, 512])]
        layers: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:], strict=True):
            layers += [nn.Linear(a, b), nn.LeakyReLU(0.2, inplace=True)]
        self.discriminator = nn.Sequential(*layers, nn.Linear(widths[-1], 1))  # (b, 1) logits
        init_weights(self)

    # -- contract -----------------------------------------------------------------
    def decode(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if self.n_classes:
            if y is None:
                raise ConfigError("this supervised aae decodes a code *and* a class label; "
                                  "give labels (aekit style renders every class)")
            z = self._with_label(z, y)
        return self.decoder(z)

    def _with_label(self, z: Tensor, y: Tensor) -> Tensor:
        """(b, d) codes and (b,) labels → (b, d + classes): the code, then the one-hot."""
        return torch.cat([z, nn.functional.one_hot(y.long(), self.n_classes).to(z.dtype)], 1)

    def forward(self, x: Tensor, **cond: Any) -> dict[str, Tensor]:
        z = self.encode(x)
        return {"x_hat": self.decode(z, cond.get("y")), "z": z, "x": x}

    def sample(self, n: int, generator: torch.Generator | None = None,
               y: Tensor | None = None) -> Tensor:
        """Decode n prior draws (with labels ``y`` in supervised mode)."""
        z = sample_prior(self.cfg.prior, n, self.cfg.latent_dim or 0, generator,
                         self._device()) * self.cfg.prior_std
        if self.n_classes and y is None:
            y = torch.arange(n, device=z.device) % self.n_classes
        return self.decode(z, y)

    # -- adversarial training -------------------------------------------------------
    def discriminate(self, z: Tensor, y: Tensor | None) -> Tensor:
        """Discriminator logits (b, 1) for codes z (b, d), with the label when it sees it."""
        if self.disc_label:
            if y is None:
                raise ConfigError("this supervised aae's discriminator needs the labels")
            z = self._with_label(z, y)
        return self.discriminator(z)

    def parameter_groups(self) -> dict[str, dict[str, Any]]:
        """Optimizer groups in update order: reconstruction, discriminator, regulariser."""
        ae = [*self.encoder.parameters(), *self.decoder.parameters()]
        reg = self.cfg.reg_lr_scale
        return {"reconstruction": {"params": ae},
                "discriminator": {"params": list(self.discriminator.parameters()),
                                  "lr_scale": reg},
                "regularisation": {"params": list(self.encoder.parameters()),
                                   "lr_scale": reg}}

    def adversarial_step(self, x: Tensor, target: Tensor, opts: dict[str, Any],
                         backward: Callable[[Tensor], None], *,
                         generator: torch.Generator | None = None, **cond: Any
                         ) -> dict[str, Tensor]:
        """The three updates of one batch; returns their losses for logging."""
        y = cond.get("y")
        # 1. reconstruction phase: encoder + decoder
        opt = opts["reconstruction"]
        opt.zero_grad()
        rec = reconstruction_loss(self(x, y=y)["x_hat"], target, self.cfg.loss)
        backward(rec)
        opt.step()
        # 2. discriminator: prior samples are real, codes are fake
        opt = opts["discriminator"]
        opt.zero_grad()
        with torch.no_grad():
            z_fake = self.encode(x)
        z_real = sample_prior(self.cfg.prior, x.shape[0], z_fake.shape[1], generator,
                              x.device) * self.cfg.prior_std
        d_loss = (bce_with_logits(self.discriminate(z_real, y), True)
                  + bce_with_logits(self.discriminate(z_fake, y), False))
        backward(d_loss)
        opt.step()
        # 3. regularisation: the encoder fools the (frozen) discriminator
        opt = opts["regularisation"]
        opt.zero_grad()
        with frozen(self.discriminator):
            g_loss = bce_with_logits(self.discriminate(self.encode(x), y), True)
            backward(g_loss)
        opt.step()
        return {"loss": rec.detach(), "recon": rec.detach(), "disc": d_loss.detach(),
                "gen": g_loss.detach()}


register_preset("aae", AAEConfig(variant="dense", hidden=[512, 256], latent_dim=8),
                "adversarial AE (Makhzani 2015), gaussian prior, code discriminator")
register_preset("aae-style", AAEConfig(variant="dense", hidden=[512, 256], latent_dim=8,
                                       supervised=True),
                "supervised AAE: label fed to the decoder, the code learns style")
