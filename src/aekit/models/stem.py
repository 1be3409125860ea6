"""The *stem* autoencoder: a classifier's convolutional stem as encoder, its inverse as decoder.

Used by pretext pretraining (:mod:`aekit.tasks.pretrain`, the recipe of Erhan et al.
2010 "Why does unsupervised pre-training help deep learning?" applied to a conv stem,
with the conv + pooling / upsampling + transposed-conv pairing of Masci et al. 2011,
"Stacked convolutional auto-encoders"):

* encoder = ``len(filters)`` stages of Conv–BN–ReLU–MaxPool(2); the code is the last
  feature map (b, filters[-1], h/2^n, w/2^n), flattened;
* decoder = the inverse, stage by stage: nearest Upsample(×2) → ConvTranspose2d
  (stride 1) –BN–ReLU, ending in a transposed conv to the input channels + sigmoid.

The encoder's stages are built by :func:`stem_stages`, the same function the
classifier (:class:`aekit.classify.models.StemClassifier`) uses, so the state dicts of
``model.stem`` and ``classifier.stem`` match name for name and weights can be copied
both ways. A sparsity constraint on the code (``model.sparsity=l1`` in the preset) keeps
the pretext features from becoming an identity map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from torch import nn

from aekit.config import ModelConfig
from aekit.errors import ConfigError
from aekit.models.base import Autoencoder, init_weights
from aekit.nn.blocks import activation
from aekit.registry import register_model, register_preset


def stem_stages(c_in: int, filters: list[int], k: int = 3, batch_norm: bool = True
                ) -> nn.Sequential:
    """Conv–BN–ReLU–MaxPool stages: (b, c_in, h, w) → (b, filters[-1], h/2^n, w/2^n)."""
    chans = [c_in, *filters]
    stages = []
    for a, b in zip(chans[:-1], chans[1:], strict=True):
        layers: list[nn.Module] = [nn.Conv2d(a, b, k, padding=k // 2, bias=not batch_norm)]
        if batch_norm:
            layers.append(nn.BatchNorm2d(b))
        layers += [nn.ReLU(inplace=True), nn.MaxPool2d(2)]
        stages.append(nn.Sequential(*layers))
    return nn.Sequential(*stages)


def check_stem_size(h: int, w: int, n: int) -> None:
    """One-line ConfigError when (h, w) is not divisible by 2^n (n pooling stages)."""
    f = 2**n
    if h % f or w % f:
        raise ConfigError(
            f"a stem with {n} pooling stages needs height and width divisible by {f} "
            f"(e.g. {f * math.ceil(h / f)}×{f * math.ceil(w / f)}); got {h}×{w} — resize the "
            f"data (data.image_size) or change model.filters")


@dataclass
class StemConfig(ModelConfig):
    """Stem family: the classifier stem's channels per stage, kernel, batch norm."""

    name: str = "stem"
    filters: list[int] | None = None  # None = [32, 64]
    kernel_size: int = 3
    batch_norm: bool = True


@register_model("stem", config=StemConfig)
class StemAutoencoder(Autoencoder):
    """Encoder = classifier stem (conv + pooling); decoder = upsampling + transposed conv."""

    family = "stem"
    input_kind = "image"

    def __init__(self, cfg: StemConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        if len(self.input_shape) != 3:
            raise ConfigError(f"the stem model needs images (channels, height, width); got "
                              f"samples of shape {self.input_shape}")
        if cfg.latent_dim is not None:
            raise ConfigError("the stem model's code is its last feature map; leave "
                              "model.latent_dim unset and size it with model.filters")
        c, h, w = self.input_shape
        filters = list(cfg.filters or [32, 64])
        k, bn = cfg.kernel_size, cfg.batch_norm
        check_stem_size(h, w, len(filters))
        hc, wc = h // 2 ** len(filters), w // 2 ** len(filters)
        stem = stem_stages(c, filters, k, bn)  # (b, f_last, hc, wc), ReLU ⇒ ≥ 0
        self.encoder = nn.Sequential(stem, nn.Flatten())  # (b, f_last·hc·wc)
        back = [*filters[::-1], c]  # f_last → … → filters[0] → c
        dec: list[nn.Module] = [nn.Unflatten(1, (filters[-1], hc, wc))]
        for i, (a, b) in enumerate(zip(back[:-1], back[1:], strict=True)):
            last = i == len(back) - 2
            dec += [nn.Upsample(scale_factor=2, mode="nearest"),  # (b, a, 2·h', 2·w')
                    nn.ConvTranspose2d(a, b, k, padding=k // 2, bias=last or not bn)]
            if not last:
                dec += [nn.BatchNorm2d(b)] if bn else []
                dec.append(nn.ReLU(inplace=True))
        dec.append(activation(cfg.output_activation))  # (b, c, h, w)
        self.decoder = nn.Sequential(*dec)
        init_weights(self)

    @property
    def stem(self) -> nn.Sequential:
        """The conv stages alone (shared with the classifier; not a second registration,
        so the state dict holds each weight once and safetensors can save it)."""
        return self.encoder[0]


register_preset("stem", StemConfig(filters=[32, 64], sparsity="l1", sparsity_weight=1e-3,
                           code_activation="relu"),
                "classifier stem (Conv–BN–ReLU–MaxPool ×2) + upsample/transposed-conv decoder, "
                "L1-sparse code (pretext pretraining)")
