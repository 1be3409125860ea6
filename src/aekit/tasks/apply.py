"""``aekit reconstruct`` / ``aekit denoise``: image files in, image files out, same names.

All inputs are read and checked before anything is written, and outputs are staged and
moved into place at the end, so a bad file never leaves a half-written output directory.
Grayscale images given to an RGB model are converted (and vice versa) — a conversion,
not an error. Fully convolutional models (``dncnn``, ``conv-full``, …) take every image
at its own size (tiled, see :mod:`aekit.tasks.restore`); for the others, images whose
size differs from the model's are refused with the size the model takes, unless
``resize=True`` (outputs at the model's size) or ``keep_size=True`` (outputs resized back
to each input's own size).

What was done to make the images fit is said once per kind of change, for all images
together (:func:`describe_changes`): ``[reconstruct] 3 images resized to 28×28 (from
100×60 and 64×64)`` (``… and the outputs back`` with ``keep_size``) and
``[reconstruct] 3 images converted RGB → gray``. Images that already fit say nothing.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from aekit.capabilities import Capability
from aekit.errors import ConfigError, DataError
from aekit.log import reporter

Shape = tuple[int, int, int]  # (c, h, w)
COLOUR = {1: "gray", 3: "RGB"}
SIZES_NAMED = 3  # distinct source sizes a message names before "and N other sizes"


def read_images(paths: list[str], shape: tuple[int, ...], resize: bool,
                hint: str = "pass --resize") -> list[np.ndarray]:
    """Read every file as a (c, h, w) image the model takes, or raise before any output."""
    return read_images_and_shapes(paths, shape, resize, hint)[0]


def read_images_and_shapes(paths: list[str], shape: tuple[int, ...], resize: bool,
                           hint: str = "pass --resize") -> tuple[list[np.ndarray], list[Shape]]:
    """:func:`read_images`, and each file's ``(c, h, w)`` as stored (before the model's
    colour and size were applied). ``hint`` ends the refusal of an image of another size
    when ``resize`` is off: the option(s) that would take it."""
    from aekit.data.images import read_image_and_shape

    c, h, w = shape
    images, stored = [], []
    for p in paths:
        if not Path(p).is_file():
            raise DataError(f"{p}: no such file")
        img, src = read_image_and_shape(p, channels=c, size=(h, w) if resize else None)
        if img.shape[1:] != (h, w):
            raise DataError(f"{p} is {img.shape[2]}×{img.shape[1]} but the model takes "
                            f"{w}×{h} images; resize it, or {hint}")
        images.append(img)
        stored.append(src)
    return images, stored


def _count(n: int, what: str) -> str:
    """``1 image``, ``3 images``."""
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _size_list(sizes: Sequence[tuple[int, int]]) -> str:
    """``100×60 and 64×64``: distinct (h, w) sizes, the most frequent first, at most
    :data:`SIZES_NAMED` named."""
    ranked = [s for s, _ in Counter(sizes).most_common()]  # ties keep first-seen order
    named = [f"{w}×{h}" for h, w in ranked[:SIZES_NAMED]]
    rest = len(ranked) - len(named)
    if rest:
        return ", ".join(named) + f" and {_count(rest, 'other size')}"
    return named[0] if len(named) == 1 else ", ".join(named[:-1]) + f" and {named[-1]}"


def describe_changes(stored: Sequence[Shape], model_shape: Sequence[int], *,
                     resized: bool = True, kept_size: bool = False) -> list[str]:
    """What making images fit a model did, one line per kind of change, for all of them.

    ``stored`` holds each input's ``(c, h, w)`` as stored, ``model_shape`` the ``(c, h,
    w)`` the model took. ``resized=False`` (a fully convolutional model, which takes
    every size) leaves sizes out; ``kept_size`` says the outputs went back to each
    input's size. Inputs that already fit add nothing, so matching inputs give ``[]``.
    """
    c, h, w = model_shape
    lines = []
    if resized:
        other = [(sh, sw) for _, sh, sw in stored if (sh, sw) != (h, w)]
        if other:
            back = ""
            if kept_size:
                back = " and the output back" if len(other) == 1 else " and the outputs back"
            lines.append(f"{_count(len(other), 'image')} resized to {w}×{h} "
                         f"(from {_size_list(other)}){back}")
    for sc in sorted({s[0] for s in stored} - {c}):
        n = sum(1 for s in stored if s[0] == sc)
        lines.append(f"{_count(n, 'image')} converted {COLOUR.get(sc, f'{sc}-channel')} → "
                     f"{COLOUR.get(c, f'{c}-channel')}")
    return lines


def resize_back(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """One ``(c, h, w)`` output resized to ``size=(h, w)`` with Lanczos-3, clipped to
    [0, 1] — the filter the inputs were resized with on the way in (Pillow's, see
    :func:`aekit.data.images.resize_batch`), so a round trip does not blur twice with two
    different kernels; its ringing is small on an autoencoder's smooth outputs, and it
    keeps more detail than bicubic when a 28×28 output goes back up to a photo's size."""
    from aekit.data.images import resize_batch

    return resize_batch(image[None], size)[0]


