"""Super-resolution networks: low-resolution image in, ``scale``× larger image out.

One family, three variants, all fully convolutional (any input size at inference):

``pre`` (preset ``srcnn``)
    Dong et al. 2014, *Learning a Deep Convolutional Network for Image Super-Resolution*
    (SRCNN): bicubic upscaling first, then 9×9 conv 64 → 1×1 conv 32 → 5×5 conv to
    the image channels, ReLU between. All the work happens at high resolution.
``post`` (preset ``srcnn-post``)
    Post-upsampling, as in FSRCNN (Dong et al. 2016): the same kind of layers compute
    features at *low* resolution (5×5 conv 64 → 1×1 conv 32), then one 9×9 transposed
    convolution with stride ``scale`` produces the high-resolution image: about s² times
    fewer operations than ``pre`` for the feature layers.
``model.filters`` sets the feature widths; more than two widths insert 3×3 layers
between the first and the last feature layer (a deeper network, same design).

``subpixel`` (preset ``espcn``)
    Shi et al. 2016, *Real-Time Single Image and Video Super-Resolution Using an
    Efficient Sub-Pixel Convolutional Neural Network* (ESPCN): 5×5 conv 64 → 3×3 conv
    32 (tanh, as in the paper) → 3×3 conv to c·s² channels → pixel shuffle. The fast one.

``edsr`` (presets ``edsr-s`` and ``edsr``)
    Lim et al. 2017, *Enhanced Deep Residual Networks for Single Image
    Super-Resolution* (EDSR), made small: 3×3 conv to ``filters[0]`` channels →
    ``depth`` residual blocks (3×3 conv–ReLU–3×3 conv, the block's output scaled by 0.1
    before it is added, as in the paper) → 3×3 conv, plus a long skip from the first
    conv → 3×3 conv to c·s² channels → pixel shuffle. All layers run at low resolution.
    The paper's baseline is 16 blocks of 64 (preset ``edsr``, GPU-sized); ``edsr-s``
    (8 blocks of 32) trains in minutes on a CPU. Both presets train with the L1 loss, as
    the paper does (×3, natural-images + mate-photos: +1.19 dB over bicubic with L1,
    +1.04 dB with MSE). The paper's upsampler has one more conv after the shuffle; here
    the shuffle is the last step, as in ESPCN.

``model.residual`` adds the bicubic upscale of the input to the output, so the network
learns only the missing detail (global residual learning, Kim et al. 2016, VDSR). The
layers stay the published ones; the presets turn it on because on a CPU budget it is
the difference between a useful model and none: after 2 epochs on natural-images ×2,
SRCNN gained +0.61 dB over bicubic without it and +1.18 dB with it, ESPCN −1.25 dB
and +1.33 dB. ``--set model.residual=false`` gives the papers' exact formulation.

Convolutions pad by replicating edge pixels, so borders are not darkened by zero
padding. In the contract's terms the encoder is the feature extractor (for ``pre`` it
includes the bicubic step) and the decoder the reconstruction layer; ``decode(z)``
returns the residual when ``model.residual`` is on. These models have no code to embed.

Why ``edsr`` exists: the shallow ESPCN/SRCNN layers reach a floor on the CPU budget —
on natural-images ×3 every depth, width, learning rate and training length tried
settled at +0.86 to +0.88 dB over bicubic, with the training loss flat from the second
epoch. Residual blocks keep learning: at ×3 the training error keeps falling for 10
epochs and the test gain passes +1 dB (``python benchmarks/restoration.py``, recorded
in docs/restoration.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from aekit.capabilities import Capability
from aekit.config import ModelConfig, TaskConfig
from aekit.errors import ConfigError
from aekit.models.base import Autoencoder, init_weights
from aekit.nn.blocks import activation
from aekit.registry import register_model, register_preset

Tensor = torch.Tensor

BICUBIC_REACH = 3  # input pixels a bicubic-upscaled output pixel depends on, at most

# variant -> (kernel sizes of the feature layers, kernel of the output layer, activation)
VARIANTS: dict[str, tuple[tuple[int, ...], int, str]] = {
    "pre": ((9, 1), 5, "relu"),
    "post": ((5, 1), 9, "relu"),
    "subpixel": ((5, 3), 3, "tanh"),
}
VARIANT_NAMES = (*VARIANTS, "edsr")  # edsr has its own layer builder (residual blocks)
EDSR_BLOCKS = 8  # residual blocks of the edsr variant when model.depth is not set
EDSR_RES_SCALE = 0.1  # EDSR's residual scaling: each block adds 0.1 × its output


class _BicubicUp(nn.Module):
    """Bicubic ×s upscaling as a module (no parameters): (b, c, h, w) → (b, c, sh, sw)."""

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: Tensor) -> Tensor:
        from aekit.data.corruptions import bicubic_up

        return bicubic_up(x, self.scale)


def _conv(c_in: int, c_out: int, k: int) -> nn.Conv2d:
    """'Same' convolution with replicated borders: (b, c_in, h, w) → (b, c_out, h, w)."""
    return nn.Conv2d(c_in, c_out, k, padding=k // 2, padding_mode="replicate")


class _ResBlock(nn.Module):
    """EDSR block: x + 0.1·conv(relu(conv(x))), (b, w, h, w') → same shape."""

    def __init__(self, width: int, act: str) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(width, width, 3), activation(act),
                                  _conv(width, width, 3))

    def forward(self, x: Tensor) -> Tensor:
        return x + EDSR_RES_SCALE * self.body(x)


