"""Report sections for restoration runs (super-resolution and denoising of photos).

Side-by-side crops (low-res / bicubic / this model / truth, or noisy / best classical
baseline / this model / clean) read from ``restoration_crops.npz``, which ``aekit
evaluate`` writes, and the per-image scores from ``metrics.json``.
"""

from __future__ import annotations

import zipfile

import numpy as np

from aekit.capabilities import Capability
from aekit.report.page import Section, escape, figure, fmt
from aekit.report.registry import ReportContext, section


@section(order=70, requires={Capability.ANY_SIZE}, when=lambda ctx: ctx.restores)
def restoration(ctx: ReportContext) -> Section | None:
    """The crops figure and the per-photo score table of a restoration run.

    Left out when the run was neither evaluated nor has crops (nothing to show yet;
    the metrics section already says to run ``aekit evaluate``).
    """
    from aekit.evaluate.restoration import CROPS, load_crops
    from aekit.report.figures import pixel_rows

    loaded, metrics, fig_dir = ctx.loaded, ctx.metrics, ctx.fig_dir
    sec = Section("restoration", "Restoration examples")
    try:
        crops = load_crops(loaded.path / CROPS)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        sec.body.append(f"<p class=note>{CROPS} could not be read ({escape(str(exc))}); run "
                        f"<code>aekit evaluate {escape(str(loaded.path))}</code> again.</p>")
        return sec
    if crops is None:
        if metrics is None:
            return None
        sec.body.append(f"<p class=note>No {CROPS} in this run; run <code>aekit evaluate "
                        f"{escape(str(loaded.path))}</code> to make it.</p>")
    else:
        rows, names = crops
        labels = [label for label, _ in rows]
        per_image = [(name, np.stack([arr[i] for _, arr in rows])) for i, name in
                     enumerate(names)]
        png = pixel_rows(per_image, fig_dir / "restoration.png", labels)
        side = rows[0][1].shape[-1]
        scale = (metrics or {}).get("scale")
        how = (f"the low-res input is shown enlarged ×{scale} by pixel repetition"
               if scale else "all panels share one noise draw, the one evaluation scored")
        sec.body.append(figure(
            png, f"One {side}×{side} crop per test photo: {', '.join(escape(x) for x in labels)}, "
                 f"enlarged to the page's width by whole pixels (no smoothing). "
                 f"Each crop is the window with the most detail in the truth (largest mean "
                 f"gradient), not the one where this model looks best; {how}.",
            "restoration crops"))
    images = (metrics or {}).get("images") or []
    if images:
        sr = "bicubic_psnr" in images[0]
        ref = "bicubic" if sr else "noisy input"
        key = "bicubic_psnr" if sr else "noisy_psnr"
        head = (f"<tr><th>photo</th><th>PSNR (dB)</th><th>SSIM</th><th>{ref} PSNR</th>"
                f"<th>gain (dB)</th></tr>")
        body = "".join(
            f"<tr><td>{escape(str(r['name']))}</td><td class=num>{fmt(r['psnr'], '{:.2f}')}</td>"
            f"<td class=num>{fmt(r['ssim'], '{:.4f}')}</td>"
            f"<td class=num>{fmt(r[key], '{:.2f}')}</td>"
            f"<td class=num>{fmt(r['psnr'] - r[key], '{:+.2f}')}</td></tr>" for r in images)
        space = (metrics or {}).get("metric_space", "")
        sec.body.append(f"<table class=metrics><thead>{head}</thead><tbody>{body}</tbody>"
                        f"</table><p class=muted>Per test photo; {escape(space)}.</p>")
    return sec
