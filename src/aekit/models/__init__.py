"""Model families and presets.

Families are registered in :data:`aekit.registry.MODELS` by their own files; a
*preset* is a family plus default hyperparameters. Preset values fill only the fields
a user left at their defaults; the resolved config stores the family in ``name`` and the
preset in ``preset``, so ``config.json`` alone rebuilds the model.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from aekit.config import ModelConfig
from aekit.models import (  # noqa: F401
    aae,
    conv,
    dcgan,
    dense,
    dncnn,
    lstm,
    stem,
    superres,
    tabular,
    vae,
)
from aekit.models.base import Autoencoder
from aekit.registry import MODELS

# name -> (family, defaults, description)
PRESETS: dict[str, tuple[str, dict[str, Any], str]] = {
    "vae": ("vae", {"variant": "dense", "hidden": [512, 256], "latent_dim": 16, "loss": "bce"},
            "variational AE, MLP 512→256→16 (μ, log σ²), Bernoulli likelihood"),
    "vae-conv": ("vae", {"variant": "conv", "filters": [32, 64], "latent_dim": 16,
                         "loss": "bce"}, "variational AE with strided-conv encoder"),
    "aae": ("aae", {"variant": "dense", "hidden": [512, 256], "latent_dim": 8},
            "adversarial AE (Makhzani 2015), gaussian prior, code discriminator"),
    "aae-style": ("aae", {"variant": "dense", "hidden": [512, 256], "latent_dim": 8,
                          "supervised": True},
                  "supervised AAE: label fed to the decoder, the code learns style"),
    "dcgan": ("dcgan", {"filters": [64, 128], "latent_dim": 100},
              "DCGAN (Radford 2016): the GAN reference for sample quality"),
    "dense": ("dense", {"hidden": [256, 128], "latent_dim": 64},
              "MLP 784→256→128→64, decoder 64→128→256→784 (Linear–BN–ReLU)"),
    "shallow": ("dense", {"hidden": [], "latent_dim": 32, "sparsity": "l1",
                          "sparsity_weight": 1e-3, "code_activation": "relu"},
                "784→32→784 with an L1 activity penalty on the code (sparse AE)"),
    "deep": ("dense", {"hidden": [1024, 512], "latent_dim": 256},
             "for 64×64 RGB folders: 12288→1024→512→256 and mirrored back"),
    "conv": ("conv", {"variant": "strided", "filters": [32, 64], "latent_dim": 16},
             "strided Conv–BN–ReLU, Linear code, transposed-conv decoder"),
    "conv-pool": ("conv", {"variant": "pool", "filters": [16, 8]},
                  "Conv + max-pool encoder, Conv + upsample decoder; code = feature map"),
    "conv-full": ("conv", {"variant": "strided", "filters": [32, 64]},
                  "strided convs, no linear bottleneck: the 64×h/4×w/4 map is the code "
                  "(for denoising)"),
    "conv-dense": ("conv", {"variant": "dense-code", "filters": [32, 64], "latent_dim": 10},
                   "conv → dense code (10; use 2 for a 2-D map) → dense → upsample"),
    "conv-tiny": ("conv", {"variant": "gap", "filters": [16, 32], "latent_dim": 4},
                  "tiny global-average-pooling bottleneck of 4 features"),
    "stem": ("stem", {"filters": [32, 64], "sparsity": "l1", "sparsity_weight": 1e-3,
                      "code_activation": "relu"},
             "classifier stem (Conv–BN–ReLU–MaxPool ×2) + upsample/transposed-conv decoder, "
             "L1-sparse code (pretext pretraining)"),
    # sequences: composite LSTM autoencoder (Srivastava et al. 2015)
    "lstm": ("lstm", {"hidden": [256], "loss": "bce", "frame_coder": "flat"},
             "composite LSTM AE (Srivastava 2015): encoder LSTM 256, reverse-order "
             "reconstruction + future decoders (future = half the frames), flat frames"),
    "lstm-cond": ("lstm", {"hidden": [256], "loss": "bce", "conditional": True},
                  "composite LSTM AE with conditional decoders (fed their previous output)"),
    "lstm-conv": ("lstm", {"hidden": [256], "loss": "bce", "frame_coder": "conv",
                           "filters": [16, 32]},
                  "composite LSTM AE, frames through a small conv encoder / deconv decoder"),
    "lstm-series": ("lstm", {"hidden": [64], "output_activation": "linear", "loss": "mse"},
                    "composite LSTM AE for csv:…?window=W time series: reconstructs the "
                    "first half of a window, forecasts the second"),
    # restoration: super-resolution (task superres) and residual denoising (task denoise)
    "srcnn": ("superres", {"variant": "pre", "filters": [64, 32], "residual": True,
                           "output_activation": "linear"},
              "SRCNN (Dong 2014): bicubic up, 9×9 conv 64 → 1×1 conv 32 → 5×5 conv "
              "(+ the bicubic image: residual)"),
    "srcnn-post": ("superres", {"variant": "post", "filters": [64, 32], "residual": True,
                                "output_activation": "linear"},
                   "post-upsampling SRCNN: 5×5 conv 64 → 1×1 conv 32 at low resolution, "
                   "9×9 transposed conv ×s"),
    "espcn": ("superres", {"variant": "subpixel", "filters": [64, 32], "residual": True,
                           "output_activation": "linear"},
              "ESPCN (Shi 2016): 5×5 conv 64 → 3×3 conv 32 (tanh) → 3×3 conv c·s² → "
              "pixel shuffle (fastest)"),
    "edsr-s": ("superres", {"variant": "edsr", "filters": [32], "depth": 8, "residual": True,
                            "output_activation": "linear", "loss": "l1"},
               "small EDSR (Lim 2017): 3×3 conv 32 → 8 residual blocks (×0.1) + long skip → "
               "3×3 conv c·s² → pixel shuffle (+ bicubic), L1 loss; the CPU choice for SR"),
    "edsr": ("superres", {"variant": "edsr", "filters": [64], "depth": 16, "residual": True,
                          "output_activation": "linear", "loss": "l1"},
             "EDSR baseline size (Lim 2017): 16 residual blocks of 64 (+ bicubic), L1 loss; "
             "GPU-sized"),
    "dncnn": ("dncnn", {"depth": 17, "filters": [64], "output_activation": "linear"},
              "DnCNN (Zhang 2017): 17 3×3 conv layers of 64, predicts the noise (residual)"),
    "dncnn-s": ("dncnn", {"depth": 10, "filters": [48], "output_activation": "linear"},
                "DnCNN with 10 layers of 48: trains in minutes on a CPU"),
    # tables: Jahrer's Porto Seguro denoising autoencoder
    "tabular": ("tabular", {"hidden": [512, 512, 512], "batch_norm": False,
                            "output_activation": "linear"},
                "tabular DAE d→512→512→512→d, ReLU, linear out; codes = all hidden layers "
                "(deep stack); train with --noise swap:0.15"),
    "tabular-dae": ("tabular", {"hidden": [1500, 1500, 1500], "batch_norm": False,
                                "output_activation": "linear"},
                    "Jahrer's Porto Seguro DAE: 1500×3 ReLU, deep-stack features (4500)"),
}


def preset_config(name: str) -> ModelConfig:
    """A fresh model config for ``name``: a preset's family and defaults, or a bare family."""
    if name in PRESETS:
        family, defaults, _ = PRESETS[name]
        return ModelConfig(name=family, preset=name, **copy.deepcopy(defaults))
    if name not in MODELS:
        from aekit.errors import ConfigError

        known = ", ".join(sorted(set(PRESETS) | set(MODELS.names())))
        raise ConfigError(f"unknown model {name!r}; choose one of: {known}")
    return ModelConfig(name=name)


