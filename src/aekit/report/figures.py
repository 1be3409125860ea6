"""Figures for the run report, drawn with matplotlib's Agg backend from plain arrays.

Every function takes NumPy arrays (never a model or a run directory), draws one figure,
writes it atomically to ``path`` as PNG and returns the PNG bytes, so the HTML report
can embed exactly the file it wrote. matplotlib is imported lazily inside functions.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from aekit.data.images import mosaic

DPI = 100
_SINGLE_COLOUR = "#3b6ea8"


def _pyplot() -> Any:
    """matplotlib.pyplot on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend, for report modules that draw their own."""
    return _pyplot()


def save_figure(fig: Any, path: Path) -> bytes:
    """Render ``fig`` to PNG, write it to ``path`` atomically, close it; return the bytes."""
    plt = _pyplot()
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", facecolor="white")
    finally:
        plt.close(fig)
    return _write_png(buf.getvalue(), path)


def _write_png(data: bytes, path: Path) -> bytes:
    """Write PNG ``data`` to ``path`` atomically; return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return data


def to_display(img: np.ndarray) -> np.ndarray:
    """(c, h, w) image in [0, 1] → (h, w) for gray or (h, w, 3) for colour, clipped."""
    img = np.clip(np.asarray(img, dtype=np.float32), 0.0, 1.0)
    if img.ndim == 2:
        return img
    if img.shape[0] == 1:
        return img[0]
    if img.shape[0] >= 3:
        return np.transpose(img[:3], (1, 2, 0))
    return img.mean(0)  # 2 channels: show their mean as gray


READABLE_SIDE = 112  # pixels: image verbs enlarge small images to at least this


def auto_zoom(h: int, w: int, zoom: int | None = None) -> int:
    """The whole-number enlargement image verbs write with: ``zoom`` when given (1 =
    the model's own size), else the smallest that makes the shorter side ≥ 112 pixels
    (28×28 digits: 4×; photos: 1×)."""
    if zoom is not None:
        if not 1 <= zoom <= 64:
            from aekit.errors import ConfigError

            raise ConfigError(f"--zoom must be 1…64; got {zoom}")
        return int(zoom)
    return max(1, -(-READABLE_SIDE // max(1, min(h, w))))


def _spans_decades(values: Sequence[float]) -> bool:
    """True when all finite values are positive and max/min exceeds 10 (use a log axis)."""
    v = np.asarray([x for x in values if math.isfinite(x)], dtype=np.float64)
    return v.size > 1 and bool((v > 0).all()) and bool(v.max() / v.min() > 10.0)


def loss_terms(history: list[dict[str, float]]) -> list[str]:
    """Names of the loss terms besides the total (``train_X`` / ``val_X`` columns).

    A lone ``recon`` term equal to the total (no regularisers) is not worth a panel.
    """
    keys = {k for r in history for k in r}
    terms = sorted({k.split("_", 1)[1] for k in keys
                    if k.startswith(("train_", "val_")) and k not in ("train_loss", "val_loss")})
    if terms == ["recon"]:
        same = all(math.isclose(r.get(f"{s}_recon", math.nan), r.get(f"{s}_loss", math.nan),
                                rel_tol=1e-4, abs_tol=1e-9)
                   for r in history for s in ("train", "val")
                   if math.isfinite(r.get(f"{s}_recon", math.nan)))
        if same:
            return []
    return terms


def loss_curves(history: list[dict[str, float]], path: Path) -> bytes:
    """train/val loss per epoch; other ``train_*``/``val_*`` terms in a second panel.

    A panel uses a log y-axis when its (positive) values span more than one decade.
    """
    plt = _pyplot()
    epochs = [r.get("epoch", i + 1) for i, r in enumerate(history)]
    keys = sorted({k for r in history for k in r})
    terms = loss_terms(history)
    panels: list[tuple[str, list[str]]] = [("loss", ["loss"])]
    if terms:
        panels.append(("loss terms", terms))
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.6), squeeze=False)
    palette = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, (title, names) in zip(axes[0], panels, strict=True):
        plotted: list[float] = []
        for j, name in enumerate(names):
            colour = palette[j % len(palette)]
            for split, style in (("train", "-"), ("val", "--")):
                key = f"{split}_{name}"
                if key not in keys:
                    continue
                ys = [r.get(key, float("nan")) for r in history]
                if not any(math.isfinite(y) for y in ys):
                    continue
                label = f"{split} {name}" if title != "loss" else split
                ax.plot(epochs, ys, style, color=colour if title != "loss" else None,
                        marker="o" if len(epochs) <= 30 else None, markersize=3, label=label)
                plotted += ys
        if plotted and _spans_decades(plotted):
            ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel(title)
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        if len(epochs) <= 20:
            ax.set_xticks(epochs)
        if plotted:
            ax.legend(fontsize=8, frameon=False)
    fig.tight_layout()
    return save_figure(fig, path)


