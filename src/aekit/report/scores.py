"""The test metrics section: this model against the reference baselines, and a verdict.

Reads ``metrics.json`` as ``aekit evaluate`` wrote it. Reconstruction quality is
reported as MSE / PSNR / SSIM (or MSE / MAE for standardised vector data), never as an
"accuracy".
"""

from __future__ import annotations

from typing import Any

from aekit.report.page import Section, escape, finite, fmt
from aekit.report.registry import ReportContext, section

_BASELINE_NAMES = {"pca": "PCA", "nl_means": "Non-local means", "tv": "Total variation",
                   "wavelet": "Wavelet shrinkage", "bilateral": "Bilateral filter",
                   "bicubic": "Bicubic upscaling", "bm3d": "BM3D"}


@section(order=20)
def scores(ctx: ReportContext) -> Section:
    """The test metrics of the model against every baseline, best row marked, a verdict.

    Every run gets it; before ``aekit evaluate`` it says how to produce the numbers,
    and for a model without an encoder (a GAN) it points to the sample quality instead.
    """
    metrics, note, path = ctx.metrics, ctx.metrics_note, ctx.loaded.path
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
    # say only what the table shows (a super-resolution table has no MSE column)
    shown = {k for k, _, _ in cols}
    higher = " / ".join(label for k, label in (("psnr", "PSNR"), ("ssim", "SSIM"))
                        if k in shown)
    lower = " and lower MSE" if "mse" in shown else ""
    verb = "is" if "/" not in higher and not lower else "are"
    direction = (f"higher {higher}{lower} {verb} better" if image else
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
    over = metrics.get("overcomplete")
    if isinstance(over, dict):
        pca_txt = (f" No PCA row: with {over['code_numbers']:,} numbers for "
                   f"{over['input_numbers']:,} inputs the code is overcomplete, and PCA with "
                   f"that many components returns its input unchanged.")
    left_out = metrics.get("baselines_left_out")
    if isinstance(left_out, dict):
        for name, why in left_out.items():
            extra += f" {escape(_BASELINE_NAMES.get(name, name))} is left out: {escape(str(why))}."
    sub = metrics.get("bm3d_subset")
    if isinstance(sub, dict) and finite(sub.get("psnr")) and isinstance(sub.get("model"), dict):
        n_sub = (sub.get("subset") or {}).get("n", "?")
        extra += (f" BM3D, too slow for every image, was scored on a seeded {n_sub} of them: "
                  f"{float(sub['psnr']):.2f} dB against this model's "
                  f"{float(sub['model']['psnr']):.2f} dB on the same images "
                  f"({float(sub['gain_db']):+.2f} dB).")
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
    over = metrics.get("overcomplete")
    if best not in baselines and isinstance(over, dict):
        return (f"The code is <b>overcomplete</b>: {over['code_numbers']:,} numbers for "
                f"{over['input_numbers']:,} input numbers, so the model can copy its input "
                f"and PCA at the code's size would be the identity — there is no compression "
                f"baseline to beat. Judge it by what it does with the code, not by this "
                f"score.")
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
