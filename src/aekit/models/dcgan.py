"""DCGAN (Radford, Metz & Chintala 2016), the GAN reference for sample quality.

Not an autoencoder: there is no encoder, so it has the ``generate`` capability but not
``embed``. Generator: Linear → (BN, ReLU) → transposed convs with batch norm after
each (as in the paper), sigmoid output for data in [0, 1] (the paper's tanh assumes
[−1, 1]). Discriminator: strided convs with LeakyReLU(0.2), batch norm on all but the
first layer. Adam with β₁ = 0.5; weights drawn from N(0, 0.02). The non-saturating
generator loss −log D(G(z)) is used. The engine keeps the *last* weights (a GAN has
no validation loss that tracks sample quality).

Variant ``upsample`` is the Keras MNIST DCGAN that textbooks reproduce: generator Dense
1024 (tanh) → Dense f·h/4·w/4 (BN, tanh) → [upsample ×2 → conv (tanh)] per stage, the
last conv to the image's channels with tanh, mapped to [0, 1] as (t + 1)/2 so real and
generated images share a range; discriminator conv (tanh) → max-pool per stage →
Dense 1024 (tanh) → one logit. ``model.noise=uniform`` draws the code from U(−1, 1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from aekit.capabilities import Capability
from aekit.config import ModelConfig
from aekit.errors import ConfigError
from aekit.models.base import Autoencoder, bce_with_logits, frozen
from aekit.models.conv import feature_grid
from aekit.nn.blocks import activation, deconv_out, deconv_stack
from aekit.registry import register_model, register_preset

Tensor = torch.Tensor


class _ToUnit(nn.Module):
    """tanh's (−1, 1) → the data's (0, 1)."""

    def forward(self, x: Tensor) -> Tensor:
        return (x + 1) * 0.5


@dataclass
class DCGANConfig(ModelConfig):
    """DCGAN family: generator channels (the discriminator mirrors them) and kernel."""

    name: str = "dcgan"
    filters: list[int] | None = None  # None = [64, 128]
    kernel_size: int = 3
    variant: str | None = None  # dcgan (Radford 2016) | upsample (the Keras MNIST DCGAN)
    noise: str = "gaussian"  # the code's prior: gaussian N(0, I) | uniform U(−1, 1)
    dense: list[int] | None = None  # upsample: the generator's dense widths ([1024])

    CHOICES: ClassVar[dict[str, tuple[str | None, ...]]] = {
        "variant": (None, "dcgan", "upsample"), "noise": ("gaussian", "uniform")}


@register_model("dcgan", config=DCGANConfig)
class DCGAN(Autoencoder):
    """Generator + discriminator on (c, h, w) images, h and w divisible by 2^stages."""

    family = "dcgan"
    loss_label = ("the discriminator's plus the generator's loss — it does not fall as "
                  "samples improve (the sample-quality section measures those)")
    input_kind = "image"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.GENERATE, Capability.ADVERSARIAL})
    select_best = False

    def __init__(self, cfg: DCGANConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        filters = list(cfg.filters or [64, 128])
        hc, wc = feature_grid(self.input_shape, len(filters))
        c, k = self.input_shape[0], cfg.kernel_size
        self.latent = cfg.latent_dim or 100
        feat = filters[-1] * hc * wc
        if cfg.variant == "upsample":
            self._upsample_layers(cfg, filters, (hc, wc), feat)
            return
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

    def _upsample_layers(self, cfg: DCGANConfig, filters: list[int], grid: tuple[int, int],
                         feat: int) -> None:
        """The Keras MNIST DCGAN's generator and discriminator (see the docstring)."""
        c, k = self.input_shape[0], cfg.kernel_size
        widths = [self.latent, *(cfg.dense or [1024])]
        gen: list[nn.Module] = []
        for a, b in zip(widths[:-1], widths[1:], strict=True):
            gen += [nn.Linear(a, b), nn.Tanh()]
        gen += [nn.Linear(widths[-1], feat), nn.BatchNorm1d(feat), nn.Tanh(),
                nn.Unflatten(1, (filters[-1], *grid))]  # (b, f_last, h/2^n, w/2^n)
        back = filters[::-1]
        for a, b in zip(back, [*back[1:], c], strict=True):
            gen += [nn.Upsample(scale_factor=2), nn.Conv2d(a, b, k, padding=k // 2), nn.Tanh()]
        self.decoder = nn.Sequential(*gen, _ToUnit())  # (b, c, h, w) in [0, 1]
        disc: list[nn.Module] = []
        for a, b in zip([c, *filters[:-1]], filters, strict=True):
            disc += [nn.Conv2d(a, b, k, padding=k // 2), nn.Tanh(), nn.MaxPool2d(2)]
        self.discriminator = nn.Sequential(*disc, nn.Flatten(), nn.Linear(feat, 1024),
                                           nn.Tanh(), nn.Linear(1024, 1))  # (b, 1) logits

    @property
    def code_size(self) -> int:
        return self.latent

    def encode(self, x: Tensor) -> Tensor:
        raise ConfigError("a dcgan has no encoder: it can generate and decode codes, but not "
                          "encode images (use vae or aae for that)")

    def _noise(self, n: int, generator: torch.Generator | None) -> Tensor:
        gdev = generator.device if generator is not None else self._device()
        if self.cfg.noise == "uniform":
            u = torch.rand(n, self.latent, generator=generator, device=gdev)
            return (u * 2 - 1).to(self._device())
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