CONTENT_WIDTH = 1016  # pixels: the report page's content width (report.page: 1080 − 2×32)


def pixel_rows(rows: list[tuple[str, np.ndarray]], path: Path, column_titles: Sequence[str],
               width: int = CONTENT_WIDTH, gutter: int = 8) -> bytes:
    """Rows of images side by side, each enlarged by the largest whole number that fits
    the row into ``width`` pixels, every pixel a block (no smoothing) — restoration
    crops, where the difference between panels is a few pixels' worth of detail, drawn
    as large as the page allows and exactly as the model produced them.

    ``rows``: ``(label, images (n, c, h, w))``, one per photo, ``n`` = the number of
    ``column_titles``; the label is written above its row and the titles above the
    first. Drawn with Pillow rather than matplotlib, whose resampling is not
    pixel-exact. Returns the PNG bytes written to ``path``.
    """
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=14)
    line = 20
    blocks = []
    for label, imgs in rows:
        n = imgs.shape[0]
        h, w = (max(im.shape[-2] for im in imgs), max(im.shape[-1] for im in imgs))
        zoom = max(1, min(8, (width - gutter * (n - 1)) // (n * w)))
        panels = []
        for im in imgs:
            arr = (to_display(im) * 255.0 + 0.5).astype(np.uint8)
            pic = Image.fromarray(arr, "L" if arr.ndim == 2 else "RGB").convert("RGB")
            panels.append(pic.resize((pic.width * zoom, pic.height * zoom), Image.NEAREST))
        blocks.append((label, panels, h * zoom, w * zoom))
    full = max(len(p) * bw + gutter * (len(p) - 1) for _, p, _, bw in blocks)
    height = line + 6 + sum(line + bh + gutter for _, _, bh, _ in blocks)
    canvas = Image.new("RGB", (full, height), "white")
    draw = ImageDraw.Draw(canvas)
    _, _, _, first_w = blocks[0]
    for c, title in enumerate(column_titles):
        draw.text((c * (first_w + gutter), 2), str(title), fill=(40, 40, 40), font=font)
    y = line + 6
    for label, panels, bh, bw in blocks:
        draw.text((0, y + 2), str(label), fill=(90, 100, 110), font=font)
        y += line
        for c, pic in enumerate(panels):
            x = c * (bw + gutter) + (bw - pic.width) // 2
            canvas.paste(pic, (x, y + (bh - pic.height) // 2))
        y += bh + gutter
    buf = io.BytesIO()
    canvas.save(buf, format="PNG", optimize=True)
    return _write_png(buf.getvalue(), path)


def image_rows(rows: list[tuple[str, np.ndarray]], path: Path,
               column_titles: Sequence[str] | None = None) -> bytes:
    """A grid with one row per ``(label, images (n, c, h, w))`` pair, n columns each."""
    plt = _pyplot()
    n = rows[0][1].shape[0]
    h, w = rows[0][1].shape[-2:]
    cell = 1.0 if max(h, w) <= 64 else 1.6
    fig, axes = plt.subplots(len(rows), n, figsize=(cell * n + 1.0, cell * len(rows) + 0.4),
                             squeeze=False)
    for r, (label, imgs) in enumerate(rows):
        for c in range(n):
            ax = axes[r][c]
            img = to_display(imgs[c])
            ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0.0, vmax=1.0,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            for s in ax.spines.values():
                s.set_visible(False)
            if r == 0 and column_titles is not None:
                ax.set_title(column_titles[c], fontsize=8)
        axes[r][0].set_ylabel(label, fontsize=10, rotation=0, ha="right", va="center")
    fig.subplots_adjust(wspace=0.05, hspace=0.08)
    return save_figure(fig, path)


def latent_map(points: np.ndarray, labels: np.ndarray | None, classes: Sequence[str] | None,
               path: Path, xlabel: str, ylabel: str) -> bytes:
    """Scatter of 2-D ``points`` (n, 2), coloured by integer ``labels`` with a class legend."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 5.6))
    size = 6 if points.shape[0] > 500 else 14
    if labels is None:
        ax.scatter(points[:, 0], points[:, 1], s=size, c=_SINGLE_COLOUR, alpha=0.6,
                   linewidths=0)
    else:
        values = np.unique(labels)
        cmap = plt.get_cmap("tab10" if values.size <= 10 else "tab20")
        if values.size <= 20:
            for i, v in enumerate(values):
                sel = labels == v
                name = classes[int(v)] if classes is not None and 0 <= v < len(classes) else str(v)
                ax.scatter(points[sel, 0], points[sel, 1], s=size, color=cmap(i % cmap.N),
                           alpha=0.7, linewidths=0, label=name)
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False,
                      markerscale=2.5 if size < 10 else 1.5, fontsize=9)
        else:  # too many classes for a legend: a colour bar of label indices
            sc = ax.scatter(points[:, 0], points[:, 1], s=size, c=labels, cmap="viridis",
                            alpha=0.7, linewidths=0)
            fig.colorbar(sc, ax=ax, label="class index")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.25)
    fig.tight_layout()
    return save_figure(fig, path)


def latent_plane(images: np.ndarray, grid: int, extent: tuple[float, float, float, float],
                 path: Path) -> bytes:
    """Decoded images on a ``grid``×``grid`` lattice of 2-D codes as one mosaic.

    ``images`` is (grid², c, h, w) in row-major order with the *top* row holding the
    largest second coordinate; ``extent`` is (z1_min, z1_max, z2_min, z2_max).
    """
    plt = _pyplot()
    tile = to_display(mosaic(images, grid, grid))
    fig, ax = plt.subplots(figsize=(7.0, 7.0))
    ax.imshow(tile, cmap="gray" if tile.ndim == 2 else None, vmin=0.0, vmax=1.0,
              extent=extent, aspect="auto", interpolation="nearest")
    ax.set_xlabel("z₁")
    ax.set_ylabel("z₂")
    fig.tight_layout()
    return save_figure(fig, path)


def rate_distortion_plot(curves: Sequence[tuple[str, Sequence[float], Sequence[float],
                                                Sequence[str]]],
                         points: Sequence[tuple[str, float, float]], path: Path) -> bytes:
    """PSNR against bits per pixel: each curve ``(label, bpp, psnr, point labels)`` as a
    line through its points (e.g. JPEG at each quality, the point labels its qualities),
    each point ``(label, bpp, psnr)`` as a marker of its own (an autoencoder's code).
    The bpp axis is logarithmic when the values span more than a decade."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    styles = ["-o", "--s", ":^"]
    bpps: list[float] = []
    for j, (label, xs, ys, names) in enumerate(curves):
        ax.plot(xs, ys, styles[j % len(styles)], markersize=4, label=label,
                color="#555555" if j else _SINGLE_COLOUR)
        if j == 0:
            for x, y, name in zip(xs, ys, names, strict=True):
                ax.annotate(name, (x, y), textcoords="offset points", xytext=(4, -10),
                            fontsize=7, color="#555555")
        bpps += list(xs)
    markers = ["*", "D", "P", "X"]
    palette = ["#c0392b", "#27ae60", "#8e44ad", "#d35400"]
    for j, (label, x, y) in enumerate(points):
        ax.plot([x], [y], markers[j % len(markers)], markersize=11 if j == 0 else 8,
                color=palette[j % len(palette)], label=label, linestyle="none")
        bpps.append(x)
    if _spans_decades(bpps):
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("bits per pixel")
    ax.set_ylabel("PSNR (dB)")
    ax.grid(True, alpha=0.3, which="both")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    fig.tight_layout()
    return save_figure(fig, path)
