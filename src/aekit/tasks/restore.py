"""Whole-image restoration with fully convolutional models: tiling, colour, file verbs.

``restore(model, image)`` runs an ``any_size`` model (super-resolution or denoiser) on
one ``(c, h, w)`` image of any size. Large images are cut into tiles that overlap by the
model's receptive radius; each tile's border (which saw padding instead of neighbours)
is discarded, so the stitched result equals one pass over the whole image (tested) while
memory stays bounded by the tile size.

Colour (``aekit upscale``): a 1-channel model on an RGB photo upscales the luminance
only — the photo is converted to YCbCr (ITU-R BT.601, full range, as JPEG), Y goes
through the model, Cb and Cr are upscaled bicubically, and the result is converted back
(the SRCNN paper's protocol). A 3-channel model takes RGB directly; a grayscale photo
given to it is converted to RGB (three equal channels) and comes out as RGB.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from aekit.capabilities import Capability
from aekit.errors import ConfigError, DataError
from aekit.log import eta_text

if TYPE_CHECKING:
    from aekit.models.base import Autoencoder

DEFAULT_TILE = 256  # input pixels per tile side (before the overlap is added)
MIN_SIDE = 4  # smallest input side accepted (a 9×9 filter on fewer pixels is meaningless)


def min_side(model: Autoencoder) -> int:
    """The smallest height/width (input pixels) ``model`` accepts."""
    return max(MIN_SIDE, int(getattr(model, "size_multiple", 1)))


@torch.no_grad()
def restore(model: Autoencoder, image: np.ndarray, *, tile: int = DEFAULT_TILE) -> np.ndarray:
    """Run an ``any_size`` model on one image: (c, h, w) → (c, h·s, w·s), not clipped; or
    on a batch of images of one size: (b, c, h, w) → (b, c, h·s, w·s) (the server's
    dynamic batches).

    The image is padded (reflection) to a multiple of ``model.size_multiple`` and the
    padding cropped off the output. Tiles are ``tile`` input pixels a side plus an
    overlap of the receptive radius (rounded up to the size multiple), so tiles agree
    exactly with a single pass.
    """
    if Capability.ANY_SIZE not in model.capabilities:
        raise ConfigError("this model takes fixed-size inputs only; whole images need a fully "
                          "convolutional model (srcnn, espcn, edsr-s, dncnn, conv-full, …)")
    model.eval()
    dev = next(model.parameters()).device
    s, m = int(model.scale), int(model.size_multiple)
    single = image.ndim == 3
    batch = image[None] if single else image
    b, c, h, w = batch.shape
    x = torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32)).to(dev)  # (b, c, h, w)
    ph, pw = (-h) % m, (-w) % m
    if ph or pw:  # (b, c, h + ph, w + pw)
        x = torch.nn.functional.pad(x, (0, pw, 0, ph), mode="reflect" if min(h, w) > max(ph, pw)
                                    else "replicate")
    H, W = x.shape[-2:]
    tile = max(m, tile - tile % m)
    halo = math.ceil(model.receptive_radius / m) * m
    out = torch.empty(b, c, H * s, W * s)
    for top in range(0, H, tile):
        for left in range(0, W, tile):
            bot, right = min(top + tile, H), min(left + tile, W)
            t0, l0 = max(0, top - halo), max(0, left - halo)
            t1, l1 = min(H, bot + halo), min(W, right + halo)
            y = model(x[..., t0:t1, l0:l1])["x_hat"].float().cpu()  # (b, c, s·(t1−t0), …)
            out[..., top * s:bot * s, left * s:right * s] = \
                y[..., (top - t0) * s:(bot - t0) * s, (left - l0) * s:(right - l0) * s]
    out = out[..., : h * s, : w * s]
    return (out[0] if single else out).numpy()


# -- colour -------------------------------------------------------------------------------
def rgb_to_ycbcr(x: np.ndarray) -> np.ndarray:
    """(3, h, w) RGB in [0, 1] → YCbCr (BT.601 full range, JPEG): Y in [0, 1], Cb/Cr
    centred on 0.5. Y equals the luma aekit uses for grayscale (0.299 R + 0.587 G +
    0.114 B)."""
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]  # also (n, 3, h, w)
    y = 0.299 * r + 0.587 * g + 0.114 * b
    return np.stack([y, 0.5 + (b - y) * 0.564, 0.5 + (r - y) * 0.713], axis=-3
                    ).astype(np.float32)


def ycbcr_to_rgb(x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb_to_ycbcr` (not clipped)."""
    y, cb, cr = x[..., 0, :, :], x[..., 1, :, :] - 0.5, x[..., 2, :, :] - 0.5
    r = y + 1.403 * cr
    g = y - 0.344 * cb - 0.714 * cr
    b = y + 1.773 * cb
    return np.stack([r, g, b], axis=-3).astype(np.float32)


def upscale_image(model: Autoencoder, image: np.ndarray, *, tile: int = DEFAULT_TILE) -> np.ndarray:
    """Restore one (c, h, w) photo in [0, 1] (or a batch (b, c, h, w) of one size) with a
    fully convolutional model — upscaling or denoising —, clipped.

    Colour handling as in the module docstring.
    """
    from aekit.data.corruptions import bicubic_up

    single = image.ndim == 3
    batch = image[None] if single else image  # (b, c, h, w)
    c_model = model.input_shape[0]
    if c_model == 1 and batch.shape[1] == 3:
        ycc = rgb_to_ycbcr(batch)
        y = restore(model, ycc[:, :1], tile=tile)  # (b, 1, sh, sw)
        chroma = ycc[:, 1:]
        if model.scale > 1:
            chroma = bicubic_up(torch.from_numpy(chroma), model.scale).numpy()
        out = np.clip(ycbcr_to_rgb(np.concatenate([y, chroma], axis=1)), 0.0, 1.0)
    else:
        if c_model == 3 and batch.shape[1] == 1:
            batch = np.repeat(batch, 3, axis=1)
        out = np.clip(restore(model, batch, tile=tile), 0.0, 1.0)
    return out[0] if single else out


