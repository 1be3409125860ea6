"""``aekit reconstruct`` / ``aekit denoise``: image files in, image files out, same names.

All inputs are read and checked before anything is written, so a bad file never leaves
a half-written output directory. Grayscale images given to an RGB model are converted
(and vice versa) — a conversion, not an error. Images whose size differs from the
model's are refused with the size the model takes, unless ``resize=True``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

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
                    noise: str | None = None, seed: int = 0, resize: bool = False
                    ) -> list[Path]:
    """Pass image files through a run's model; returns the written paths.

    ``mode`` is ``reconstruct`` or ``denoise``. With ``noise`` (denoise only) the clean
    inputs are first corrupted with that spec and seed — handy to try a denoiser on clean
    photos; the noisy versions are written to ``OUT/noisy/`` for comparison.
    """
    from aekit.data.images import write_image
    from aekit.io import load_run
    from aekit.tasks.infer import corrupted_inputs, predict
    from aekit.tasks.pairs import build_task

    loaded = load_run(run)
    shape = loaded.input_shape
    if len(shape) != 3:
        raise ConfigError(f"{loaded.path} holds a model for vectors of shape {shape}, not "
                          f"images; use `aekit encode` for tabular data")
    if mode == "denoise" and loaded.config.task.name != "denoise" and noise is None:
        raise ConfigError(f"{loaded.path} was trained to reconstruct, not to denoise; train "
                          f"with --task denoise (or use `aekit reconstruct`)")
    names = [Path(p).name for p in images]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"several inputs are named {dupes[0]}; outputs keep input names, "
                          f"so run them in separate calls")
    out_dir = Path(out)
    for p in images:
        if Path(p).resolve().parent == out_dir.resolve():
            raise ConfigError(f"--out {out_dir} is the folder of the input {p}; choose another "
                              f"folder so inputs are not overwritten")
    x = np.stack(read_images(images, shape, resize))  # (n, c, h, w)
    noisy = None
    if noise is not None:
        task_cfg = dataclasses.replace(loaded.config.task, name="denoise", noise=noise)
        x = noisy = corrupted_inputs(build_task(task_cfg), x, seed)
    x_hat, _ = predict(loaded.model, x)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, img in zip(names, np.clip(x_hat, 0, 1), strict=True):
        write_image(out_dir / name, img)
        written.append(out_dir / name)
    if noisy is not None:
        (out_dir / "noisy").mkdir(exist_ok=True)
        for name, img in zip(names, np.clip(noisy, 0, 1), strict=True):
            write_image(out_dir / "noisy" / name, img)
    return written