def apply_to_images(run: str | Path, images: list[str], out: str | Path, *, mode: str,
                    noise: str | None = None, seed: int = 0, resize: bool = False,
                    keep_size: bool = False, tile: int = 256,
                    progress: bool = True) -> list[Path]:
    """Pass image files through a run's model; returns the written paths.

    ``mode`` is ``reconstruct`` or ``denoise``. With ``noise`` (denoise only) the clean
    inputs are first corrupted with that spec and seed — handy to try a denoiser on clean
    photos; the noisy versions are written to ``OUT/noisy/`` for comparison.

    ``resize`` resizes inputs of another size to the model's; the outputs then have the
    model's size. ``keep_size`` implies it and resizes each output back to its input's
    own size (:func:`resize_back`) — what a user who hands in a photo expects back: a
    picture that lines up with the photo, not a thumbnail. It keeps the size, not the
    colour: the outputs have the model's channels (a gray model's output of an RGB photo
    is a gray image at the photo's size), because the model made no colour to give back
    and tinting its output with the input's colours would show what it did not
    reconstruct. A fully convolutional model takes every image at its own size, so its
    outputs already have their inputs' sizes (with ``resize``, the size it was trained
    at, then back). With ``progress``, what was changed to fit the model is said on the
    ``aekit.<mode>`` logger (:func:`describe_changes`) once the outputs are written.
    """
    from aekit.io import load_run
    from aekit.tasks.infer import corrupted_inputs, predict
    from aekit.tasks.pairs import build_task
    from aekit.tasks.restore import check_files, check_output_names, restore, write_all

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
    say = reporter(mode, progress)
    out_dir = Path(out)
    names = check_output_names(images, out_dir)
    model = loaded.model
    task_cfg = dataclasses.replace(loaded.config.task, name="denoise", noise=noise or "")
    if Capability.ANY_SIZE in model.capabilities and not resize:
        # fully convolutional: every photo at its own size, tiled (see aekit.tasks.restore)
        if tile < 16:
            raise ConfigError(f"--tile must be at least 16 pixels; got {tile}")
        stored: list[Shape] = []
        x_iter = _read_each(images, shape[0], stored)
        task = build_task(task_cfg) if noise is not None else None

        def outputs() -> Iterator[tuple[str, np.ndarray]]:  # one photo in memory at a time
            for i, (name, img) in enumerate(zip(names, x_iter, strict=True)):
                if task is not None:  # the noisy version is written too, for comparison
                    img = corrupted_inputs(task, img[None], seed, index=np.array([i]))[0]
                    yield f"noisy/{name}", np.clip(img, 0, 1)
                yield name, np.clip(restore(model, img, tile=tile), 0, 1)

        out_names = [m for n in names for m in ((f"noisy/{n}", n) if task else (n,))]
        check_files(images, model)  # every file's header before any output
        written = write_all(out_dir, outputs(), inputs=images, names=out_names)
        for line in describe_changes(stored, shape, resized=False):
            say(line)
        return [p for p in written if p.parent == out_dir][: len(names)]
    hint = "pass --resize or --keep-size" if mode == "reconstruct" else "pass --resize"
    read, stored = read_images_and_shapes(images, shape, resize or keep_size, hint)
    x = np.stack(read)  # (n, c, h, w)
    noisy = None
    if noise is not None:
        x = noisy = corrupted_inputs(build_task(task_cfg), x, seed)
    x_hat, _ = predict(model, x)

    def fit(v: np.ndarray, src: Shape) -> np.ndarray:  # one output, at the size asked for
        v = np.clip(v, 0, 1)
        return resize_back(v, src[1:]) if keep_size and v.shape[1:] != src[1:] else v

    named = [(n, fit(v, s)) for n, v, s in zip(names, x_hat, stored, strict=True)]
    if noisy is not None:
        named += [(f"noisy/{n}", fit(v, s)) for n, v, s in zip(names, noisy, stored,
                                                                strict=True)]
    written = write_all(out_dir, named, inputs=images)[: len(names)]
    for line in describe_changes(stored, shape, kept_size=keep_size):
        say(line)
    return written


def _read_each(paths: list[str], channels: int, stored: list[Shape]) -> Iterator[np.ndarray]:
    """Decode the files one at a time as ``channels`` (memory holds one photo), noting
    each one's shape as stored in ``stored``."""
    from aekit.data.images import read_image_and_shape

    for p in paths:
        img, src = read_image_and_shape(p, channels=channels)
        stored.append(src)
        yield img
