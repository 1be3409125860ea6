"""An autoencoder written as two layer lists, exactly as a textbook or a blog lays it out.

The other families encode a *design* (mirrored widths, strided stages); this one encodes
a *layout*: ``model.encoder`` and ``model.decoder`` are lists of layer specs, applied in
order. It is what the textbook recipes (``aekit recipes``) use when a book's model is not
one of the designs — an asymmetric decoder, a global-pooling bottleneck, a 5×5 stride-2
stem — so the book's parameter count can be checked layer for layer.

Layer specs (``C`` channels, ``K`` kernel, ``S`` stride, ``P`` padding, ``N`` units;
``in`` stands for the input's channels, or for its size in a ``dense`` layer):

==================  ========================================================================
``conv:C:K[:S[:P]]``   Conv2d; P defaults to K//2 ("same" for odd K at stride 1)
``convT:C:K[:S[:P]]``  ConvTranspose2d; with the default P = (K−1)//2 the output padding
                       is chosen so the map grows exactly S× ("same" transposed)
``dense:N``            Linear (flattens a feature map first)
``pool:K``             max-pool K×K, stride K;  ``avgpool:K`` average-pool K×K, stride K
``up:F``               nearest-neighbour upsampling ×F
``flatten``            (b, c, h, w) → (b, c·h·w);  ``reshape:C:H:W`` the other way
``bn``                 BatchNorm (1-D or 2-D, whichever the current shape needs)
``dropout:P``          Dropout with probability P
``relu`` ``sigmoid`` ``tanh`` ``leakyrelu[:A]``  activations
==================  ========================================================================

The code is the encoder's output, flattened (``encode`` returns ``(b, d)``). The decoder
starts from the encoder's output shape, or from the flat code when its first layer is
``dense``; it must end in the input's shape (checked at build time, one-line error).

Initialisation matters for reproducing a book: ``model.init=glorot`` (the default) is
Keras's — Glorot-uniform weights, zero biases — which most of these layouts were tuned
with; ``torch`` keeps PyTorch's layer defaults (for PyTorch books). Measured
(``python benchmarks/layer_init.py``): the blog's MNIST model with a 2-number code at
RMSprop lr 1e-3 collapses to the mean image under PyTorch's defaults and trains under
Glorot's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import torch
from torch import nn

from aekit.capabilities import Capability
from aekit.config import ModelConfig
from aekit.errors import ConfigError
from aekit.models.base import Autoencoder
from aekit.registry import register_model, register_preset

Tensor = torch.Tensor


@dataclass
class LayersConfig(ModelConfig):
    """Layers family: the encoder and decoder as lists of layer specs."""

    name: str = "layers"
    encoder: list[str] = field(default_factory=lambda: [
        "conv:16:3:2", "relu", "conv:32:3:2", "relu"])
    decoder: list[str] = field(default_factory=lambda: [
        "convT:16:3:2", "relu", "convT:in:3:2", "sigmoid"])
    init: str = "glorot"  # glorot (Keras: Glorot-uniform weights, zero biases) | torch

    CHOICES: ClassVar[dict[str, tuple[str | None, ...]]] = {"init": ("glorot", "torch")}

    def check(self) -> None:
        super().check()
        if not self.encoder or not self.decoder:
            raise ConfigError("model.encoder and model.decoder must each list at least one "
                              "layer, e.g. model.encoder=[conv:16:3:2,relu]")
        if self.latent_dim is not None:
            raise ConfigError("the layers family takes its code size from model.encoder; "
                              "remove model.latent_dim")


def _ints(spec: str, parts: list[str], n_min: int, n_max: int, channels: int
          ) -> list[int]:
    if not n_min <= len(parts) <= n_max:
        raise ConfigError(f"layer {spec!r} takes {n_min} to {n_max} numbers after its kind")
    try:
        return [channels if p == "in" else int(p) for p in parts]
    except ValueError:
        raise ConfigError(f"layer {spec!r}: expected whole numbers (or 'in'); "
                          f"see `aekit models` for the layer specs") from None


class _Reshape(nn.Module):
    """(b, c·h·w) → (b, c, h, w)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.shape = shape

    def forward(self, x: Tensor) -> Tensor:
        return x.reshape(x.shape[0], *self.shape)


