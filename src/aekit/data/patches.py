"""Random fixed-size patches cut from variable-size images (e.g. ``natural-images``).

Patches are cut on demand, not stored: a seed fully determines them, so a run that
records its seed can reproduce its training patches exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from aekit.errors import DataError


def extract_patches(images: Sequence[np.ndarray], size: int, n: int, seed: int, *,
                    augment: bool = False) -> np.ndarray:
    """Cut ``n`` random ``size`` x ``size`` patches from ``images`` → ``(n, C, size, size)``.

    Each patch picks an image uniformly at random (so every photo weighs the same,
    whatever its resolution), then a uniformly random top-left corner inside it. With
    ``augment`` each patch is also given one of the 8 flips/rotations by 90° at random
    (the standard augmentation of SR and denoising training sets). All
    images must be ``(C, H, W)`` with the same ``C`` and at least ``size`` pixels on
    each side. The result is float32 (a copy) and depends only on the inputs and
    ``seed``.
    """
    if size < 1 or n < 0:
        raise DataError(f"patch size must be >= 1 and count >= 0 (got size {size}, n {n})")
    if len(images) == 0:
        raise DataError("no images to cut patches from")
    chans = {int(np.shape(im)[0]) for im in images}
    if any(np.ndim(im) != 3 for im in images) or len(chans) != 1:
        raise DataError("images must all be (C, H, W) arrays with the same number of channels")
    small = [i for i, im in enumerate(images) if im.shape[1] < size or im.shape[2] < size]
    if small:
        i = small[0]
        raise DataError(f"image {i} ({images[i].shape[1]}x{images[i].shape[2]}) is smaller than "
                        f"the {size}x{size} patch size; choose a smaller patch size")
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(images), size=n)
    out = np.empty((n, chans.pop(), size, size), dtype=np.float32)
    for k, i in enumerate(which):
        im = images[int(i)]
        top = int(rng.integers(0, im.shape[1] - size + 1))
        left = int(rng.integers(0, im.shape[2] - size + 1))
        patch = im[:, top:top + size, left:left + size]
        if augment:
            t = int(rng.integers(0, 8))
            patch = np.rot90(patch, t % 4, axes=(1, 2))
            patch = patch[:, :, ::-1] if t >= 4 else patch
        out[k] = patch
    return out
