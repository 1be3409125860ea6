"""Tabular denoising autoencoder: the Porto Seguro winning recipe.

Michael Jahrer won Kaggle's Porto Seguro Safe Driver Prediction (2017) with features
learned by denoising autoencoders ("1st place with representation learning"): inputs
RankGauss-normalised (:mod:`aekit.data.rankgauss`, ``csv:…?scale=rankgauss``), a fully
connected ReLU network such as 221 → 1500 → 1500 → 1500 → 221 with a linear output and
MSE loss, trained to undo **swap noise** (``--task denoise --noise swap:0.15``,
:func:`aekit.data.corruptions`), and the activations of **all hidden layers
concatenated** (the "deep stack", 4500 features) fed to a downstream model.

Here: ``d_in → hidden[0] → … → hidden[-1] → d_in`` (Linear–(BN)–ReLU blocks, output
activation from the config, linear in the presets). With ``model.latent_dim`` a
bottleneck layer of that width is put in the middle and the hidden widths are mirrored
after it (``hidden + [latent] + reversed(hidden)``). ``model.features`` picks what
``encode`` returns (default ``deep-stack``):

* ``bottleneck`` — the activations of the narrowest hidden layer (the middle one when
  several are equally narrow, e.g. the second of three 1500s);
* ``deep-stack`` — every hidden layer's activations, concatenated in order.

``decode(z)`` accepts either code: it takes the bottleneck's slice of a deep-stack
code and runs the layers after the bottleneck, so ``decode(encode(x))`` equals
``forward(x)["x_hat"]`` in both cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from aekit.config import ModelConfig
from aekit.errors import ConfigError
from aekit.models.base import Autoencoder, init_weights
from aekit.nn.blocks import activation, dense_block
from aekit.registry import register_model, register_preset

Tensor = torch.Tensor


def bottleneck_index(widths: list[int]) -> int:
    """Index of the narrowest layer; ties go to the one nearest the middle."""
    low = min(widths)
    mid = (len(widths) - 1) / 2
    return min((i for i, w in enumerate(widths) if w == low), key=lambda i: (abs(i - mid), i))


@dataclass
class TabularConfig(ModelConfig):
    """Tabular family: hidden widths, batch norm and which layers make the features."""

    name: str = "tabular"
    hidden: list[int] | None = None  # None = [1500, 1500, 1500]
    batch_norm: bool = True
    features: str | None = None  # what encode returns: bottleneck | deep-stack (all
    #                              hidden layers); None = deep-stack

    CHOICES: ClassVar[dict[str, tuple[str | None, ...]]] = {
        "features": (None, "bottleneck", "deep-stack")}


@register_model("tabular", config=TabularConfig)
class TabularDAE(Autoencoder):
    """Fully connected DAE for tables with bottleneck or deep-stack codes."""

    family = "tabular"
    input_kind = "vector"

    def __init__(self, cfg: TabularConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        if cfg.contractive_weight > 0:
            raise ConfigError("model.contractive_weight is not supported for tabular models; "
                              "use the dense family")
        d_in = math.prod(self.input_shape)
        hidden = list(cfg.hidden or [1500, 1500, 1500])
        if cfg.latent_dim is not None:
            hidden = [*hidden, cfg.latent_dim, *reversed(hidden)]
        if not hidden:
            raise ConfigError("the tabular model needs hidden layers (model.hidden=[…])")
        self.widths = hidden
        self.bottleneck = bottleneck_index(hidden)
        self.deep_stack = (cfg.features or "deep-stack") == "deep-stack"
        ws = [d_in, *hidden]
        self.blocks = nn.ModuleList(dense_block(a, b, cfg.batch_norm)
                                    for a, b in zip(ws[:-1], ws[1:], strict=True))
        self.head = nn.Sequential(nn.Linear(hidden[-1], d_in), activation(cfg.output_activation),
                                  nn.Unflatten(1, self.input_shape))  # (b, *shape)
        init_weights(self)

    # -- contract -----------------------------------------------------------------
    def _hidden(self, x: Tensor) -> list[Tensor]:
        """Activations of every hidden layer, each (b, width)."""
        h = x.reshape(x.shape[0], -1)  # (b, d_in)
        acts = []
        for block in self.blocks:
            h = block(h)
            acts.append(h)
        return acts

    def _code(self, acts: list[Tensor]) -> Tensor:
        return torch.cat(acts, 1) if self.deep_stack else acts[self.bottleneck]

    def encode(self, x: Tensor) -> Tensor:
        """(b, *shape) → bottleneck (b, w_k) or deep stack (b, Σ widths)."""
        return self._code(self._hidden(x)[: None if self.deep_stack else self.bottleneck + 1])

    def decode(self, z: Tensor) -> Tensor:
        """Code → (b, *shape); a deep-stack code is cut down to its bottleneck slice."""
        if self.deep_stack:
            lo = sum(self.widths[: self.bottleneck])
            z = z[:, lo:lo + self.widths[self.bottleneck]]
        h = z
        for block in self.blocks[self.bottleneck + 1:]:
            h = block(h)
        return self.head(h)

    def forward(self, x: Tensor, **cond: Any) -> dict[str, Tensor]:
        acts = self._hidden(x)
        return {"x_hat": self.head(acts[-1]), "z": self._code(acts), "x": x}


register_preset("tabular", TabularConfig(hidden=[512, 512, 512], batch_norm=False,
                                         output_activation="linear"),
                "tabular DAE d→512→512→512→d, ReLU, linear out; codes = all hidden layers "
                "(deep stack); train with --noise swap:0.15")
register_preset("tabular-dae", TabularConfig(hidden=[1500, 1500, 1500], batch_norm=False,
                              output_activation="linear"),
                "Jahrer's Porto Seguro DAE: 1500×3 ReLU, deep-stack features (4500)")
