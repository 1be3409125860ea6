"""``aekit reconstruct`` / ``aekit denoise``: image files in, image files out, same names.

All inputs are read and checked before anything is written, and outputs are staged and
moved into place at the end, so a bad file never leaves a half-written output directory.
Grayscale images given to an RGB model are converted (and vice versa) — a conversion,
not an error. Fully convolutional models (``dncnn``, ``conv-full``, …) take every image
at its own size (tiled, see :mod:`aekit.tasks.restore`); for the others, images whose
size differs from the model's are refused with the size the model takes, unless
``resize=True``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from aekit.capabilities import Capability
from aekit.errors import ConfigError, DataError


def read_images(paths: list[str], shape: tuple[int, ...], resize: bool) -> list[np.ndarray]:
    """Read every file as a (c, h, w) image the model takes, or raise before any output."""
    from aekit.data.images import read_image

    c, h, w = shape
    images = []
    for p in paths:
        if not Path(p).is_file():
            raise DataError(f"{p}: no such file")
        img = read_image(p, channels=c, size=(h, w) if resize else None)  # (c, h', w')
        if img.shape[1:] != (h, w):
            raise DataError(f"{p} is {img.shape[2]}×{img.shape[1]} but the model takes "
                            f"{w}×{h} images; resize it or pass --resize")
        images.append(img)
    return images


def apply_to_images(run: str | Path, images: list[str], out: str | Path, *, mode: str,
                    noise: str | None = None, seed: int = 0, resize: bool = False,
                    tile: int = 256) -> list[Path]:
    """Pass image files through a run's model; returns the written paths.

    ``mode`` is ``reconstruct`` or ``denoise``. With ``noise`` (denoise only) the clean
    inputs are first corrupted with that spec and seed — handy to try a denoiser on clean
    photos; the noisy versions are written to ``OUT/noisy/`` for comparison.
    """
    from aekit.io import load_run
    from aekit.tasks.infer import corrupted_inputs, predict
    from aekit.tasks.pairs import build_task
    from aekit.tasks.restore import check_output_names, read_checked, restore, write_all

    loaded = load_run(run)
    shape = loaded.input_shape
    if len(shape) != 3:
        raise ConfigError(f"{loaded.path} holds a model for vectors of shape {shape}, not "
                          f"images; use `aekit encode` for tabular data")
    if Capability.UPSCALE in loaded.model.capabilities:
        raise ConfigError(f"{loaded.path} holds a super-resolution model; use `aekit upscale "
                          f"{loaded.path} IMAGE... --out DIR`")
    if mode == "denoise" and not build_task(loaded.config.task).corrupts and noise is None:
        raise ConfigError(f"{loaded.path} was trained to reconstruct, not to denoise; train "
                          f"with --task denoise (or use `aekit reconstruct`)")
    out_dir = Path(out)
    names = check_output_names(images, out_dir)
    model = loaded.model
    task_cfg = dataclasses.replace(loaded.config.task, name="denoise", noise=noise or "")
    if Capability.ANY_SIZE in model.capabilities and not resize:
        # fully convolutional: every photo at its own size, tiled (see aekit.tasks.restore)
        if tile < 16:
            raise ConfigError(f"--tile must be at least 16 pixels; got {tile}")
        x_iter = read_checked(images, model, shape[0])
        task = build_task(task_cfg) if noise is not None else None

        def outputs() -> Iterator[tuple[str, np.ndarray]]:  # one photo in memory at a time
            for i, (name, img) in enumerate(zip(names, x_iter, strict=True)):
                if task is not None:  # the noisy version is written too, for comparison
                    img = corrupted_inputs(task, img[None], seed, index=np.array([i]))[0]
                    yield f"noisy/{name}", np.clip(img, 0, 1)
                yield name, np.clip(restore(model, img, tile=tile), 0, 1)

        out_names = [m for n in names for m in ((f"noisy/{n}", n) if task else (n,))]
        written = write_all(out_dir, outputs(), inputs=images, names=out_names)
        return [p for p in written if p.parent == out_dir][: len(names)]
    x = np.stack(read_images(images, shape, resize))  # (n, c, h, w)
    noisy = None
    if noise is not None:
        x = noisy = corrupted_inputs(build_task(task_cfg), x, seed)
    x_hat, _ = predict(model, x)
    named = list(zip(names, np.clip(x_hat, 0, 1), strict=True))
    if noisy is not None:
        named += [(f"noisy/{n}", v) for n, v in zip(names, np.clip(noisy, 0, 1), strict=True)]
    return write_all(out_dir, named, inputs=images)[: len(names)]
