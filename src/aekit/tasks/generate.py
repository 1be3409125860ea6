"""Verbs of generative runs: generate, interpolate, traverse, style.

* ``generate``: n samples from the prior, reproducible for a seed; one PNG each plus
  ``grid.png``.
* ``interpolate``: encode two images, decode K codes on the straight line between
  them (linear interpolation in code space), one strip image.
* ``traverse``: vary one code dimension at a time around a base code (an image's, or
  the prior's centre) over ±span, one grid with a row per dimension — what each
  dimension controls (stroke width, slant, …).
* ``style`` (supervised AAE): encode an image's code (its *style*) and decode it with
  every class label — the style-transfer grid.

Every verb checks the model's capabilities first and writes files only at the end.
Images are written enlarged to a readable size (``zoom``; default: the shorter side ≥
112 pixels, so 28×28 digits 4×, pixel blocks without smoothing; ``zoom=1`` writes the
model's own size), with thin gutters between grid cells.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from aekit.capabilities import Capability
from aekit.errors import ConfigError

if TYPE_CHECKING:
    from aekit.io import LoadedRun


def _require(loaded: LoadedRun, capability: Capability, verb: str, hint: str) -> None:
    if capability not in loaded.model.capabilities:
        kind = loaded.config.model.preset or loaded.config.model.name
        raise ConfigError(f"{verb}: the model of {loaded.path} ({kind}) cannot {hint}")


def _image_shape(loaded: LoadedRun, verb: str) -> tuple[int, int, int]:
    shape = tuple(loaded.input_shape)
    if len(shape) != 3:
        raise ConfigError(f"{verb} writes images, but {loaded.path} models vectors of "
                          f"shape {shape}")
    return shape  # type: ignore[return-value]


def _write(path: Path, img: np.ndarray) -> Path:
    from aekit.data.images import write_image

    path.parent.mkdir(parents=True, exist_ok=True)
    write_image(path, np.clip(img, 0.0, 1.0))
    return path


def generate_images(run: str | Path, n: int, out: str | Path, *, seed: int = 0,
                    zoom: int | None = None) -> list[Path]:
    """Write ``n`` prior samples as ``OUT/000000.png`` … and ``OUT/grid.png``."""
    from aekit.data.images import zoomed, zoomed_mosaic
    from aekit.evaluate.fid import draw_samples
    from aekit.io import load_run
    from aekit.report.figures import auto_zoom

    if n < 1:
        raise ConfigError(f"-n must be at least 1; got {n}")
    loaded = load_run(run)
    _require(loaded, Capability.GENERATE, "generate", "generate samples: train a vae, aae or dcgan")
    _, h, w = _image_shape(loaded, "generate")
    z = auto_zoom(h, w, zoom)
    x = draw_samples(loaded.model, n, seed)  # (n, c, h, w)
    out_dir = Path(out)
    width = max(6, len(str(n)))
    written = [_write(out_dir / f"{i:0{width}d}.png", zoomed(img, z)) for i, img in enumerate(x)]
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    pad = np.ones((rows * cols - n, *x.shape[1:]), np.float32)
    written.append(_write(out_dir / "grid.png",
                          zoomed_mosaic(np.concatenate([x, pad]), rows, cols, z)))
    return written


def _encode_files(loaded: LoadedRun, paths: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from aekit.tasks.apply import read_images
    from aekit.tasks.infer import encode

    x = np.stack(read_images(paths, loaded.input_shape, resize=True))
    return x, encode(loaded.model, x)


@torch.no_grad()
def _decode(loaded: LoadedRun, z: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
    model = loaded.model.eval()
    zt = torch.from_numpy(z.astype(np.float32))
    if Capability.CONDITION in model.capabilities:
        if y is None:
            raise ConfigError("this model decodes a code with a class label; use aekit style")
        return model.decode(zt, torch.from_numpy(y)).numpy()
    return model.decode(zt).numpy()


def interpolate(run: str | Path, image_a: str, image_b: str, out: str | Path, *,
                steps: int = 10, label: int | None = None, zoom: int | None = None) -> Path:
    """Decode ``steps`` codes from code(A) to code(B) into one strip image."""
    from aekit.data.images import zoomed_mosaic
    from aekit.io import load_run
    from aekit.report.figures import auto_zoom

    if steps < 2:
        raise ConfigError(f"--steps must be at least 2; got {steps}")
    loaded = load_run(run)
    _require(loaded, Capability.EMBED, "interpolate", "encode images (a dcgan has no encoder)")
    _, h, w = _image_shape(loaded, "interpolate")
    zf = auto_zoom(h, w, zoom)
    _, z = _encode_files(loaded, [image_a, image_b])
    t = np.linspace(0.0, 1.0, steps)[:, None]
    codes = (1 - t) * z[0] + t * z[1]  # (steps, d)
    y = None
    if Capability.CONDITION in loaded.model.capabilities:
        y = np.full(steps, 0 if label is None else label, dtype=np.int64)
    x = _decode(loaded, codes, y)
    return _write(Path(out), zoomed_mosaic(x, 1, steps, zf))


def traverse(run: str | Path, out: str | Path, *, image: str | None = None, steps: int = 9,
             span: float = 2.5, label: int | None = None, max_dims: int = 16,
             zoom: int | None = None) -> Path:
    """Grid: row j varies code dimension j over base ± span (other dims fixed)."""
    from aekit.data.images import zoomed_mosaic
    from aekit.io import load_run
    from aekit.report.figures import auto_zoom

    loaded = load_run(run)
    _, h, w = _image_shape(loaded, "traverse")
    zf = auto_zoom(h, w, zoom)
    if not {Capability.EMBED, Capability.GENERATE} & loaded.model.capabilities:
        _require(loaded, Capability.EMBED, "traverse", "decode codes (it maps images to images)")
    d = loaded.model.code_size
    if image is not None:
        _require(loaded, Capability.EMBED, "traverse", "encode images (a dcgan has no encoder)")
        base = _encode_files(loaded, [image])[1][0]
    else:
        base = np.zeros(d, np.float32)
    dims = min(d, max_dims)
    values = np.linspace(-span, span, steps)
    codes = np.repeat(base[None], dims * steps, axis=0)
    for j in range(dims):
        codes[j * steps:(j + 1) * steps, j] = base[j] + values
    y = None
    if Capability.CONDITION in loaded.model.capabilities:
        y = np.full(len(codes), 0 if label is None else label, dtype=np.int64)
    return _write(Path(out), zoomed_mosaic(_decode(loaded, codes, y), dims, steps, zf))


def style(run: str | Path, image: str, out: str | Path, *, zoom: int | None = None
          ) -> list[Path]:
    """Render one image's style in every class: ``OUT/<stem>_style.png`` (+ one per class)."""
    from aekit.data.images import zoomed, zoomed_mosaic
    from aekit.io import load_run
    from aekit.report.figures import auto_zoom

    loaded = load_run(run)
    _require(loaded, Capability.CONDITION, "style",
             "separate style from class: train a supervised aae (--model aae-style)")
    _, h, w = _image_shape(loaded, "style")
    zf = auto_zoom(h, w, zoom)
    x, z = _encode_files(loaded, [image])
    k = loaded.model.n_classes
    imgs = _decode(loaded, np.repeat(z, k, axis=0), np.arange(k, dtype=np.int64))
    out_dir = Path(out)
    stem = Path(image).stem
    written = [_write(out_dir / f"{stem}_style.png",
                      zoomed_mosaic(np.concatenate([x, imgs]), 1, k + 1, zf))]
    written += [_write(out_dir / f"{stem}_class{c}.png", zoomed(imgs[c], zf)) for c in range(k)]
    return written
