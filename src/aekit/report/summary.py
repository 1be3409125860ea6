"""The report's first section: what was trained on what, how long, and the full config."""

from __future__ import annotations

import json
import math

import numpy as np

from aekit.capabilities import Capability
from aekit.errors import AekitError
from aekit.io import CONFIG, HISTORY, read_json
from aekit.report.page import Section, escape
from aekit.report.registry import ReportContext, section
from aekit.tasks.pairs import SuperRes


@section(order=10)
def summary(ctx: ReportContext) -> Section:
    """Model, code size, data, task, epochs, best validation loss, speed, optimiser.

    Every run gets it, so the page says what it describes even when nothing else could
    be drawn; the full ``config.json`` follows in a collapsed block.
    """
    loaded, history, metrics = ctx.loaded, ctx.history, ctx.metrics
    cfg, meta, model = loaded.config, loaded.meta, loaded.model
    m = cfg.model
    info = meta.get("data_info") or {}
    n_params = sum(p.numel() for p in model.parameters())
    rows: list[tuple[str, str]] = []
    preset = f"<b>{escape(m.preset)}</b> preset (family {escape(m.name)})" if m.preset else \
        f"<b>{escape(m.name)}</b> family"
    rows.append(("Model", f"{preset}, {n_params:,} parameters"))
    if Capability.EMBED in ctx.capabilities:
        code = model.code_size
        latent = "—" if m.latent_dim is None else str(m.latent_dim)
        rows.append(("Latent size / code size",
                     f"latent_dim {escape(latent)}; each sample is encoded as {code} number"
                     f"{'s' if code != 1 else ''}"))
    shape = "×".join(str(s) for s in loaded.input_shape)
    data = f"<b>{escape(cfg.data.source)}</b>, samples of shape {escape(shape)}"
    if info.get("kind"):
        data += f" ({escape(info['kind'])})"
    classes = info.get("classes")
    if classes:
        data += f", {len(classes)} classes"
    if cfg.data.limit is not None:
        data += f", first {cfg.data.limit} training samples only"
    if info.get("origin"):
        data += f"<br><span class=muted>{escape(str(info['origin']))}</span>"
    rows.append(("Data", data))
    task = f"<b>{escape(cfg.task.name)}</b>"
    if ctx.task.corrupts:
        task += f" with noise <code>{escape(cfg.task.noise)}</code>"
    elif isinstance(ctx.task, SuperRes):
        task += f" ×{cfg.task.scale} (inputs bicubic-downscaled from the data)"
    if ctx.photos:
        n_patches = cfg.data.patches if cfg.data.limit is None else \
            min(cfg.data.patches, cfg.data.limit)
        task += (f"; trained on {n_patches} patches of {cfg.data.patch_size}×"
                 f"{cfg.data.patch_size}, validated and tested on whole photos")
    rows.append(("Task", task))
    epochs = len(history)
    if history:
        txt = f"{epochs} of {cfg.train.epochs}"
        if epochs < cfg.train.epochs:
            txt += " (stopped early)" if cfg.train.patience is not None else " (interrupted?)"
        rows.append(("Epochs trained", txt))
        val = [(r["val_loss"], int(r.get("epoch", i + 1))) for i, r in enumerate(history)
               if math.isfinite(r.get("val_loss", float("nan")))]
        if val:
            best, at = min(val)
            regs = m.sparsity != "none" and m.sparsity_weight > 0 or m.contractive_weight > 0
            what = f"{escape(m.loss)} reconstruction" + (" + regularisers" if regs else " loss")
            rows.append(("Best validation loss", f"{best:.5g} (epoch {at}; {what})"))
        secs = [r["seconds"] for r in history if math.isfinite(r.get("seconds", float("nan")))]
        if secs:
            sps = [r["samples_per_s"] for r in history
                   if math.isfinite(r.get("samples_per_s", float("nan")))]
            speed = f", {np.median(sps):,.0f} training samples/s" if sps else ""
            rows.append(("Training time", f"{_duration(sum(secs))}{speed}"))
    else:
        rows.append(("Epochs trained", f"unknown (no {HISTORY}); configured {cfg.train.epochs}"))
    opt = cfg.train
    rows.append(("Optimisation", f"{escape(opt.optimizer)}, lr {opt.lr:g}, batch size "
                                 f"{opt.batch_size}, seed {opt.seed}"))
    if metrics is not None:
        split = escape(str(metrics.get("split", "test")))
        source = escape(str(metrics.get("data", cfg.data.source)))
        what = "whole photos" if ctx.photos else "samples"
        rows.append(("Evaluated on", f"{metrics.get('n', '?')} {split} {what} of {source}"))
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    try:
        raw = read_json(loaded.path / CONFIG)
        config_json = json.dumps(raw, indent=2)
    except AekitError:  # pragma: no cover - load_run already parsed it
        config_json = json.dumps(cfg.to_dict(), indent=2)
    details = (f"<details><summary>Full configuration ({CONFIG})</summary>"
               f"<pre>{escape(config_json)}</pre></details>")
    return Section("summary", "Summary", [f"<table class=kv>{table}</table>", details])


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    m, s = divmod(int(round(seconds)), 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"