class _LongSkip(nn.Module):
    """Adds its input to the output of ``body`` (EDSR's skip over all the blocks)."""

    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


@dataclass
class SuperResConfig(ModelConfig):
    """Super-resolution family: variant, widths, EDSR blocks, residual, scale."""

    name: str = "superres"
    variant: str | None = None  # pre | post | subpixel | edsr; None = pre
    filters: list[int] | None = None  # srcnn-like: two widths; edsr: one width
    depth: int | None = None  # edsr: number of residual blocks (None = 16)
    residual: bool = False  # add the bicubic upscale to the output (learn the residual,
    #                         Kim et al. 2016)
    scale: int | None = None  # upscaling factor, filled from task.scale
    # pre / post / subpixel: kernel of each feature layer, then of the output layer
    # (None = the variant's: pre 9,1,5 — SRCNN's 9-1-5; post 5,1,9; subpixel 5,3,3)
    kernels: list[int] | None = None
    batch_norm: bool = False  # pre / post / subpixel: BatchNorm after each feature layer

    NEW_SINCE_FORMAT1: ClassVar[frozenset[Capability]] = frozenset({"batch_norm", "kernels"})

    def check(self) -> None:
        super().check()
        if self.depth is not None and self.depth < 1:
            raise ConfigError(f"model.depth must be ≥ 1; got {self.depth}")

    def bind_data(self, source: str, classes: int | None, task: TaskConfig) -> None:
        """The scale lives in the task; the model copies it (its layers depend on it)."""
        if self.scale not in (None, task.scale):
            raise ConfigError(f"model.scale={self.scale} differs from task.scale="
                              f"{task.scale}; set only --scale")
        self.scale = task.scale


