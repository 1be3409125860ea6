"""Where fetched dataset files live: the cache directory and local-copy variables.

Cache directory: ``$AEKIT_DATA`` if set, else the platform cache directory
(``$XDG_CACHE_HOME/aekit`` or ``~/.cache/aekit`` on Linux, ``~/Library/Caches/aekit``
on macOS, ``%LOCALAPPDATA%/aekit`` on Windows); each dataset gets a sub-folder named
after it. Files are stored decompressed (raw IDX, CIFAR batches) so loading is fast.

A local copy of a dataset can be named with ``AEKIT_<NAME>_DIR`` (:func:`env_var`).
This module only answers *where*; filling the cache is :mod:`.install`, checking what
is in it :mod:`.verify`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def cache_dir() -> Path:
    """The root cache directory (``$AEKIT_DATA`` or the platform cache dir + ``aekit``)."""
    env = os.environ.get("AEKIT_DATA")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "aekit"


def env_var(dataset: str) -> str:
    """Name of the environment variable that points at a local copy of ``dataset``."""
    return "AEKIT_" + "".join(c if c.isalnum() else "_" for c in dataset.upper()) + "_DIR"


def default_file_mode() -> int:
    """Permission bits a normally created file gets under the current umask.

    Files written through :func:`tempfile.mkstemp` start as 0600; cached data (and
    images aekit writes) are given these bits instead, so they are shareable as usual.
    """
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask
