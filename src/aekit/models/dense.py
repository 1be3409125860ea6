"""Dense (MLP) autoencoder.

Encoder: Linear–BatchNorm–ReLU blocks down to the code; the decoder mirrors **every**
encoder width in reverse and ends in a sigmoid (inputs in [0, 1]). With no hidden
layers it is the classic shallow autoencoder (e.g. 784 → 32 → 784 with an L1 activity
penalty on the code, the Keras "sparse autoencoder"). Any input shape is flattened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import nn

from aekit.config import ModelConfig
from aekit.models.base import Autoencoder, code_activation, init_weights
from aekit.nn.blocks import activation, dense_stack
from aekit.registry import register_model, register_preset


@dataclass
class DenseConfig(ModelConfig):
    """Dense family: encoder widths (the decoder mirrors them) and batch norm."""

    name: str = "dense"
    latent_dim: int | None = 32
    hidden: list[int] | None = None  # encoder widths; None or [] = shallow (one layer)
    batch_norm: bool = True


@register_model("dense", config=DenseConfig)
class DenseAutoencoder(Autoencoder):
    """MLP autoencoder: (b, *shape) → (b, latent) → (b, *shape)."""

    family = "dense"
    input_kind = "vector"
    exact_jacobian = True

    def __init__(self, cfg: DenseConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        d_in = math.prod(self.input_shape)
        hidden = list(cfg.hidden or [])
        latent = cfg.latent_dim
        assert latent is not None  # presets resolve it
        widths = [d_in, *hidden]
        self.encoder = nn.Sequential(
            nn.Flatten(), *dense_stack(widths, cfg.batch_norm),  # (b, hidden[-1])
            nn.Linear(widths[-1], latent), activation(code_activation(cfg)))  # (b, latent)
        back = [latent, *reversed(hidden)]  # mirror: latent → … → hidden[0]
        self.decoder = nn.Sequential(
            *dense_stack(back, cfg.batch_norm), nn.Linear(back[-1], d_in),
            activation(cfg.output_activation), nn.Unflatten(1, self.input_shape))  # (b, *shape)
        init_weights(self)

    def widths(self) -> tuple[list[int], list[int]]:
        """(encoder widths, decoder widths) of the Linear layers, for mirror checks."""
        enc = [m.out_features for m in self.encoder.modules() if isinstance(m, nn.Linear)]
        dec = [m.out_features for m in self.decoder.modules() if isinstance(m, nn.Linear)]
        return enc, dec


register_preset("dense", DenseConfig(hidden=[256, 128], latent_dim=64),
                "MLP 784→256→128→64, decoder 64→128→256→784 (Linear–BN–ReLU)")
register_preset("shallow", DenseConfig(hidden=[], latent_dim=32, sparsity="l1",
                                       sparsity_weight=1e-3, code_activation="relu"),
                "784→32→784 with an L1 activity penalty on the code (sparse AE)")
register_preset("deep", DenseConfig(hidden=[1024, 512], latent_dim=256),
                "for 64×64 RGB folders: 12288→1024→512→256 and mirrored back")
