"""aekit — an autoencoder toolkit for PyTorch.

Kept import-light on purpose: ``import aekit`` must not pull torch, so that the CLI
starts in well under a second. The Python API (:mod:`aekit.api`: ``aekit.train``,
``aekit.resume``, ``aekit.load``, ``aekit.presets``, ``aekit.recipes``) is loaded on first
use (PEP 562).
The training engine is the package ``aekit.engine`` and the model families are
``aekit.models``; ``aekit.train`` is free for the API, and ``aekit.models`` stays that
package (the listing of presets is ``aekit.presets()``).

OpenMP threads that wait for work spin on a core by default; two torch jobs on the same
cores then take turns burning them (measured earlier: 10× slower each). Unless the user
set ``OMP_WAIT_POLICY`` or torch is already loaded, importing aekit sets it to
``PASSIVE`` — waiting threads sleep (benchmarks/concurrent_jobs.py measures both).
"""

from __future__ import annotations

import os
import sys
from typing import Any

if "torch" not in sys.modules:  # OpenMP reads it once, when torch loads it
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"

_API = ("train", "resume", "load", "presets", "recipes")
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        from aekit import api

        return getattr(api, name)
    raise AttributeError(f"module 'aekit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