def _layer(spec: str, shape: tuple[int, ...], input_shape: tuple[int, ...]) -> nn.Module:
    """One module for ``spec`` given the incoming sample ``shape``."""
    kind, *parts = spec.strip().split(":")
    chans = input_shape[0] if len(input_shape) == 3 else math.prod(input_shape)
    image = len(shape) == 3
    if kind in ("conv", "convT"):
        if not image:
            raise ConfigError(f"layer {spec!r} needs a feature map, but it gets vectors of "
                              f"shape {shape}; add reshape:C:H:W before it")
        nums = _ints(spec, parts, 2, 4, input_shape[0])
        c, k = nums[0], nums[1]
        s = nums[2] if len(nums) > 2 else 1
        given = nums[3] if len(nums) > 3 else None
        if min(c, k, s) < 1 or (given is not None and given < 0):
            raise ConfigError(f"layer {spec!r}: channels, kernel and stride must be ≥ 1")
        if kind == "conv":
            return nn.Conv2d(shape[0], c, k, stride=s, padding=k // 2 if given is None
                             else given)
        p = (k - 1) // 2 if given is None else given
        out_pad = max(0, s + 2 * p - k) if given is None else 0
        return nn.ConvTranspose2d(shape[0], c, k, stride=s, padding=p, output_padding=out_pad)
    if kind == "dense":
        (n,) = _ints(spec, parts, 1, 1, math.prod(input_shape))
        if n < 1:
            raise ConfigError(f"layer {spec!r}: a dense layer needs at least 1 unit")
        return nn.Sequential(nn.Flatten(), nn.Linear(math.prod(shape), n)) if image \
            else nn.Linear(shape[0], n)
    if kind in ("pool", "avgpool", "up"):
        (k,) = _ints(spec, parts, 1, 1, chans)
        if k < 1:
            raise ConfigError(f"layer {spec!r}: the factor must be ≥ 1")
        if not image:
            raise ConfigError(f"layer {spec!r} needs a feature map; it gets shape {shape}")
        if kind == "up":
            return nn.Upsample(scale_factor=k, mode="nearest")
        return nn.MaxPool2d(k) if kind == "pool" else nn.AvgPool2d(k)
    if kind == "flatten":
        return nn.Flatten()
    if kind == "reshape":
        target = tuple(_ints(spec, parts, 3, 3, input_shape[0]))
        if math.prod(target) != math.prod(shape):
            raise ConfigError(f"layer {spec!r} cannot reshape {math.prod(shape)} numbers "
                              f"into {target}")
        return _Reshape(target)
    if kind == "bn":
        return nn.BatchNorm2d(shape[0]) if image else nn.BatchNorm1d(shape[0])
    if kind == "dropout":
        try:
            return nn.Dropout(float(parts[0]))
        except (IndexError, ValueError):
            raise ConfigError(f"layer {spec!r} needs a probability, e.g. dropout:0.2") from None
    acts = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "linear": nn.Identity}
    if kind in acts and not parts:
        return acts[kind]()
    if kind == "leakyrelu":
        try:
            return nn.LeakyReLU(float(parts[0]) if parts else 0.01)
        except ValueError:
            raise ConfigError(f"layer {spec!r} takes a slope, e.g. leakyrelu:0.2") from None
    raise ConfigError(f"unknown layer {spec!r}; layers: conv, convT, dense, pool, avgpool, "
                      f"up, flatten, reshape, bn, dropout, relu, sigmoid, tanh, leakyrelu")


def build_stack(specs: list[str], shape: tuple[int, ...], input_shape: tuple[int, ...],
                what: str) -> tuple[nn.Sequential, tuple[int, ...]]:
    """The modules of ``specs`` applied to samples of ``shape``, and the output shape."""
    layers: list[nn.Module] = []
    probe = torch.zeros(2, *shape)
    for spec in specs:
        layer = _layer(spec, tuple(probe.shape[1:]), input_shape)
        try:
            with torch.no_grad():
                probe = layer.eval()(probe)
        except (RuntimeError, ValueError) as exc:
            raise ConfigError(f"{what} layer {spec!r} does not fit its input of shape "
                              f"{tuple(probe.shape[1:])}: {str(exc).splitlines()[0]}") from None
        if probe.numel() == 0:
            raise ConfigError(f"{what} layer {spec!r} shrinks the map to nothing "
                              f"({tuple(probe.shape[1:])})")
        layers.append(layer.train())
    return nn.Sequential(*layers), tuple(probe.shape[1:])


@register_model("layers", config=LayersConfig)
class LayersAutoencoder(Autoencoder):
    """Encoder and decoder built from layer lists: (b, *shape) → (b, d) → (b, *shape)."""

    family = "layers"
    input_kind = "image"
    capabilities = frozenset({Capability.EMBED})

    def __init__(self, cfg: LayersConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        if cfg.sparsity == "kl":
            raise ConfigError("the layers family writes its own code activation: use "
                              "sparsity=l1 (or end model.encoder in sigmoid and use kl "
                              "with a dense family)")
        self.input_kind = "image" if len(self.input_shape) == 3 else "vector"
        body, code_shape = build_stack(cfg.encoder, self.input_shape, self.input_shape,
                                       "encoder")
        self.encoder = nn.Sequential(*body, nn.Flatten())  # (b, d)
        # the decoder gets the flat code: a dense first layer takes it as it is, any other
        # first layer gets it back in the encoder's output shape
        dense_first = cfg.decoder[0].split(":")[0] == "dense"
        start = (math.prod(code_shape),) if dense_first else code_shape
        head = [] if dense_first or len(code_shape) == 1 else [_Reshape(code_shape)]
        body, out_shape = build_stack(cfg.decoder, start, self.input_shape, "decoder")
        if out_shape != self.input_shape:
            raise ConfigError(f"the decoder ends in shape {out_shape}, but the samples are "
                              f"{self.input_shape}: change model.decoder")
        self.decoder = nn.Sequential(*head, *body)
        if cfg.init == "glorot":
            for m in self.modules():
                if isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
                    nn.init.xavier_uniform_(m.weight)
                    nn.init.zeros_(m.bias)


register_preset("layers", LayersConfig(),
                "encoder and decoder as layer lists (model.encoder, model.decoder; see "
                "`aekit recipes` for textbook layouts); default: two stride-2 convs")
