"""DCGAN (Radford, Metz & Chintala 2016), the GAN reference for sample quality.

Not an autoencoder: there is no encoder, so it has the ``generate`` capability but not
``embed``. Generator: Linear → (BN, ReLU) → transposed convs with batch norm after
each (as in the paper), sigmoid output for data in [0, 1] (the paper's tanh assumes
[−1, 1]). Discriminator: strided convs with LeakyReLU(0.2), batch norm on all but the
first layer. Adam with β₁ = 0.5; weights drawn from N(0, 0.02). The non-saturating
generator loss −log D(G(z)) is used. The engine keeps the *last* weights (a GAN has
no validation loss that tracks sample quality).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from aekit.config import ModelConfig
from aekit.errors import ConfigError
from aekit.models.base import Autoencoder, bce_with_logits, frozen
from aekit.models.conv import feature_grid
from aekit.nn.blocks import activation, deconv_out, deconv_stack
from aekit.registry import register_model, register_preset

Tensor = torch.Tensor


@dataclass
class DCGANConfig(ModelConfig):
    """DCGAN family: generator channels (the discriminator mirrors them) and kernel."""

    name: str = "dcgan"
    filters: list[int] | None = None  # None = [64, 128]
    kernel_size: int = 3


@register_model("dcgan", config=DCGANConfig)
class DCGAN(Autoencoder):
    """Generator + discriminator on (c, h, w) images, h and w divisible by 2^stages."""

    family = "dcgan"
    input_kind = "image"
    capabilities: ClassVar[frozenset[str]] = frozenset({"generate", "adversarial"})
    select_best = False

    def __init__(self, cfg: DCGANConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        filters = list(cfg.filters or [64, 128])
        hc, wc = feature_grid(self.input_shape, len(filters))
        c, k = self.input_shape[0], cfg.kernel_size
        self.latent = cfg.latent_dim or 100
        feat = filters[-1] * hc * wc
        self.decoder = nn.Sequential(  # the generator: (b, latent) → (b, c, h, w)
            nn.Linear(self.latent, feat, bias=False), nn.BatchNorm1d(feat), nn.ReLU(True),
            nn.Unflatten(1, (filters[-1], hc, wc)),
            *deconv_stack(filters[::-1], k, True), deconv_out(filters[0], c, k),
            activation(cfg.output_activation))
        disc: list[nn.Module] = [nn.Conv2d(c, filters[0], k, 2, k // 2),
                                 nn.LeakyReLU(0.2, True)]
        for a, b in zip(filters[:-1], filters[1:], strict=True):
            disc += [nn.Conv2d(a, b, k, 2, k // 2, bias=False), nn.BatchNorm2d(b),
                     nn.LeakyReLU(0.2, True)]
        self.discriminator = nn.Sequential(*disc, nn.Flatten(), nn.Linear(feat, 1))
        for m in self.modules():
            if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d):
                nn.init.normal_(m.weight, 1.0, 0.02)
                nn.init.zeros_(m.bias)

    @property
    def code_size(self) -> int:
        return self.latent

    def encode(self, x: Tensor) -> Tensor:
        raise ConfigError("a dcgan has no encoder: it can generate and decode codes, but not "
                          "encode images (use vae or aae for that)")

    def _noise(self, n: int, generator: torch.Generator | None) -> Tensor:
        gdev = generator.device if generator is not None else self._device()
        return torch.randn(n, self.latent, generator=generator, device=gdev).to(self._device())

    def forward(self, x: Tensor, **cond: Any) -> dict[str, Tensor]:
        z = self._noise(x.shape[0], None)
        return {"x_hat": self.decode(z), "z": z, "x": x}

    def sample(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        return self.decode(self._noise(n, generator))

    def parameter_groups(self) -> dict[str, dict[str, Any]]:
        """Discriminator first, then generator; Adam β₁ = 0.5 as in the paper."""
        return {"discriminator": {"params": list(self.discriminator.parameters()),
                                  "betas": (0.5, 0.999)},
                "generator": {"params": list(self.decoder.parameters()),
                              "betas": (0.5, 0.999)}}

    def _losses(self, x: Tensor, fake: Tensor) -> tuple[Tensor, Tensor]:
        d_loss = (bce_with_logits(self.discriminator(x), True)
                  + bce_with_logits(self.discriminator(fake.detach()), False))
        with frozen(self.discriminator):
            g_loss = bce_with_logits(self.discriminator(fake), True)
        return d_loss, g_loss

    def adversarial_step(self, x: Tensor, target: Tensor, opts: dict[str, Any],
                         backward: Callable[[Tensor], None], *,
                         generator: torch.Generator | None = None, **cond: Any
                         ) -> dict[str, Tensor]:
        """One discriminator update, then one generator update."""
        fake = self.decode(self._noise(x.shape[0], generator))  # (b, c, h, w)
        opt = opts["discriminator"]
        opt.zero_grad()
        d_loss = (bce_with_logits(self.discriminator(target), True)
                  + bce_with_logits(self.discriminator(fake.detach()), False))
        backward(d_loss)
        opt.step()
        opt = opts["generator"]
        opt.zero_grad()
        with frozen(self.discriminator):
            g_loss = bce_with_logits(self.discriminator(fake), True)
            backward(g_loss)
        opt.step()
        return {"loss": (d_loss + g_loss).detach(), "disc": d_loss.detach(),
                "gen": g_loss.detach()}

    def step_terms(self, x: Tensor, target: Tensor, **cond: Any) -> dict[str, Tensor]:
        g = torch.Generator(device=self._device()).manual_seed(0)
        d_loss, g_loss = self._losses(target, self.sample(x.shape[0], g))
        return {"loss": d_loss + g_loss, "disc": d_loss, "gen": g_loss}


register_preset("dcgan", DCGANConfig(filters=[64, 128], latent_dim=100),
                "DCGAN (Radford 2016): the GAN reference for sample quality")
