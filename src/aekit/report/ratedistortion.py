"""The rate–distortion section of a compression run: the code's bits against JPEG's.

Reads ``metrics.json["rate_distortion"]`` as ``aekit evaluate`` wrote it for a run that
reconstructs images through a code (:func:`aekit.evaluate.baselines.rate_distortion`):
JPEG's PSNR / SSIM at several qualities against bits per pixel, and the model's own
point(s) — its float32 code, that code quantised to 8 bits per number, or a discrete
code's own bits (VQ-VAE). A plot and a table, and one sentence placing the model on
JPEG's curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aekit.capabilities import Capability
from aekit.report.page import Section, escape, figure, finite, fmt
from aekit.report.registry import ReportContext, section


def _rate_distortion(ctx: ReportContext) -> dict[str, Any] | None:
    rd = (ctx.metrics or {}).get("rate_distortion")
    if isinstance(rd, dict) and isinstance(rd.get("jpeg"), list) and rd["jpeg"] \
            and isinstance(rd.get("model"), dict):
        return rd
    return None


def model_points(model: dict[str, Any]) -> list[tuple[str, float, float, float | None]]:
    """``(label, bpp, psnr, ssim)`` of each of the model's points that has a score."""
    if finite(model.get("bpp")):  # a discrete code: its own bits
        bits = model.get("code_bits_per_number")
        what = f"{bits:g} bits per number" if finite(bits) else "its own bits"
        rows = [(f"this model ({what})", model["bpp"], model.get("psnr"), model.get("ssim"))]
    else:
        rows = [("this model, code quantised to 8 bits", model.get("bpp_8bit"),
                 model.get("psnr_8bit"), model.get("ssim_8bit")),
                ("this model, float32 code", model.get("bpp_float32"),
                 model.get("psnr_float32"), model.get("ssim_float32"))]
    return [(label, float(b), float(p), float(s) if finite(s) else None)
            for label, b, p, s in rows if finite(b) and finite(p)]


