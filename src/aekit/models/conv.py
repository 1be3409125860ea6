"""Convolutional autoencoders (one family, four variants).

``strided``     Conv(stride 2)–BN–ReLU stages; a Linear bottleneck to ``latent_dim``
                (or, without one, the last feature map is the code); the decoder
                mirrors the encoder with transposed convolutions (Masci et al. 2011
                style stacked conv AE, with strides instead of pooling).
``pool``        Conv–BN–ReLU + 2×2 max-pool stages; the code is the last feature map;
                decoder Conv–BN–ReLU + nearest upsampling (the Keras blog recipe).
``dense-code``  strided conv encoder → dense code (e.g. 10 or 2 numbers) → dense →
                upsample+conv decoder; latent 2 gives a plottable 2-D code.
``gap``         strided convs → 1×1 conv to ``latent_dim`` channels → global average
                pooling: a tiny bottleneck of a few features (e.g. 4).

Every variant takes 1 or 3 channels and any height/width divisible by 2^stages, and
``encode`` always returns a flat (b, code_size) tensor so codes can be written as rows.
Without a Linear bottleneck (``strided`` or ``pool`` with no ``latent_dim``, e.g. the
``conv-full`` preset) the model is fully convolutional: trained on patches, it applies
to whole photos of any size (capability ``any_size``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from aekit.capabilities import Capability
from aekit.config import ModelConfig
from aekit.errors import ConfigError
from aekit.models.base import Autoencoder, code_activation, init_weights
from aekit.nn.blocks import (
    activation,
    conv_block,
    conv_stack,
    deconv_out,
    deconv_stack,
    upsample_block,
)
from aekit.registry import register_model, register_preset

Tensor = torch.Tensor

VARIANTS = ("strided", "pool", "dense-code", "gap")


def feature_grid(input_shape: tuple[int, ...], stages: int) -> tuple[int, int]:
    """(h, w) after ``stages`` halvings, or a ConfigError naming sizes that work."""
    if len(input_shape) != 3:
        raise ConfigError(f"conv models need images (channels, height, width); got samples "
                          f"of shape {tuple(input_shape)} — use a dense model for vectors")
    _, h, w = input_shape
    f = 2**stages
    if h % f or w % f:
        raise ConfigError(
            f"a conv model with {stages} downsampling stages needs height and width divisible "
            f"by {f} (e.g. {f * math.ceil(h / f)}×{f * math.ceil(w / f)} or "
            f"{f * (h // f) or f}×{f * (w // f) or f}); got {h}×{w} — resize the data "
            f"(data.image_size) or change the number of stages (model.filters)")
    return h // f, w // f


@dataclass
class ConvConfig(ModelConfig):
    """Conv family: variant, channels per stage (the decoder mirrors them), kernel."""

    name: str = "conv"
    variant: str | None = None  # strided | pool | dense-code | gap; None = strided
    filters: list[int] | None = None  # encoder channels per stage; None = [32, 64]
    kernel_size: int = 3
    batch_norm: bool = True


@register_model("conv", config=ConvConfig)
class ConvAutoencoder(Autoencoder):
    """Conv autoencoder on (b, c, h, w) images; see the module docstring for variants."""

    family = "conv"
    input_kind = "image"

    def __init__(self, cfg: ConvConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        c = self.input_shape[0]
        variant = cfg.variant or "strided"
        if variant not in VARIANTS:
            raise ConfigError(f"unknown conv variant {variant!r}; choose one of: "
                              + ", ".join(VARIANTS))
        filters = list(cfg.filters or [32, 64])
        k, bn = cfg.kernel_size, cfg.batch_norm
        hc, wc = feature_grid(self.input_shape, len(filters))  # last feature map size
        latent = cfg.latent_dim
        code_act = activation(code_activation(cfg))
        out_act = activation(cfg.output_activation)
        chans = [c, *filters]

        if variant == "pool":
            if latent is not None:
                if latent % (hc * wc):
                    raise ConfigError(
                        f"conv-pool codes are feature maps of {hc}×{wc}: latent_dim must be a "
                        f"multiple of {hc * wc}; got {latent}")
                chans[-1] = latent // (hc * wc)
            enc: list[nn.Module] = []
            for a, b in zip(chans[:-1], chans[1:], strict=True):
                enc += [*conv_block(a, b, k, 1, bn), nn.MaxPool2d(2)]  # (b, ·, h/2, w/2)
            enc += [code_act, nn.Flatten()]  # (b, chans[-1]·hc·wc)
            dec: list[nn.Module] = [nn.Unflatten(1, (chans[-1], hc, wc))]
            back = chans[::-1]  # mirror: code channels → … → filters[0]
            for a, b in zip(back[:-2], back[1:-1], strict=True):
                dec += [*conv_block(a, b, k, 1, bn), nn.Upsample(scale_factor=2)]
            dec += [*conv_block(back[-2], back[-2], k, 1, bn), nn.Upsample(scale_factor=2),
                    nn.Conv2d(back[-2], c, k, padding=k // 2), out_act]
        else:
            enc = conv_stack(chans, k, bn)
            feat = filters[-1] * hc * wc  # numbers in the last feature map
            if variant == "gap":
                if latent is None:
                    raise ConfigError("the gap variant needs model.latent_dim (e.g. 4)")
                enc += [nn.Conv2d(filters[-1], latent, 1), nn.AdaptiveAvgPool2d(1),
                        nn.Flatten(), code_act]  # (b, latent)
            elif latent is not None:
                enc += [nn.Flatten(), nn.Linear(feat, latent), code_act]  # (b, latent)
            else:
                if variant == "dense-code":
                    raise ConfigError("the dense-code variant needs model.latent_dim (e.g. 10)")
                enc += [code_act, nn.Flatten()]  # the feature map is the code
            dec = []
            if latent is not None:
                dec += [nn.Linear(latent, feat), nn.ReLU(inplace=True)]
            dec.append(nn.Unflatten(1, (filters[-1], hc, wc)))  # (b, f_last, hc, wc)
            back = filters[::-1]
            if variant == "dense-code":
                for a, b in zip(back, [*back[1:], back[-1]], strict=True):
                    dec.append(upsample_block(a, b, k, bn))  # ×2 each stage
                dec += [nn.Conv2d(back[-1], c, k, padding=k // 2), out_act]
            else:
                dec += [*deconv_stack(back, k, bn), deconv_out(filters[0], c, k),
                        out_act]  # (b, c, h, w)
        self.variant = variant
        if latent is None and variant in ("strided", "pool"):
            # no Linear layer: the model is fully convolutional (whole photos, tiling)
            self.capabilities = self.capabilities | {Capability.ANY_SIZE}
            self.size_multiple = 2 ** len(filters)
            self.receptive_radius = (k // 2) * (2 ** (len(filters) + 1) - 1) * 2
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)
        init_weights(self)

    def forward(self, x: Tensor, **cond: Any) -> dict[str, Tensor]:
        """As the base class; fully convolutional models also take other image sizes."""
        if Capability.ANY_SIZE in self.capabilities and tuple(x.shape[1:]) != self.input_shape:
            fmap = self.encoder[:-1](x)  # (b, f, h/2^n, w/2^n): the code as a map (no Flatten)
            return {"x_hat": self.decoder[1:](fmap), "z": fmap.flatten(1), "x": x}
        return super().forward(x, **cond)


register_preset("conv", ConvConfig(variant="strided", filters=[32, 64], latent_dim=16),
                "strided Conv–BN–ReLU, Linear code, transposed-conv decoder")
register_preset("conv-pool", ConvConfig(variant="pool", filters=[16, 8]),
                "Conv + max-pool encoder, Conv + upsample decoder; code = feature map")
register_preset("conv-full", ConvConfig(variant="strided", filters=[32, 64]),
                "strided convs, no linear bottleneck: the 64×h/4×w/4 map is the code "
                "(for denoising)")
register_preset("conv-dense", ConvConfig(variant="dense-code", filters=[32, 64], latent_dim=10),
                "conv → dense code (10; use 2 for a 2-D map) → dense → upsample")
register_preset("conv-tiny", ConvConfig(variant="gap", filters=[16, 32], latent_dim=4),
                "tiny global-average-pooling bottleneck of 4 features")
