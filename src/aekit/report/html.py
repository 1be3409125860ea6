"""``aekit report RUN``: one self-contained HTML page per run directory.

The page is built from the run's own files (``config.json``, ``model.safetensors``,
``history.csv``, ``metrics.json``) plus the test split of the run's data. This module
reads those files, asks the section registry (:mod:`aekit.report.registry`) for the
sections the run meets the requirements of, and lays them out with the page shell
(:mod:`aekit.report.page`). In page order, the sections are

1. a summary of the run and its full config (``summary.py``);
2. the test metrics against the reference baselines, never called "accuracy"
   (``scores.py``);
3. loss curves (``curves.py``);
4. reconstructions — or noisy / denoised / clean rows for a corrupting task, or a
   per-feature error table for vector data — of test samples (``examples.py``);
5. a 2-D map of the test codes, coloured by class, and for 2-number codes the
   decoder's outputs over a grid of codes (``codes.py``);
6. for restoration runs, instead of 4–5: side-by-side crops and per-photo scores
   (``restoration.py``);
7. for generative models: sample quality, samples, style grid, latent traversal and a
   t-SNE map (``generative.py``).

Figures are written to ``RUN/figures/*.png`` and embedded in the page as base64 data
URIs, so ``RUN/report.html`` opens anywhere with no other file and no network. A run
that was not evaluated yet, has no history or whose data cannot be loaded still gets a
report: the affected sections say what is missing and how to produce it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aekit.capabilities import Capability
from aekit.errors import AekitError, ConfigError
from aekit.io import HISTORY, METRICS, atomic_write_text, load_run, read_json
from aekit.log import bars
from aekit.report.examples import pick_samples
from aekit.report.page import render_page
from aekit.report.registry import ReportContext, build_sections

if TYPE_CHECKING:
    from aekit.config import RunConfig

__all__ = ["FIGURES", "REPORT", "pick_samples", "write_report"]

REPORT = "report.html"
FIGURES = "figures"


def write_report(run: str | Path, *, progress: bool = True,
                 plane_range: tuple[float, float] | None = None) -> Path:
    """Write ``RUN/report.html`` (and ``RUN/figures/*.png``) for a run; return its path
    (``progress``: lines with an ETA while the sections are built, if that takes long;
    ``plane_range``: the latent plane's fixed code range, else the test codes' own).

    Raises :class:`~aekit.errors.RunError` when ``run`` is not a complete aekit run.
    """
    from aekit.tasks.pairs import build_task

    loaded = load_run(run)
    path = loaded.path
    cfg = loaded.config
    metrics, metrics_note = _read_metrics(path)
    history, history_note = _read_history(path)
    if plane_range is not None and not (all(math.isfinite(v) for v in plane_range)
                                        and plane_range[0] < plane_range[1]):
        raise ConfigError(f"--plane-range must be two finite numbers LO,HI with LO < HI; "
                          f"got {plane_range[0]:g},{plane_range[1]:g}")
    ctx = ReportContext(loaded, build_task(cfg.task), metrics, metrics_note, history,
                        history_note, path / FIGURES, plane_range)
    sections = build_sections(ctx, bars("report", progress))

    name = path.resolve().name
    kind = "autoencoder" if Capability.EMBED in ctx.capabilities else "model"
    subtitle = (f"{_preset_name(cfg)} {kind} · {cfg.task.name} · data "
                f"{cfg.data.source} · aekit {loaded.meta.get('aekit_version', '?')}")
    if loaded.meta.get("created"):
        subtitle += f" · trained {loaded.meta['created']}"
    page = render_page(name, subtitle, sections)
    out = path / REPORT
    # ASCII with character references: correct whatever the locale's default encoding
    atomic_write_text(out, page.encode("ascii", "xmlcharrefreplace").decode("ascii"))
    return out


# -- run files ------------------------------------------------------------------------

def _read_metrics(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """(metrics, None), or (None, a note saying why there are none)."""
    mpath = path / METRICS
    if not mpath.is_file():
        return None, None
    try:
        data = read_json(mpath)
    except AekitError as exc:
        return None, str(exc)
    # a model with a code has "metrics"; a GAN (no encoder) only its sample quality
    if not isinstance(data, dict) or not (isinstance(data.get("metrics"), dict)
                                          or isinstance(data.get("generation"), dict)):
        return None, f"{mpath} does not look like aekit metrics (no 'metrics' mapping)"
    return data, None


def _read_history(path: Path) -> tuple[list[dict[str, float]], str | None]:
    from aekit.engine.history import read_history

    hpath = path / HISTORY
    if not hpath.is_file():
        return [], f"no {HISTORY} in this run, so there are no loss curves."
    try:
        rows = read_history(hpath)
    except (ValueError, KeyError, OSError) as exc:
        return [], f"{hpath} could not be read ({exc}); the loss curves are left out."
    if not rows:
        return [], f"{hpath} holds no epochs yet."
    return rows, None


def _preset_name(cfg: RunConfig) -> str:
    return str(cfg.model.preset or cfg.model.name)
