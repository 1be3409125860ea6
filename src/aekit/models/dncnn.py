"""DnCNN: a residual denoiser that predicts the noise (Zhang et al. 2017).

Zhang, Zuo, Chen, Meng, Zhang, *Beyond a Gaussian Denoiser: Residual Learning of Deep
CNN for Image Denoising*, IEEE TIP 2017. ``depth`` 3×3 convolutions of ``filters[0]``
channels: Conv–ReLU, then (depth − 2) × Conv–BN–ReLU, then Conv to the image channels.
The network outputs the noise estimate n̂ and the model returns x̂ = y − n̂; training
x̂ against the clean image with MSE is the paper's residual loss ½‖n̂ − (y − x)‖².
Zero padding keeps every feature map the size of the input, so any image size works.

In the contract's terms the encoder is everything up to the last feature map and the
decoder the last convolution, so ``decode(z)`` is the *noise*, not the image. The model
has no code to embed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from aekit.capabilities import Capability
from aekit.config import ModelConfig
from aekit.errors import ConfigError
from aekit.models.base import Autoencoder, init_weights
from aekit.registry import register_model, register_preset

Tensor = torch.Tensor


@dataclass
class DnCNNConfig(ModelConfig):
    """DnCNN family: number of layers, their width, kernel and batch norm."""

    name: str = "dncnn"
    depth: int | None = None  # number of conv layers (17 in Zhang et al. 2017; ≥ 3)
    filters: list[int] | None = None  # one width; None = [64]
    kernel_size: int = 3
    batch_norm: bool = True

    def check(self) -> None:
        super().check()
        if self.depth is not None and self.depth < 1:
            raise ConfigError(f"model.depth must be ≥ 1; got {self.depth}")


@register_model("dncnn", config=DnCNNConfig)
class DnCNN(Autoencoder):
    """Residual denoiser; see the module docstring."""

    family = "dncnn"
    input_kind = "image"
    capabilities = frozenset({Capability.ANY_SIZE})

    def __init__(self, cfg: DnCNNConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        if len(self.input_shape) != 3:
            raise ConfigError(f"dncnn needs images (channels, height, width); got samples of "
                              f"shape {self.input_shape}")
        c = self.input_shape[0]
        depth = cfg.depth or 17
        if depth < 3:
            raise ConfigError(f"dncnn needs model.depth ≥ 3 (first and last conv plus at "
                              f"least one hidden layer); got {depth}")
        if cfg.filters is not None and len(cfg.filters) != 1:
            raise ConfigError(f"dncnn has one width for all its layers: model.filters=[64] "
                              f"(and model.depth for the number of layers); got {cfg.filters}")
        width = (cfg.filters or [64])[0]
        k = cfg.kernel_size
        if k % 2 == 0:
            raise ConfigError(f"dncnn needs an odd model.kernel_size (3 in the paper); got {k}")
        layers: list[nn.Module] = [nn.Conv2d(c, width, k, padding=k // 2), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers.append(nn.Conv2d(width, width, k, padding=k // 2, bias=not cfg.batch_norm))
            if cfg.batch_norm:
                layers.append(nn.BatchNorm2d(width))
            layers.append(nn.ReLU(inplace=True))
        self.encoder = nn.Sequential(*layers)  # (b, width, h, w)
        self.decoder = nn.Conv2d(width, c, k, padding=k // 2)  # (b, c, h, w): the noise
        self.receptive_radius = depth * (k // 2)
        init_weights(self)
        nn.init.normal_(self.decoder.weight, std=1e-3)  # start from x̂ ≈ y

    def forward(self, x: Tensor, **cond: Any) -> dict[str, Tensor]:
        """(b, c, h, w) noisy → {"x_hat": y − n̂, "z": last feature map, "noise": n̂}."""
        z = self.encoder(x)
        noise = self.decoder(z)
        return {"x_hat": x - noise, "z": z, "x": x, "noise": noise}


register_preset("dncnn", DnCNNConfig(depth=17, filters=[64], output_activation="linear"),
                "DnCNN (Zhang 2017): 17 3×3 conv layers of 64, predicts the noise (residual)")
register_preset("dncnn-s", DnCNNConfig(depth=10, filters=[48], output_activation="linear"),
                "DnCNN with 10 layers of 48: trains in minutes on a CPU")
