"""The Python API: what ``import aekit`` offers (``aekit.train``, ``aekit.load``, …).

These compose the layers the way the command line does — train (the engine), then
evaluate and report (the layers above it) — so a script gets the same run directory as
``aekit train``. ``aekit/__init__.py`` exposes them lazily (PEP 562), so ``import
aekit`` stays free of torch until one is called.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aekit.config import RunConfig, apply_overrides
from aekit.errors import ConfigError

if TYPE_CHECKING:
    from aekit.io import LoadedRun

__all__ = ["load", "presets", "recipes", "resume", "train"]


def train(config: RunConfig | str | Path, out: str | Path, *,
          overrides: Sequence[str] = (), quiet: bool = False, evaluate: bool = True) -> Path:
    """Train a run into the new directory ``out``; then evaluate it and write its report.

    ``config`` is a :class:`~aekit.config.RunConfig` (changed in place: it becomes the
    resolved config), a recipe's name (``aekit.recipes()``) or the path of a YAML/JSON
    config file; ``overrides`` are ``key=value`` strings as for ``--set``. Returns the
    run directory.
    """
    from aekit.engine.run import is_worker_rank, train_run
    from aekit.recipes import RECIPES, recipe_config

    if isinstance(config, RunConfig):
        cfg = config
        if overrides:
            apply_overrides(cfg, list(overrides))
    elif isinstance(config, str) and config in RECIPES:
        cfg = recipe_config(config, list(overrides))
    elif Path(config).is_file():
        cfg = RunConfig.from_file(config)
        if overrides:
            apply_overrides(cfg, list(overrides))
    else:
        raise ConfigError(f"{config!r} is neither a recipe ({', '.join(RECIPES)}) nor a "
                          f"config file")
    run_dir = train_run(cfg, out, quiet=quiet)
    if evaluate and not is_worker_rank():
        _evaluate_and_report(run_dir, progress=not quiet)
    return run_dir


def resume(run: str | Path, *, quiet: bool = False, evaluate: bool = True) -> Path:
    """Continue an interrupted run exactly; then evaluate it and write its report."""
    from aekit.engine.run import is_worker_rank, resume_run

    run_dir = resume_run(run, quiet=quiet)
    if evaluate and not is_worker_rank():
        _evaluate_and_report(run_dir, progress=not quiet)
    return run_dir


def _evaluate_and_report(run_dir: Path, *, progress: bool) -> None:
    from aekit.evaluate.run import evaluate_run
    from aekit.report.html import write_report

    evaluate_run(run_dir, progress=progress)
    write_report(run_dir, progress=progress)


def load(run: str | Path, *, device: str = "cpu") -> LoadedRun:
    """A finished run directory as a model ready for inference (eval mode)."""
    from aekit.io import load_run

    return load_run(run, device=device)


def recipes() -> list[dict[str, Any]]:
    """Every textbook recipe: name, source, what it shows, stated parameter count."""
    from aekit.recipes import describe_recipes

    return describe_recipes()


def presets() -> list[dict[str, Any]]:
    """Every preset: name, family, input kind and description (as ``aekit models``)."""
    from aekit.models import describe_models

    return describe_models()
