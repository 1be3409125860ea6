"""``aekit report RUN``: one self-contained HTML page per run directory.

The page is built from the run's own files (``config.json``, ``model.safetensors``,
``history.csv``, ``metrics.json``) plus the test split of the run's data, and holds

1. a summary of the run and its full config;
2. the test metrics against the reference baselines (never called "accuracy");
3. loss curves;
4. reconstructions (or noisy / denoised / clean rows for denoising) of test samples;
5. a 2-D map of the test codes, coloured by class;
6. for 2-number codes, the decoder's outputs over a grid of codes.

Figures are written to ``RUN/figures/*.png`` and embedded in the page as base64 data
URIs, so ``RUN/report.html`` opens anywhere with no other file and no network. A run
that was not evaluated yet, has no history or whose data cannot be loaded still gets a
report: the affected sections say what is missing and how to produce it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from aekit.errors import AekitError
from aekit.io import CONFIG, HISTORY, METRICS, LoadedRun, atomic_write_text, load_run, read_json
from aekit.report.page import Section, class_name, escape, figure, finite, fmt, render_page

REPORT = "report.html"
FIGURES = "figures"
N_SHOW = 10  # samples in the reconstruction grid
N_MAP = 2000  # test samples in the latent map
PLANE = 15  # latent-plane grid size (PLANE × PLANE decoded images)
N_FEATURES = 10  # features in the per-feature table of vector data
N_VECTOR = 10240  # at most this many test rows for the per-feature table
EVAL_BATCH = 512  # batch size of corrupted_inputs: keeps the report's noise = evaluation's

_BASELINE_NAMES = {"pca": "PCA", "nl_means": "Non-local means", "tv": "Total variation",
                   "wavelet": "Wavelet shrinkage", "bilateral": "Bilateral filter",
                   "bicubic": "Bicubic upscaling"}


def write_report(run: str | Path) -> Path:
    """Write ``RUN/report.html`` (and ``RUN/figures/*.png``) for a run; return its path.

    Raises :class:`~aekit.errors.RunError` when ``run`` is not a complete aekit run.
    """
    loaded = load_run(run)
    path = loaded.path
    cfg = loaded.config
    metrics, metrics_note = _read_metrics(path)
    history, history_note = _read_history(path)
    fig_dir = path / FIGURES

    sections = [
        _summary_section(loaded, history, metrics),
        _metrics_section(metrics, metrics_note, path),
        _loss_section(history, history_note, fig_dir),
    ]
    restoration = ("any_size" in loaded.model.capabilities and
                   ((loaded.meta.get("data_info") or {}).get("kind") == "photos"
                    or "embed" not in loaded.model.capabilities))
    if restoration:
        from aekit.report.restoration import restoration_sections

        sections += restoration_sections(loaded, metrics, fig_dir)
    else:
        sections += _data_sections(loaded, fig_dir)
    if "generate" in loaded.model.capabilities and len(loaded.input_shape) == 3:
        from aekit.report.generative import generative_sections

        sections += generative_sections(loaded, metrics, fig_dir)

    name = path.resolve().name
    kind = "model" if "embed" not in loaded.model.capabilities else "autoencoder"
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
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        return None, f"{mpath} does not look like aekit metrics (no 'metrics' mapping)"
    return data, None


def _read_history(path: Path) -> tuple[list[dict[str, float]], str | None]:
    from aekit.train.history import read_history

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


# -- sections -------------------------------------------------------------------------

def _summary_section(loaded: LoadedRun, history: list[dict[str, float]],
                     metrics: dict[str, Any] | None) -> Section:
    cfg, meta, model = loaded.config, loaded.meta, loaded.model
    m = cfg.model
    info = meta.get("data_info") or {}
    n_params = sum(p.numel() for p in model.parameters())
    rows: list[tuple[str, str]] = []
    preset = f"<b>{escape(m.preset)}</b> preset (family {escape(m.name)})" if m.preset else \
        f"<b>{escape(m.name)}</b> family"
    rows.append(("Model", f"{preset}, {n_params:,} parameters"))
    if "embed" in model.capabilities:
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
    if cfg.task.name == "denoise":
        task += f" with noise <code>{escape(cfg.task.noise)}</code>"
    elif cfg.task.name == "superres":
        task += f" ×{cfg.task.scale} (inputs bicubic-downscaled from the data)"
    if info.get("kind") == "photos":
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
        what = "whole photos" if info.get("kind") == "photos" else "samples"
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


def _metrics_section(metrics: dict[str, Any] | None, note: str | None, path: Path) -> Section:
    sec = Section("metrics", "Test metrics vs baselines")
    if metrics is None:
        msg = f"Not evaluated yet — run <code>aekit evaluate {escape(str(path))}</code>."
        if note:
            msg = f"{escape(note)}<br>{msg}"
        sec.body.append(f"<p class=note>{msg}</p>")
        return sec
    if "metrics" not in metrics:
        sec.title = "Test metrics"
        sec.body.append("<p class=note>This model has no encoder, so there is nothing to "
                        "reconstruct; see the sample quality below.</p>")
        return sec
    own = metrics["metrics"]
    image = "psnr" in own
    cols = [("mse", "MSE", "{:.4g}"), ("psnr", "PSNR (dB)", "{:.2f}"), ("ssim", "SSIM", "{:.4f}")]
    if not image:
        cols = [("mse", "MSE", "{:.4g}"), ("mae", "MAE", "{:.4g}")]
    cols = [c for c in cols if c[0] in own]
    rows: list[tuple[str, dict[str, Any], str]] = [("This model", own, "model")]
    baselines = metrics.get("baselines") or {}
    for name, vals in baselines.items():
        rows.append((_baseline_label(name, vals), vals, "baseline"))
    if isinstance(metrics.get("input"), dict):
        rows.append(("Noisy input (no denoising)", metrics["input"], "input"))
    key = "psnr" if image else "mse"
    scored = [i for i, r in enumerate(rows) if finite(r[1].get(key))]
    best_i = None
    if scored:
        pick = max if key == "psnr" else min
        best_i = pick(scored, key=lambda i: float(rows[i][1][key]))
    head = "".join(f"<th>{escape(label)}</th>" for _, label, _ in cols)
    body = []
    for i, (label, vals, kind) in enumerate(rows):
        cls = [kind] + (["best"] if i == best_i else [])
        cells = "".join(f"<td class=num>{fmt(vals.get(k), spec)}</td>" for k, _, spec in cols)
        mark = " <span class=badge>best</span>" if i == best_i else ""
        body.append(f"<tr class=\"{' '.join(cls)}\"><td>{escape(label)}{mark}</td>{cells}</tr>")
    n = metrics.get("n", "?")
    sec.body.append(f"<p class=lead>{_verdict(metrics)}</p>")
    sec.body.append(f"<table class=metrics><thead><tr><th></th>{head}</tr></thead>"
                    f"<tbody>{''.join(body)}</tbody></table>")
    direction = ("higher PSNR / SSIM and lower MSE are better" if image else
                 "lower is better; the data are standardised, so there is no PSNR")
    extra = ""
    if "nl_means" in baselines or "tv" in baselines or "wavelet" in baselines:
        extra = (" Classical denoisers had their parameter tuned on held-out validation "
                 "images with the same noise.")
    if metrics.get("metric_space"):
        extra += f" Scores are computed on the {escape(str(metrics['metric_space']))}."
    pca = baselines.get("pca", {})
    pca_txt = (f" PCA keeps {pca['components']} components (as many numbers as the code), "
               f"fitted on the training split." if "components" in pca else "")
    seconds = f" Evaluation took {metrics['seconds']:.1f} s." if finite(
        metrics.get("seconds")) else ""
    sec.body.append(f"<p class=muted>Averages over {n} {escape(metrics.get('split', 'test'))} "
                    f"samples; {direction}.{pca_txt}{extra}{seconds}</p>")
    return sec


def _verdict(metrics: dict[str, Any]) -> str:
    """The one-sentence comparison with the best baseline (and the noisy input)."""
    own = metrics["metrics"]
    baselines = metrics.get("baselines") or {}
    best = metrics.get("best_baseline")
    if best not in baselines:
        return "No baselines were computed for this run."
    short = escape(_BASELINE_NAMES.get(best, best))
    out: list[str] = []
    if "psnr" in own:
        gain = metrics.get("gain_db")
        if not finite(gain):
            gain = float(own["psnr"]) - float(baselines[best]["psnr"])
        if gain >= 0:
            out.append(f"This model <b>beats the best baseline ({short}) by {gain:.1f} dB "
                       f"PSNR</b> ({own['psnr']:.2f} vs {baselines[best]['psnr']:.2f} dB).")
        else:
            out.append(f"This model <b>falls short of the best baseline ({short}) by "
                       f"{-gain:.1f} dB PSNR</b> ({own['psnr']:.2f} vs "
                       f"{baselines[best]['psnr']:.2f} dB).")
        inp = metrics.get("input")
        if isinstance(inp, dict) and finite(inp.get("psnr")):
            d = float(own["psnr"]) - float(inp["psnr"])
            word = "improves on" if d >= 0 else "is worse than"
            out.append(f"Denoising {word} the noisy input by {abs(d):.1f} dB.")
    else:
        ratio = metrics.get("mse_ratio")
        if not finite(ratio):
            ratio = float(own["mse"]) / max(float(baselines[best]["mse"]), 1e-12)
        if ratio <= 1:
            out.append(f"This model <b>beats the best baseline ({short})</b>: its test MSE is "
                       f"{(1 - ratio) * 100:.0f}% lower (ratio {ratio:.3g}).")
        else:
            out.append(f"This model <b>falls short of the best baseline ({short})</b>: its "
                       f"test MSE is {ratio:.3g}× the baseline's.")
    return " ".join(out)


def _loss_section(history: list[dict[str, float]], note: str | None, fig_dir: Path) -> Section:
    from aekit.report.figures import loss_curves, loss_terms

    sec = Section("losses", "Loss curves")
    if not history:
        sec.body.append(f"<p class=note>{escape(note or 'no history')}</p>")
        return sec
    png = loss_curves(history, fig_dir / "loss_curves.png")
    terms = loss_terms(history)
    caption = "Training (solid) and validation (dashed) loss per epoch"
    if terms:
        caption += f"; right: the individual terms ({', '.join(terms)})"
    caption += ". A panel switches to a log scale when its values span more than a decade."
    sec.body.append(figure(png, caption, "loss curves"))
    return sec


def _data_sections(loaded: LoadedRun, fig_dir: Path) -> list[Section]:
    """Reconstructions, latent map and latent plane (or the per-feature table)."""
    from aekit.data.splits import make_splits

    cfg = loaded.config
    if "embed" not in loaded.model.capabilities:
        return []  # a GAN neither reconstructs nor encodes
    image = len(loaded.input_shape) == 3
    recon = Section("reconstructions", "Reconstructions" if cfg.task.name != "denoise"
                     else "Denoising examples")
    if not image:
        recon.title = "Per-feature reconstruction error"
    latent = Section("latent", "Latent map")
    out = [recon, latent]
    try:
        splits = make_splits(cfg.data, cfg.train.seed)
    except AekitError as exc:
        note = (f"<p class=note>The test data could not be loaded ({escape(str(exc))}), so this "
                f"figure is left out.</p>")
        recon.body.append(note)
        latent.body.append(note)
        return out
    x_test = np.asarray(splits.x_test, dtype=np.float32)
    if tuple(x_test.shape[1:]) != loaded.input_shape or x_test.shape[0] == 0:
        note = (f"<p class=note>The test split of {escape(cfg.data.source)} now has samples of "
                f"shape {tuple(x_test.shape[1:])} (n={x_test.shape[0]}), but the model takes "
                f"{loaded.input_shape}; figures from the data are left out.</p>")
        recon.body.append(note)
        latent.body.append(note)
        return out
    y_test = splits.y_test
    classes = getattr(splits.dataset, "classes", None) or \
        (loaded.meta.get("data_info") or {}).get("classes")
    if image:
        recon.body += _reconstruction_body(loaded, x_test, y_test, classes, fig_dir)
    else:
        names = getattr(splits.dataset, "feature_names", None)
        recon.body += _feature_table(loaded, x_test, names)
    codes, map_body = _latent_map_body(loaded, x_test, y_test, classes, fig_dir)
    latent.body += map_body
    if codes is not None and codes.shape[1] == 2 and image \
            and "condition" not in loaded.model.capabilities:
        out.append(_latent_plane_section(loaded, codes, fig_dir))
    return out


def _reconstruction_body(loaded: LoadedRun, x_test: np.ndarray, y_test: np.ndarray | None,
                         classes: list[str] | None, fig_dir: Path) -> list[str]:
    from aekit.report.figures import image_rows
    from aekit.tasks.infer import corrupted_inputs, predict
    from aekit.tasks.pairs import build_task

    cfg = loaded.config
    idx = pick_samples(y_test, x_test.shape[0], N_SHOW)
    task = build_task(cfg.task)
    # Corrupt whole evaluation batches so the noise equals what `aekit evaluate` scored.
    upto = min(x_test.shape[0], -(-(int(idx.max()) + 1) // EVAL_BATCH) * EVAL_BATCH)
    inputs = corrupted_inputs(task, x_test[:upto], cfg.task.eval_seed, batch_size=EVAL_BATCH)
    inputs = np.asarray(inputs[idx], dtype=np.float32)
    x_hat, _ = predict(loaded.model, inputs,
                       y=None if y_test is None else np.asarray(y_test)[idx])
    clean = x_test[idx]
    titles = None
    if y_test is not None:
        titles = [class_name(int(y_test[i]), classes) for i in idx]
    if task.corrupts:
        rows = [("noisy", inputs), ("denoised", x_hat), ("clean", clean)]
        caption = (f"Test samples with the evaluation noise <code>{escape(cfg.task.noise)}</code>: "
                   f"noisy input (top), the model's output (middle) and the clean image "
                   f"(bottom).")
    else:
        rows = [("original", clean), ("reconstruction", x_hat)]
        caption = "Test samples (top) and the model's reconstructions (bottom)."
    how = ("the first test sample of each class, then the next ones in turn"
           if y_test is not None else f"the first {len(idx)} test samples")
    png = image_rows(rows, fig_dir / "reconstructions.png", titles)
    return [figure(png, f"{caption} Samples: {how} (test indices "
                         f"{', '.join(str(int(i)) for i in idx)}).", "reconstructions")]


def _feature_table(loaded: LoadedRun, x_test: np.ndarray, names: list[str] | None
                   ) -> list[str]:
    from aekit.tasks.infer import corrupted_inputs, predict
    from aekit.tasks.pairs import build_task

    cfg = loaded.config
    x = x_test[:N_VECTOR]
    inputs = corrupted_inputs(build_task(cfg.task), x, cfg.task.eval_seed,
                              batch_size=EVAL_BATCH)
    x_hat, _ = predict(loaded.model, np.asarray(inputs, dtype=np.float32))
    flat, pred = x.reshape(x.shape[0], -1), x_hat.reshape(x.shape[0], -1)
    mse = ((pred.astype(np.float64) - flat) ** 2).mean(0)
    var = flat.astype(np.float64).var(0)
    k = min(N_FEATURES, flat.shape[1])
    body = []
    for j in range(k):
        name = names[j] if names is not None and j < len(names) else f"feature {j}"
        rel = f"{mse[j] / var[j]:.3g}" if var[j] > 0 else "—"
        body.append(f"<tr><td>{escape(str(name))}</td><td class=num>{mse[j]:.4g}</td>"
                    f"<td class=num>{var[j]:.4g}</td><td class=num>{rel}</td></tr>")
    table = ("<table class=metrics><thead><tr><th>feature</th><th>MSE</th>"
             "<th>variance</th><th>MSE / variance</th></tr></thead>"
             f"<tbody>{''.join(body)}</tbody></table>")
    more = f" (first {k} of {flat.shape[1]} features)" if flat.shape[1] > k else ""
    return [f"<p>Reconstruction MSE per feature on {x.shape[0]} test samples{more}. "
            f"MSE / variance below 1 means the model does better than predicting each "
            f"feature's mean.</p>", table]


def _latent_map_body(loaded: LoadedRun, x_test: np.ndarray, y_test: np.ndarray | None,
                     classes: list[str] | None, fig_dir: Path
                     ) -> tuple[np.ndarray | None, list[str]]:
    from aekit.report.figures import latent_map
    from aekit.tasks.infer import encode

    n = min(N_MAP, x_test.shape[0])
    codes = encode(loaded.model, x_test[:n]).astype(np.float64)  # (n, d)
    d = codes.shape[1]
    labels = None if y_test is None else np.asarray(y_test[:n]).astype(np.int64)
    coloured = ("coloured by class" if labels is not None else
                "(the data have no labels, so one colour)")
    if d == 2:
        points, how = codes, "the two code numbers themselves"
        xlabel, ylabel = "z₁", "z₂"
    elif d > 2 and n >= 2:
        from sklearn.decomposition import PCA

        pca = PCA(n_components=2, random_state=0)
        points = pca.fit_transform(codes)
        share = float(np.nansum(pca.explained_variance_ratio_)) * 100
        how = (f"a PCA projection of the {d}-number codes to 2-D (the two components "
               f"explain {share:.0f}% of the codes' variance)")
        xlabel, ylabel = "PC 1", "PC 2"
    else:
        return codes, [f"<p class=note>The code has {d} number(s) for {n} sample(s); there is "
                       f"no 2-D map to draw.</p>"]
    png = latent_map(points, labels, classes, fig_dir / "latent_map.png", xlabel, ylabel)
    caption = (f"Codes of the first {n} test samples, {coloured}; axes: {how}.")
    return codes, [figure(png, caption, "latent map")]


def _latent_plane_section(loaded: LoadedRun, codes: np.ndarray, fig_dir: Path) -> Section:
    from aekit.report.figures import latent_plane
    from aekit.tasks.infer import decode

    lo = np.percentile(codes, 1, axis=0)
    hi = np.percentile(codes, 99, axis=0)
    hi = np.where(hi > lo, hi, lo + 1e-3)
    xs = np.linspace(lo[0], hi[0], PLANE)
    ys = np.linspace(hi[1], lo[1], PLANE)  # top row = largest z₂
    grid = np.array([[x, y] for y in ys for x in xs], dtype=np.float32)  # (PLANE², 2)
    images = decode(loaded.model, grid)
    images = np.asarray(images, dtype=np.float32).reshape(PLANE * PLANE, *loaded.input_shape)
    half = (hi - lo) / (2 * (PLANE - 1))  # tiles are centred on their grid codes
    extent = (float(lo[0] - half[0]), float(hi[0] + half[0]),
              float(lo[1] - half[1]), float(hi[1] + half[1]))
    png = latent_plane(images, PLANE, extent, fig_dir / "latent_plane.png")
    caption = (f"The decoder's outputs on a {PLANE}×{PLANE} grid of codes spanning the "
               f"1st–99th percentile of the test codes: z₁ from {lo[0]:.3g} to {hi[0]:.3g}, "
               f"z₂ from {lo[1]:.3g} to {hi[1]:.3g}.")
    return Section("plane", "Latent plane", [figure(png, caption, "latent plane")])


# -- helpers --------------------------------------------------------------------------

def pick_samples(labels: np.ndarray | None, n: int, k: int = N_SHOW) -> np.ndarray:
    """Deterministic test indices to show: round-robin over classes, else the first ``k``.

    With labels, the first sample of each class (in class order), then the second of
    each class, and so on until ``k`` are chosen (at most one per class when there are
    at least ``k`` classes).
    """
    k = min(k, n)
    if labels is None:
        return np.arange(k)
    labels = np.asarray(labels)[:n]
    per_class = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    chosen: list[int] = []
    depth = 0
    while len(chosen) < k:
        added = False
        for members in per_class:
            if depth < members.size and len(chosen) < k:
                chosen.append(int(members[depth]))
                added = True
        if not added:
            break
        depth += 1
    return np.array(chosen, dtype=np.int64)


def _preset_name(cfg: Any) -> str:
    return str(cfg.model.preset or cfg.model.name)




def _baseline_label(name: str, vals: dict[str, Any]) -> str:
    label = _BASELINE_NAMES.get(name, name)
    if "components" in vals:
        return f"{label} ({vals['components']} components)"
    param = vals.get("param")
    if isinstance(param, dict) and param:
        parts = [f"{k} = {v:g}" if isinstance(v, float) else f"{k} = {v}"
                 for k, v in param.items()]
        return f"{label} ({', '.join(parts)})"
    return label






def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    m, s = divmod(int(round(seconds)), 60)
    if m < 60:
        return f"{m} min {s:02d} s"
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min"