def resolve_preset(cfg: ModelConfig) -> ModelConfig:
    """Return a copy with preset defaults filled in and ``name`` set to the family.

    Idempotent: a config that records its ``preset`` is already resolved (family names
    such as ``conv`` are presets too, so resolving twice would re-apply defaults).
    """
    if cfg.preset is None and cfg.name in PRESETS:
        family, defaults, _ = PRESETS[cfg.name]
        blank = ModelConfig()
        updates = {k: v for k, v in defaults.items() if getattr(cfg, k) == getattr(blank, k)}
        return dataclasses.replace(cfg, name=family, preset=cfg.name, **updates)
    MODELS.get(cfg.name)  # raises a clear error for unknown names
    if cfg.latent_dim is None and cfg.name == "dense":
        return dataclasses.replace(cfg, latent_dim=32)
    return cfg


def build_model(cfg: ModelConfig, input_shape: tuple[int, ...]) -> Autoencoder:
    """Instantiate the family named by ``cfg`` (after preset resolution) for ``input_shape``."""
    if cfg.name not in MODELS and cfg.name not in PRESETS:
        MODELS.get(cfg.name)
    cfg = resolve_preset(cfg)
    cls = MODELS.get(cfg.name)
    return cls(cfg, tuple(input_shape))


def describe_models() -> list[dict[str, str]]:
    """Rows for ``aekit models``: every preset and family with its input kind."""
    rows = []
    for name, (family, _, text) in PRESETS.items():
        rows.append({"name": name, "family": family,
                     "input": MODELS.get(family).input_kind, "description": text})
    return rows


def upscaling_presets() -> str:
    """The presets of super-resolution families, for messages: "srcnn, …, edsr"."""
    return ", ".join(n for n, (fam, _, _) in PRESETS.items()
                     if "upscale" in MODELS.get(fam).capabilities)
