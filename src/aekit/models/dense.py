"""Dense (MLP) autoencoder.

Encoder: Linear–BatchNorm–ReLU blocks down to the code; the decoder mirrors **every**
encoder width in reverse and ends in a sigmoid (inputs in [0, 1]). With no hidden
layers it is the classic shallow autoencoder (e.g. 784 → 32 → 784 with an L1 activity
penalty on the code, the Keras "sparse autoencoder"). Any input shape is flattened.
"""

from __future__ import annotations

import math

from torch import nn

from aekit.config import ModelConfig
from aekit.models.base import Autoencoder, code_activation, init_weights
from aekit.nn.blocks import activation, dense_stack
from aekit.registry import register_model


@register_model("dense")
class DenseAutoencoder(Autoencoder):
    """MLP autoencoder: (b, *shape) → (b, latent) → (b, *shape)."""

    family = "dense"
    input_kind = "vector"
    exact_jacobian = True

    def __init__(self, cfg: ModelConfig, input_shape: tuple[int, ...]) -> None:
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
