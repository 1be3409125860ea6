"""Run directories: the unit every later command reads.

::

    RUN/config.json        resolved config + aekit version + data fingerprint + input shape
    RUN/model.safetensors  best weights (never pickle); present ⇔ the run is complete
    RUN/metrics.json       evaluation on the test split incl. reference baselines
    RUN/history.csv        per-epoch losses, seconds, samples/s
    RUN/checkpoints/       Lightning state for --resume (last.ckpt, best.ckpt)
    RUN/figures/*.png      figures for the report
    RUN/report.html        one self-contained page

Every file is written atomically (temp file + rename), so an interrupted command never
leaves a half-written file that looks complete.
"""

from __future__ import annotations

import json
import math
import os
import stat
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aekit import __version__
from aekit.config import CONFIG_FORMAT, META_KEYS, RunConfig
from aekit.errors import ConfigError, RunError

if TYPE_CHECKING:
    from aekit.models.base import Autoencoder

CONFIG = "config.json"
WEIGHTS = "model.safetensors"
METRICS = "metrics.json"
HISTORY = "history.csv"


def safe_name(text: str, fallback: str) -> str:
    """``text`` as one file-name or URL segment: runs of anything but letters, digits,
    ``_ . -`` become ``-``, ends trimmed; ``fallback`` when nothing is left."""
    import re

    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or fallback


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same directory + rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:  # a full disk or a kill: no hidden half-file is left behind
        tmp.unlink(missing_ok=True)
        raise


def write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, default=_json_default) + "\n")


def _json_default(o: Any) -> Any:
    try:
        import numpy as np

        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
    except ImportError:  # pragma: no cover
        pass
    return str(o)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RunError(f"{path} is corrupt (not valid JSON: {exc.msg} at line {exc.lineno}); "
                       f"re-run the command that wrote it") from None


def write_config(cfg: RunConfig, path: Path, extra: dict[str, Any]) -> None:
    """Write the resolved config plus provenance (version, data fingerprint, format)."""
    write_json(path, {**extra, "config_format": CONFIG_FORMAT, **cfg.to_dict()})


def save_weights(model: Any, path: Path) -> None:
    """Save a module's state dict as safetensors, atomically."""
    from safetensors.torch import save_file

    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    write_run_file(path, lambda tmp: save_file(state, tmp,
                                               metadata={"aekit_version": __version__}))


def write_run_file(path: Path, save: Callable[[str], None]) -> None:
    """Write a run file atomically: ``save(tmp)`` writes a temp file beside ``path``,
    which gets the run's file mode (that of its ``config.json``: safetensors creates
    0600) and is renamed into place; a failure leaves no temp file."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        save(str(tmp))
        sibling = path.parent / CONFIG
        if sibling.is_file():
            os.chmod(tmp, stat.S_IMODE(sibling.stat().st_mode))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@dataclass
class LoadedRun:
    """A run directory rebuilt into a model ready for inference (eval mode, CPU)."""

    path: Path
    config: RunConfig
    meta: dict[str, Any]  # version, fingerprint, input shape, …
    model: Autoencoder

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.meta["input_shape"])


def read_run_config(run: str | Path) -> tuple[Path, RunConfig, dict[str, Any]]:
    """Validate that ``run`` is an aekit run directory and parse its config (a config.json
    of an earlier format is migrated, see :func:`aekit.config.migrate_saved`)."""
    path = Path(run)
    if not path.is_dir():
        raise RunError(f"run directory {path} does not exist")
    cfg_path = path / CONFIG
    if not cfg_path.is_file():
        raise RunError(f"{path} is not an aekit run directory (no {CONFIG}); "
                       f"create one with `aekit train ... --out {path}`")
    raw = read_json(cfg_path)
    if not isinstance(raw, dict) or "model" not in raw or "aekit_version" not in raw:
        raise RunError(f"{cfg_path} was not written by aekit (no model/aekit_version keys)")
    meta = {k: raw.pop(k) for k in META_KEYS if k in raw}
    sections = {**raw, "config_format": meta.get("config_format", 1)}
    if meta.get("aekit_version") != __version__:
        warnings.warn(f"{path} was written by aekit {meta.get('aekit_version')}, this is "
                      f"{__version__}; results may differ", stacklevel=2)
    try:
        cfg = RunConfig.from_saved(sections, where=str(cfg_path))
    except ConfigError as exc:
        raise RunError(f"{cfg_path} does not match this aekit: {exc}") from None
    if "input_shape" not in meta:
        raise RunError(f"{cfg_path} lacks input_shape; the run directory is damaged")
    shape = meta["input_shape"]
    if not (isinstance(shape, list) and 1 <= len(shape) <= 4
            and all(isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= 2**20
                    for s in shape)
            and math.prod(shape) <= 2**31):
        raise RunError(f"{cfg_path} has input_shape {str(shape)[:60]}, which is not a sample "
                       f"shape (1 to 4 whole sizes ≥ 1, at most 2^31 values); the run "
                       f"directory is damaged")
    return path, cfg, meta


def load_run(run: str | Path, *, device: str = "cpu") -> LoadedRun:
    """Rebuild the model from ``config.json`` and load ``model.safetensors``."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from aekit.models import build_model

    path, cfg, meta = read_run_config(run)
    wpath = path / WEIGHTS
    if not wpath.is_file():
        raise RunError(f"run {path} is incomplete: training did not finish (no {WEIGHTS}); "
                       f"continue it with `aekit train --resume {path}`")
    model = build_model(cfg.model, tuple(meta["input_shape"]))
    try:
        state = load_file(str(wpath), device=device)
    except (SafetensorError, OSError, ValueError) as exc:
        raise RunError(f"{wpath} is corrupt ({exc}); retrain or restore the file") from None
    expected = model.state_dict()
    if set(state) != set(expected) or any(state[k].shape != expected[k].shape for k in state):
        raise RunError(f"{wpath} does not fit the model described in {path / CONFIG} "
                       f"(weights from another model?); retrain this run")
    model.load_state_dict(state)
    model.to(device).eval()
    return LoadedRun(path=path, config=cfg, meta=meta, model=model)
