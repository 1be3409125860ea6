"""Shared by the benchmark scripts: train a run from config overrides, or reuse it."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path


def train_or_reuse(name: str, overrides: dict[str, object], run: Path, *,
                   epochs_scale: float = 1.0, reuse: bool = False) -> float | None:
    """Train ``overrides`` into ``run`` (epochs scaled) unless ``reuse`` and it is complete.

    Returns the training time in seconds, or ``None`` when an existing run was reused.
    A stale or unfinished ``run`` directory is replaced.
    """
    from aekit.config import RunConfig, apply_overrides
    from aekit.engine.run import train_run

    if reuse and (run / "model.safetensors").is_file():
        return None
    t0 = time.perf_counter()
    cfg = RunConfig()
    apply_overrides(cfg, [f"{k}={v}" for k, v in overrides.items()])
    cfg.train.epochs = max(1, round(cfg.train.epochs * epochs_scale))
    if run.exists():
        shutil.rmtree(run)
    print(f"== {name}: training {cfg.train.epochs} epochs", file=sys.stderr, flush=True)
    train_run(cfg, run, quiet=True)
    return round(time.perf_counter() - t0, 1)
