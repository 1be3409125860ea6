"""aekit — an autoencoder toolkit for PyTorch.

Kept import-light on purpose: ``import aekit`` must not pull torch, so that the CLI
starts in well under a second. The Python API (:mod:`aekit.api`: ``aekit.train``,
``aekit.resume``, ``aekit.load``, ``aekit.models``) is loaded on first use (PEP 562).
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = ("train", "resume", "load", "models")
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from aekit import api

        return getattr(api, name)
    raise AttributeError(f"module 'aekit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