def psnr_at(bpp: float, xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """PSNR of a curve at rate ``bpp`` by linear interpolation between its points, or
    None outside the rates the curve spans."""
    pts = sorted(zip(xs, ys, strict=True))
    for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
        if x0 <= bpp <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (bpp - x0) / (x1 - x0)
    return None


def _against(label: str, bpp: float, psnr: float, xs: list[float], ys: list[float],
             qualities: list[int]) -> str:
    """One clause placing (bpp, psnr) against one JPEG curve."""
    at = psnr_at(bpp, xs, ys)
    if at is not None:
        d = psnr - at
        return (f"JPEG {label} reaches {at:.2f} dB at the same rate ({d:+.2f} dB for the "
                f"model)")
    lo = min(range(len(xs)), key=lambda i: xs[i])
    if bpp < xs[lo]:
        return (f"JPEG {label} cannot go that low: its smallest (quality {qualities[lo]}) "
                f"costs {xs[lo]:.2f} bpp, {xs[lo] / bpp:.1f}× as much, for {ys[lo]:.2f} dB")
    hi = max(range(len(xs)), key=lambda i: xs[i])
    return (f"JPEG {label} needs only {xs[hi]:.2f} bpp at quality {qualities[hi]} for "
            f"{ys[hi]:.2f} dB")


@section(order=25, requires={Capability.EMBED},
         when=lambda ctx: _rate_distortion(ctx) is not None)
def rate_distortion(ctx: ReportContext) -> Section | None:
    """PSNR against bits per pixel: JPEG's curve and the model's code, plot and table."""
    from aekit.report.figures import rate_distortion_plot

    rd = _rate_distortion(ctx)
    if rd is None:
        return None
    jpeg = [p for p in rd["jpeg"] if finite(p.get("bpp")) and finite(p.get("psnr"))]
    points = model_points(rd["model"])
    if not jpeg:
        return None
    sec = Section("rate-distortion", "Rate–distortion: the code against JPEG")
    q = [int(p["quality"]) for p in jpeg]
    files = ([p["bpp"] for p in jpeg], [p["psnr"] for p in jpeg])
    scans = [p for p in jpeg if finite(p.get("bpp_scan"))]
    curves: list[tuple[str, Sequence[float], Sequence[float], Sequence[str]]] = [
        ("JPEG, whole files", files[0], files[1], [f"q{v}" for v in q])]
    if len(scans) == len(jpeg):
        curves.append(("JPEG, coded data only (tables shared)", [p["bpp_scan"] for p in jpeg],
                       files[1], [f"q{v}" for v in q]))
    if points:
        label, bpp, psnr, _ = points[0]
        parts = [_against("as whole files", bpp, psnr, *files, q)]
        if len(curves) > 1:
            parts.append(_against("counting its coded data only", bpp, psnr,
                                  list(curves[1][1]), files[1], q))
        sec.body.append(f"<p class=lead>At <b>{bpp:.3f} bits per pixel</b> "
                        f"({escape(label.removeprefix('this model, '))}) this model reaches "
                        f"<b>{psnr:.2f} dB</b>; {escape('; '.join(parts))}.</p>")
    png = rate_distortion_plot(curves, [(lab, b, p) for lab, b, p, _ in points],
                               ctx.fig_dir / "rate_distortion.png")
    sec.body.append(figure(
        png, "PSNR against bits per pixel on the same test images: JPEG (Pillow) at each "
             "quality as whole files, and counting only the entropy-coded data (what an "
             "image costs when every image shares the tables, as in an abbreviated JPEG "
             "stream), next to this model's code.", "rate-distortion plot"))
    rows = [f"<tr><td>JPEG quality {p['quality']}</td><td class=num>{fmt(p['bpp'], '{:.3f}')}"
            f"</td><td class=num>{fmt(p.get('bpp_scan'), '{:.3f}')}</td>"
            f"<td class=num>{fmt(p['psnr'], '{:.2f}')}</td>"
            f"<td class=num>{fmt(p.get('ssim'), '{:.4f}')}</td></tr>" for p in jpeg]
    rows += [f"<tr class=model><td>{escape(lab[0].upper() + lab[1:])}</td>"
             f"<td class=num>{fmt(b, '{:.3f}')}</td><td class=num>—</td>"
             f"<td class=num>{fmt(p, '{:.2f}')}</td><td class=num>{fmt(s, '{:.4f}')}</td></tr>"
             for lab, b, p, s in points]
    sec.body.append("<table class=metrics><thead><tr><th></th><th>bpp (file)</th>"
                    "<th>bpp (coded data)</th><th>PSNR (dB)</th><th>SSIM</th></tr></thead>"
                    f"<tbody>{''.join(rows)}</tbody></table>")
    sec.body.append(f"<p class=muted>{escape(_how(rd))}</p>")
    return sec


def _how(rd: dict[str, Any]) -> str:
    """The footnote: which images, how bits were counted, how the code was quantised."""
    n, of = rd.get("n", "?"), rd.get("of", "?")
    which = (f"a seeded subset of {n:,} of the {of:,} test images (seed {rd['seed']})"
             if "seed" in rd and isinstance(n, int) and isinstance(of, int)
             else f"the {n} test images")
    px = rd.get("pixels_per_image")
    model = rd["model"]
    out = [f"On {which}; bits per pixel = bits / (height × width)"
           + (f" = bits / {px:,}" if isinstance(px, int) else "") + "."]
    out.append("JPEG: Pillow's encoder at each quality (baseline, standard tables, 4:2:0 "
               "chroma for colour), file bytes × 8, decoded and scored like the model.")
    if finite(model.get("bpp")):
        out.append(f"The model's code: {model.get('code_numbers', '?')} discrete numbers of "
                   f"{model.get('code_bits_per_number', '?')} bits each.")
    else:
        out.append(f"The model's code: {model.get('code_numbers', '?')} numbers, 32 bits each "
                   f"as float32, 8 bits each after uniform quantisation over each number's "
                   f"min–max range on the codes of {model.get('range_images', 'the')} "
                   f"training images (values outside clipped), dequantised and decoded.")
        if model.get("note_8bit"):
            out.append(str(model["note_8bit"]).capitalize() + ".")
    out.append("The code's bits are the numbers as stored, with no entropy coding (JPEG's "
               "include its Huffman coding): a coder for the code would lower its rate.")
    return " ".join(out)
