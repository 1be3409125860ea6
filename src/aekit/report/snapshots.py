"""The "Samples during training" section: the per-epoch snapshots as an animated strip.

Training a generative image model writes ``figures/samples_epoch_NNN.png`` — the same
seeded prior draws decoded after every epoch (:mod:`aekit.engine.snapshots`). This
section turns them into one animated PNG (``figures/samples_epochs.png``, each frame
labelled with its epoch, at most :data:`MAX_FRAMES` frames spread over the run, the
last epoch always included) and a still strip of a few epochs for print.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from aekit.capabilities import Capability
from aekit.report.page import Section, escape, figure
from aekit.report.registry import ReportContext, section

MAX_FRAMES = 30
FRAME_SIDE = 448  # pixels: frames are shrunk to at most this (the page embeds them)
STILLS = 5  # epochs in the still strip
_NAME = re.compile(r"samples_epoch_(\d{3,})\.png$")


def snapshot_files(fig_dir: Path) -> list[tuple[int, Path]]:
    """``(epoch, path)`` of every snapshot in ``fig_dir``, in epoch order."""
    if not fig_dir.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in fig_dir.iterdir() if (m := _NAME.match(p.name))]
    return sorted(found)


def spread(items: list, k: int) -> list:
    """At most ``k`` of ``items``, evenly spread, the first and the last included."""
    if len(items) <= k:
        return list(items)
    idx = sorted({round(i * (len(items) - 1) / (k - 1)) for i in range(k)})
    return [items[i] for i in idx]


def _frame(path: Path, epoch: int, total: int, side: int):  # PIL.Image.Image
    from PIL import Image, ImageDraw, ImageFont

    with Image.open(path) as im:
        img = im.convert("RGB")
    if max(img.size) > side:  # whole-pixel-friendly shrink of an enlarged grid
        f = max(img.size) / side
        img = img.resize((round(img.width / f), round(img.height / f)), Image.Resampling.BOX)
    out = Image.new("RGB", (img.width, img.height + 22), "white")
    out.paste(img, (0, 22))
    ImageDraw.Draw(out).text((2, 3), f"epoch {epoch}/{total}", fill=(40, 40, 40),
                             font=ImageFont.load_default(size=14))
    return out


def animation(files: list[tuple[int, Path]], out: Path) -> bytes:
    """An animated PNG of the snapshots (0.5 s a frame, 2 s on the last; loops)."""
    frames = spread(files, MAX_FRAMES)
    total = files[-1][0]
    images = [_frame(p, e, total, FRAME_SIDE) for e, p in frames]
    buf = io.BytesIO()
    durations = [500] * (len(images) - 1) + [2000]
    images[0].save(buf, format="PNG", save_all=True, append_images=images[1:],
                   duration=durations, loop=0)
    data = buf.getvalue()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return data


def stills(files: list[tuple[int, Path]], out: Path) -> bytes:
    """A row of :data:`STILLS` snapshots spread over the run, side by side."""
    from PIL import Image

    picked = spread(files, STILLS)
    total = files[-1][0]
    side = max(96, 1016 // len(picked) - 8)
    images = [_frame(p, e, total, side) for e, p in picked]
    width = sum(im.width for im in images) + 8 * (len(images) - 1)
    strip = Image.new("RGB", (width, max(im.height for im in images)), "white")
    x = 0
    for im in images:
        strip.paste(im, (x, 0))
        x += im.width + 8
    buf = io.BytesIO()
    strip.save(buf, format="PNG", optimize=True)
    data = buf.getvalue()
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    return data


@section(order=115, requires={Capability.GENERATE}, when=lambda ctx: ctx.image)
def snapshots(ctx: ReportContext) -> Section | None:
    """The fixed draws through training; left out for runs without snapshots (trained
    before aekit wrote them)."""
    files = snapshot_files(ctx.fig_dir)
    if not files:
        return None
    sec = Section("snapshots", "Samples during training")
    seed = ctx.loaded.config.task.eval_seed
    anim = animation(files, ctx.fig_dir / "samples_epochs.png")
    sec.body.append(figure(anim, f"The same prior draws (seed {seed}) decoded after each of "
                                 f"{len(files)} epochs, animated ({min(len(files), MAX_FRAMES)} "
                                 f"frames; files <code>figures/samples_epoch_NNN.png</code>).",
                           "samples after each epoch, animated"))
    if len(files) > 1:
        still = stills(files, ctx.fig_dir / "samples_epochs_strip.png")
        sec.body.append(figure(still, escape("The same draws at a few epochs, for print."),
                               "samples at a few epochs"))
    return sec
