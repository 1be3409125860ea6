"""Model families and presets.

Every module of this package except ``base`` is a family: it defines the model class
and its config dataclass beside it, and registers both (``@register_model(name,
config=...)``) and its presets (``register_preset``). This package imports all of them,
so adding a family is adding one file. The resolved config stores the family in
``name`` and the preset in ``preset``, so ``config.json`` alone rebuilds the model.
"""

from __future__ import annotations

import importlib
import pkgutil

from aekit.capabilities import Capability
from aekit.config import ModelConfig, preset_config
from aekit.errors import ConfigError
from aekit.models.base import Autoencoder
from aekit.registry import MODELS, PRESETS

__all__ = ["PRESETS", "build_model", "describe_models", "preset_config", "upscaling_presets"]

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "base":
        importlib.import_module(f"{__name__}.{_info.name}")


def build_model(cfg: ModelConfig, input_shape: tuple[int, ...]) -> Autoencoder:
    """Instantiate the family of ``cfg`` for samples of ``input_shape``.

    ``cfg`` must be that family's config (:func:`preset_config` or a saved run's
    config gives one); a base :class:`ModelConfig` names only the shared fields.
    """
    cls = MODELS.get(cfg.name)
    expected = MODELS.config_of(cfg.name)
    if not isinstance(cfg, expected):
        raise ConfigError(f"model {cfg.name!r} needs a {expected.__name__}; build it with "
                          f"preset_config({cfg.name!r}) rather than {type(cfg).__name__}")
    return cls(cfg, tuple(input_shape))


def describe_models() -> list[dict[str, str]]:
    """Rows for ``aekit models``: every preset with its family and input kind."""
    rows = []
    for name in PRESETS:
        preset = PRESETS.get(name)
        rows.append({"name": name, "family": preset.family,
                     "input": MODELS.get(preset.family).input_kind,
                     "description": preset.description})
    return rows


def upscaling_presets() -> str:
    """The presets of super-resolution families, for messages: "srcnn, …, edsr"."""
    return ", ".join(n for n in PRESETS
                     if Capability.UPSCALE in MODELS.get(PRESETS.get(n).family).capabilities)