# -- file verbs ---------------------------------------------------------------------------
def check_output_names(images: list[str], out_dir: Path) -> list[str]:
    """Output names (= input names); refuses duplicates and writing into an input's folder."""
    names = [Path(p).name for p in images]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"several inputs are named {dupes[0]}; outputs keep input names, "
                          f"so run them in separate calls")
    for p in images:
        if Path(p).resolve().parent == out_dir.resolve():
            raise ConfigError(f"--out {out_dir} is the folder of the input {p}; choose another "
                              f"folder so inputs are not overwritten")
    return names


def check_files(paths: list[str], model: Autoencoder) -> list[tuple[int, int]]:
    """Check every file before any work — it exists, its header decodes, it is at least
    the model's smallest side — reading headers only; (width, height) of each."""
    from aekit.data.images import header_size

    need = min_side(model)
    sizes = []
    for p in paths:
        if not Path(p).is_file():
            raise DataError(f"{p}: no such file")
        w, h = header_size(p, str(p))  # the header only: no pixel is decoded here
        if min(w, h) < need:
            raise DataError(f"{p} is {w}×{h} pixels; this model needs at least {need}×{need}")
        sizes.append((w, h))
    return sizes


def read_checked(paths: list[str], model: Autoencoder, channels: int | None
                 ) -> Iterator[np.ndarray]:
    """Check every file first (:func:`check_files`), then decode them one at a time (as
    ``channels``, or as stored): memory holds one photo, not all of them."""
    from aekit.data.images import read_image

    check_files(paths, model)
    for p in paths:
        yield read_image(p, channels=channels)  # (c, h, w)


def write_all(out_dir: Path, named: Iterable[tuple[str, np.ndarray]],
              inputs: Sequence[str | Path] = (), names: Sequence[str] | None = None
              ) -> list[Path]:
    """Write images into a hidden staging folder inside ``out_dir``, then move them in
    place: an error part-way leaves no partial output behind. An output that would land
    on one of ``inputs`` (paths compared resolved, e.g. ``--out D`` with an input in
    ``D/noisy/``) is refused before anything is written.

    ``named`` may be a generator that computes each image as it is asked for (then give
    its ``names`` up front): each image is written to the stage as soon as it exists,
    so memory holds one result, whatever the number of images."""
    from aekit.data.images import write_image

    if names is None:
        named = list(named)
        names = [n for n, _ in named]
    protected = {Path(p).resolve(): p for p in inputs}
    for name in names:
        hit = protected.get((out_dir / name).resolve())
        if hit is not None:
            raise ConfigError(f"the output {out_dir / name} would overwrite the input {hit}; "
                              f"choose another --out")
    created = not out_dir.exists()
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".aekit-partial-", dir=out_dir))
    try:
        done = []
        for name, img in named:
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            write_image(stage / name, img)
            done.append(name)
        for name in done:
            if (out_dir / name).is_dir():
                raise DataError(f"{out_dir / name} is a directory; cannot write the output "
                                f"{name} there (choose another --out)")
        written = []
        for name in done:
            target = out_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            (stage / name).replace(target)
            written.append(target)
        return written
    except BaseException:
        if created:  # leave no empty output folder behind (this removes the stage too)
            shutil.rmtree(out_dir, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def upscale_files(run: str | Path, images: list[str], out: str | Path, *,
                  scale: int | None = None, tile: int = DEFAULT_TILE,
                  progress: Any = None) -> list[Path]:
    """``aekit upscale``: image files of any size in, ``scale``× larger files out."""
    from aekit.io import load_run
    from aekit.models import upscaling_presets

    loaded = load_run(run)
    model = loaded.model
    if Capability.UPSCALE not in model.capabilities:
        raise ConfigError(f"{loaded.path} holds a {loaded.config.model.preset or model.family} "
                          f"model that does not upscale; train one with --task superres "
                          f"({upscaling_presets()})")
    if scale is not None and scale != model.scale:
        raise ConfigError(f"{loaded.path} was trained for ×{model.scale}, not ×{scale}; train "
                          f"a run with --scale {scale} (or drop --scale)")
    if tile < 16:
        raise ConfigError(f"--tile must be at least 16 pixels; got {tile}")
    out_dir = Path(out)
    names = check_output_names(images, out_dir)
    inputs = read_checked(images, model, None)  # as stored: gray stays gray, RGB stays RGB

    def results() -> Iterator[tuple[str, np.ndarray]]:  # one photo in memory at a time
        from aekit.data.images import header_size

        pixels: list[int] = []
        t0 = time.perf_counter()
        for i, (name, img) in enumerate(zip(names, inputs, strict=True)):
            if progress and not pixels:  # files checked by now: their headers are sound
                pixels = [math.prod(header_size(p, str(p))) for p in images]
            if progress:  # time grows with the pixels: the ETA counts pixels done
                left = eta_text(sum(pixels[:i]), sum(pixels), time.perf_counter() - t0)
                progress(f"{i + 1}/{len(names)} {name}: {img.shape[2]}×{img.shape[1]} → "
                         f"{img.shape[2] * model.scale}×{img.shape[1] * model.scale}"
                         + (f" ({left})" if left else ""))
            yield name, upscale_image(model, img, tile=tile)

    return write_all(out_dir, results(), inputs=images, names=names)