@register_model("superres", config=SuperResConfig)
class SuperResolution(Autoencoder):
    """SRCNN / post-upsampling / ESPCN / small EDSR; see the module docstring."""

    family = "superres"
    input_kind = "image"
    capabilities = frozenset({Capability.ANY_SIZE, Capability.UPSCALE})

    def __init__(self, cfg: SuperResConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        if len(self.input_shape) != 3:
            raise ConfigError(f"super-resolution models need images (channels, height, width); "
                              f"got samples of shape {self.input_shape}")
        variant = cfg.variant or "pre"
        if variant not in VARIANT_NAMES:
            raise ConfigError(f"unknown superres variant {variant!r}; choose one of: "
                              + ", ".join(VARIANT_NAMES))
        if cfg.scale not in (2, 3, 4):
            raise ConfigError(f"super-resolution models need model.scale 2, 3 or 4 (set from "
                              f"task.scale with --task superres); got {cfg.scale}")
        if cfg.residual and cfg.output_activation != "linear":
            raise ConfigError("model.residual adds the bicubic image to the output; use "
                              "model.output_activation=linear with it")
        if cfg.latent_dim is not None:
            raise ConfigError("super-resolution models have no code: remove model.latent_dim")
        s = self.scale = int(cfg.scale)
        c = self.input_shape[0]
        if variant == "edsr":
            enc, dec, radii, act = self._edsr_layers(cfg, c, s)
            conv_path = radii
        else:
            enc, dec, radii, k_out, act = self._srcnn_layers(cfg, variant, c, s)
            if variant == "pre":
                conv_path = math.ceil((radii + k_out // 2) / s) + BICUBIC_REACH
            else:
                conv_path = radii + math.ceil((k_out // 2) / s)
        if not cfg.residual:
            dec.append(activation(cfg.output_activation))
        self.variant = variant
        self.residual = bool(cfg.residual)
        self.encoder = nn.Sequential(*enc)
        self.decoder = nn.Sequential(*dec)
        # How far (in input pixels) an output pixel can see: the conv path, and the
        # bicubic image that `pre` starts from and residual models add (4 taps, 2 on each
        # side of a position that falls between input pixels: up to 3 pixels away).
        self.receptive_radius = max(conv_path, BICUBIC_REACH if self.residual else 0)
        # Input pixels of a training patch's border band the loss skips (see `loss`).
        # EDSR's reach (2·depth + 3) would leave little or nothing of a patch; like the
        # paper it learns with padded borders, and only the band where the added bicubic
        # image is clamped at the patch edge (none without `residual`) is left out.
        if variant == "edsr":
            self.loss_border = BICUBIC_REACH if self.residual else 0
        else:
            self.loss_border = self.receptive_radius
        init_weights(self)
        if act == "tanh":
            for m in self.encoder.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("tanh"))
        # a small last layer: outputs start near zero (residual) or near a flat image
        last = next(m for m in reversed(list(self.decoder.modules()))
                    if isinstance(m, nn.Conv2d | nn.ConvTranspose2d))
        # (edsr: zero, since its unbounded ReLU features sum over the long skip and a
        # 1e-3 spread still moves the untrained output by ~0.1; the first step makes the
        # layer non-zero, its gradient being features × error)
        if variant == "edsr":
            nn.init.zeros_(last.weight)
        else:
            nn.init.normal_(last.weight, std=1e-3)

    @staticmethod
    def _srcnn_layers(cfg: SuperResConfig, variant: str, c: int, s: int
                      ) -> tuple[list[nn.Module], list[nn.Module], int, int, str]:
        """Layers of pre / post / subpixel: (encoder, decoder, Σ kernel radii, output
        kernel, hidden activation)."""
        if cfg.depth is not None:
            raise ConfigError(f"model.depth counts the residual blocks of the edsr variant; "
                              f"{variant} takes its layers from model.filters (e.g. "
                              f"[64, 64, 32] adds a 3×3 layer)")
        filters = list(cfg.filters or [64, 32])
        kernels, k_out, act = VARIANTS[variant]
        if len(filters) < 2:
            raise ConfigError(f"model.filters needs at least 2 widths (e.g. [64, 32]); got "
                              f"{filters}")
        if cfg.kernels is not None:
            if len(cfg.kernels) != len(filters) + 1 or min(cfg.kernels) < 1:
                raise ConfigError(f"model.kernels needs one kernel size ≥ 1 per width of "
                                  f"model.filters and one for the output layer "
                                  f"({len(filters) + 1} in all); got {cfg.kernels}")
            kernels, k_out = tuple(cfg.kernels[:-1]), cfg.kernels[-1]
        else:  # extra widths add 3×3 layers between the first and the last feature layer
            kernels = (kernels[0], *([3] * (len(filters) - 2)), kernels[1])
        act = cfg.code_activation or act
        if act not in ("relu", "tanh"):
            raise ConfigError(f"superres hidden activation must be relu or tanh; got {act}")
        enc: list[nn.Module] = [_BicubicUp(s)] if variant == "pre" else []
        for a, b, k in zip([c, *filters[:-1]], filters, kernels, strict=True):
            enc += [_conv(a, b, k), *([nn.BatchNorm2d(b)] if cfg.batch_norm else []),
                    activation(act)]  # (b, f, h, w) at LR (HR for pre)
        if variant == "pre":
            dec: list[nn.Module] = [_conv(filters[-1], c, k_out)]  # (b, c, sh, sw)
        elif variant == "post":
            # output size (h−1)s − 2p + k + op = sh  ⇔  2p − op = k − s
            p = math.ceil((k_out - s) / 2)
            dec = [nn.ConvTranspose2d(filters[-1], c, k_out, stride=s, padding=p,
                                      output_padding=2 * p - (k_out - s))]
        else:
            dec = [_conv(filters[-1], c * s * s, k_out), nn.PixelShuffle(s)]  # (b, c, sh, sw)
        return enc, dec, sum(k // 2 for k in kernels), k_out, act

    @staticmethod
    def _edsr_layers(cfg: SuperResConfig, c: int, s: int
                     ) -> tuple[list[nn.Module], list[nn.Module], int, str]:
        """Layers of edsr: (encoder, decoder, reach in input pixels, hidden activation)."""
        if cfg.batch_norm or cfg.kernels is not None:
            raise ConfigError("edsr has 3×3 kernels and no batch norm (Lim et al. removed it "
                              "on purpose); model.kernels and model.batch_norm are for pre, "
                              "post and subpixel")
        if cfg.filters is not None and len(cfg.filters) != 1:
            raise ConfigError(f"edsr has one width for all its layers: model.filters=[32] "
                              f"(and model.depth for the number of residual blocks); got "
                              f"{cfg.filters}")
        width = (cfg.filters or [32])[0]
        blocks = EDSR_BLOCKS if cfg.depth is None else cfg.depth
        if blocks < 1:
            raise ConfigError(f"edsr needs model.depth ≥ 1 residual blocks; got {blocks}")
        act = cfg.code_activation or "relu"
        if act not in ("relu", "tanh"):
            raise ConfigError(f"superres hidden activation must be relu or tanh; got {act}")
        body = [*(_ResBlock(width, act) for _ in range(blocks)), _conv(width, width, 3)]
        enc: list[nn.Module] = [_conv(c, width, 3),  # (b, w, h, w') at low resolution
                                _LongSkip(nn.Sequential(*body))]
        dec: list[nn.Module] = [_conv(width, c * s * s, 3), nn.PixelShuffle(s)]  # (b, c, sh, sw)
        return enc, dec, 1 + 2 * blocks + 1 + 1, act

    def forward(self, x: Tensor, **cond: Any) -> dict[str, Tensor]:
        """(b, c, h, w) low resolution → {"x_hat": (b, c, sh, sw), "z": features}."""
        z = self.encode(x)
        x_hat = self.decode(z)
        if self.residual:
            from aekit.data.corruptions import bicubic_up

            x_hat = x_hat + bicubic_up(x, self.scale)
        return {"x_hat": x_hat, "z": z, "x": x}

    def loss(self, out: dict[str, Tensor], target: Tensor) -> dict[str, Tensor]:
        """The reconstruction loss on the interior of a training patch.

        Output pixels within the receptive radius of a patch border were computed from
        replicated edge pixels (and a bicubic image clamped at the patch edge), which a
        whole photo never shows at those positions; like the papers' valid convolutions,
        the loss skips them (``edsr``: only the bicubic reach, see ``loss_border``).
        Patches that would keep fewer than 8 pixels a side (tiny quick-run images) are
        scored whole.
        """
        b = self.loss_border * self.scale  # (high-resolution) pixels to skip
        h, w = target.shape[-2:]
        if self.training and min(h, w) - 2 * b >= max(8, self.scale):
            target = target[..., b:h - b, b:w - b]
            out = {**out, "x_hat": out["x_hat"][..., b:h - b, b:w - b]}
        return super().loss(out, target)


register_preset("srcnn", SuperResConfig(variant="pre", filters=[64, 32], residual=True,
                               output_activation="linear"),
                "SRCNN (Dong 2014): bicubic up, 9×9 conv 64 → 1×1 conv 32 → 5×5 conv "
                "(+ the bicubic image: residual)")
register_preset("srcnn-post", SuperResConfig(variant="post", filters=[64, 32], residual=True,
                               output_activation="linear"),
                "post-upsampling SRCNN: 5×5 conv 64 → 1×1 conv 32 at low resolution, "
                "9×9 transposed conv ×s")
register_preset("espcn", SuperResConfig(variant="subpixel", filters=[64, 32], residual=True,
                               output_activation="linear"),
                "ESPCN (Shi 2016): 5×5 conv 64 → 3×3 conv 32 (tanh) → 3×3 conv c·s² → "
                "pixel shuffle (fastest)")
register_preset("edsr-s", SuperResConfig(variant="edsr", filters=[32], depth=8, residual=True,
                               output_activation="linear", loss="l1"),
                "small EDSR (Lim 2017): 3×3 conv 32 → 8 residual blocks (×0.1) + long skip → "
                "3×3 conv c·s² → pixel shuffle (+ bicubic), L1 loss; the CPU choice for SR")
register_preset("edsr", SuperResConfig(variant="edsr", filters=[64], depth=16, residual=True,
                               output_activation="linear", loss="l1"),
                "EDSR baseline size (Lim 2017): 16 residual blocks of 64 (+ bicubic), L1 loss; "
                "GPU-sized")
