"""Reading and writing single image files (Pillow), in aekit's array layout.

Arrays are ``(C, H, W)`` float32 in [0, 1] with ``C`` = 1 (grayscale) or 3 (RGB).
Reading applies the EXIF orientation, converts palette / alpha / CMYK / 16-bit
images to L or RGB, and resizes with Lanczos when a size is asked for (plain resize
to exactly ``(H, W)``: aspect ratio is not preserved, nothing is cropped). Any
failure to decode is a one-line :class:`DataError` naming the file.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from aekit.data.dataset import to_float
from aekit.errors import DataError

IMAGE_EXTENSIONS = frozenset({
    ".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm",
    ".pbm", ".pnm", ".jfif",
})
_WRITE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP",
                  ".tif": "TIFF", ".tiff": "TIFF", ".webp": "WEBP"}


def is_image_file(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` has an image extension aekit reads (decided by name only)."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


def _to_l_or_rgb(img):  # PIL.Image.Image in and out (PIL is imported lazily)
    """Return ``img`` in mode ``L`` or ``RGB`` (16-bit / float rescaled, alpha dropped)."""
    from PIL import Image

    mode = img.mode
    if mode in ("L", "RGB"):
        return img
    if mode in ("1", "LA", "La"):
        return img.convert("L")
    if mode.startswith("I;16") or mode in ("I", "F"):
        a = np.asarray(img, dtype=np.float64)
        if mode.startswith("I;16") or (mode == "I" and a.size and a.max() > 255):
            a = a / 65535.0
        elif mode == "I":
            a = a / 255.0
        a = np.clip(a, 0.0, 1.0)
        return Image.fromarray(np.round(a * 255).astype(np.uint8))  # 2-d uint8 → mode L
    return img.convert("RGB")  # RGBA, PA, P with transparency, CMYK, YCbCr, LAB, HSV


class ImageTooLarge(DataError):
    """An image whose header declares more pixels than Pillow decodes safely."""


def header_size(source: bytes | str | Path, name: str) -> tuple[int, int]:
    """(width, height) from an image's header alone — no pixel is decoded — so sizes can
    be checked before any work. Pillow's decompression-bomb refusal (and its warning,
    where the caller turned it into an error) becomes :class:`ImageTooLarge`; anything
    undecodable a one-line :class:`DataError` naming ``name``."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as img:
            return img.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageTooLarge(f"{name}: the image declares more pixels than can be decoded "
                            f"safely") from None
    except UnidentifiedImageError:
        raise DataError(f"{name}: not an image file (unknown format)") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DataError(f"{name}: cannot read the image header ({exc})") from None


def decode_image(data: bytes, name: str, channels: int | None = None,
                 size: tuple[int, int] | None = None) -> np.ndarray:
    """Decode encoded image ``data`` (file ``name`` for messages) into ``(C, H, W)``
    float32 in [0, 1]."""
    return to_float(decode_pixels(data, name, channels, size))


def decode_pixels(data: bytes, name: str, channels: int | None = None,
                  size: tuple[int, int] | None = None) -> np.ndarray:
    """:func:`decode_image` as its ``(C, H, W)`` uint8 pixels (a quarter of the memory)."""
    return _decode(data, name, channels, size)[0]


def _open_large_ok(data: bytes, name: str) -> Any:
    """``Image.open`` of a user's own file: an image past Pillow's decompression-bomb
    warning (89–179 megapixels) is decoded with one aekit warning line saying how much
    memory it takes, instead of Pillow's multi-line warning; past twice the limit Pillow
    refuses it (a one-line DataError). The server refuses both (:mod:`aekit.serve`)."""
    import warnings

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(io.BytesIO(data))
        except Image.DecompressionBombWarning:
            pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        img = Image.open(io.BytesIO(data))
    mp = img.width * img.height / 1e6
    from aekit.log import LOG

    LOG.warning(f"{name} is {img.width}×{img.height} ({mp:.0f} megapixels, past Pillow's "
                f"{(Image.MAX_IMAGE_PIXELS or 0) / 1e6:.0f}-megapixel safety limit); "
                f"decoding it anyway needs about {mp * 16 / 1000:.1f} GB (RGB, float32)")
    return img


def _decode(data: bytes, name: str, channels: int | None, size: tuple[int, int] | None
            ) -> tuple[np.ndarray, tuple[int, int, int]]:
    """:func:`decode_image`, and the ``(C, H, W)`` the image has as stored: after its EXIF
    orientation and the reduction to L or RGB, before any conversion or resizing."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if channels not in (None, 1, 3):
        raise DataError(f"channels must be 1 (grayscale) or 3 (RGB), not {channels}")
    try:
        with _open_large_ok(data, name) as img:
            img.load()
            img = ImageOps.exif_transpose(img) or img
            img = _to_l_or_rgb(img)
            stored = (1 if img.mode == "L" else 3, img.height, img.width)
            if channels == 1 and img.mode != "L":
                img = img.convert("L")
            elif channels == 3 and img.mode != "RGB":
                img = img.convert("RGB")
            if size is not None and (img.height, img.width) != tuple(size):
                img = img.resize((int(size[1]), int(size[0])), Image.Resampling.LANCZOS)
            a = np.asarray(img, dtype=np.uint8)
    except UnidentifiedImageError:
        raise DataError(f"{name}: not an image file (unknown format)") from None
    except Image.DecompressionBombError as exc:
        raise DataError(f"{name}: image too large to decode safely ({exc})") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{name}: cannot decode image ({msg}); the file is corrupt or "
                        "truncated") from None
    a = a[None] if a.ndim == 2 else a.transpose(2, 0, 1)
    return np.ascontiguousarray(a), stored  # (C, H, W) uint8


def read_image(path: str | Path, channels: int | None = None,
               size: tuple[int, int] | None = None) -> np.ndarray:
    """Read an image file into ``(C, H, W)`` float32 in [0, 1].

    ``channels``: 1 → grayscale, 3 → RGB, ``None`` → as stored (1 or 3; RGBA and
    palette images become RGB). ``size=(H, W)`` resizes with Lanczos. A missing,
    unreadable, corrupt or non-image file raises :class:`DataError` naming it.
    """
    return read_image_and_shape(path, channels, size)[0]


def read_image_and_shape(path: str | Path, channels: int | None = None,
                         size: tuple[int, int] | None = None
                         ) -> tuple[np.ndarray, tuple[int, int, int]]:
    """:func:`read_image`, and the ``(C, H, W)`` the file holds as stored (after its EXIF
    orientation, with C 1 or 3 as ``channels=None`` would read it), so a caller can say
    what converting and resizing changed, or size an output back to its input's size."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not an image file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    pixels, stored = _decode(data, str(path), channels, size)
    return to_float(pixels), stored


def to_uint8_hwc(array: np.ndarray, what: str = "image") -> np.ndarray:
    """``(C, H, W)`` / ``(H, W)`` float in [0, 1] → ``(H, W)`` or ``(H, W, 3)`` uint8."""
    a = np.asarray(array)
    if a.ndim == 3 and a.shape[0] in (1, 3):
        a = a[0] if a.shape[0] == 1 else a.transpose(1, 2, 0)
    elif a.ndim != 2:
        raise DataError(f"{what}: expected an array of shape (C, H, W) with C 1 or 3, or "
                        f"(H, W); got {a.shape}")
    if a.dtype == np.uint8:
        return np.ascontiguousarray(a)
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise DataError(f"{what}: the image has NaN or infinite values")
    return np.ascontiguousarray(np.round(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8))


def zoomed(images: np.ndarray, zoom: int) -> np.ndarray:
    """(…, h, w) → (…, h·zoom, w·zoom), every pixel a zoom×zoom block (no smoothing:
    what the model produced, only bigger)."""
    if zoom == 1:
        return images
    return images.repeat(zoom, axis=-2).repeat(zoom, axis=-1)


def zoomed_mosaic(images: np.ndarray, rows: int, cols: int, zoom: int) -> np.ndarray:
    """:func:`mosaic` of the enlarged images, gutters kept thin (1 px, 2 when zoomed)."""
    return mosaic(zoomed(images, zoom), rows, cols, pad=1 if zoom == 1 else 2)


def mosaic(images: np.ndarray, rows: int, cols: int, pad: int = 1) -> np.ndarray:
    """Tile (rows·cols, c, h, w) images row by row into one (c, H, W) image (white gaps)."""
    n, c, h, w = images.shape
    if n != rows * cols:
        raise ValueError(f"mosaic needs {rows * cols} images, got {n}")
    out = np.ones((c, rows * (h + pad) - pad, cols * (w + pad) - pad), dtype=np.float32)
    for i in range(n):
        r, q = divmod(i, cols)
        out[:, r * (h + pad):r * (h + pad) + h, q * (w + pad):q * (w + pad) + w] = images[i]
    return out


def write_image(path: str | Path, array: np.ndarray) -> None:
    """Write ``(C, H, W)`` or ``(H, W)`` values in [0, 1] (clipped) as an image file.

    The format follows the extension (``.png``, ``.jpg``/``.jpeg``, ``.bmp``, ``.tif``,
    ``.webp``). The file is written to a temporary name in the same directory and
    renamed into place, so a crash never leaves a half-written image.
    """
    from PIL import Image

    from aekit.data.fetch import default_file_mode

    path = Path(path)
    fmt = _WRITE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(_WRITE_FORMATS))
        raise DataError(f"{path}: unknown image extension {path.suffix!r}; use one of {known}")
    img = Image.fromarray(to_uint8_hwc(array, str(path)))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            opts = {"quality": 95} if fmt == "JPEG" else {}
            img.save(f, format=fmt, **opts)
        os.chmod(tmp, default_file_mode())  # mkstemp makes 0600; give a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _lanczos(x: np.ndarray, a: int = 3) -> np.ndarray:
    out = np.sinc(x) * np.sinc(x / a)
    return np.where(np.abs(x) < a, out, 0.0)


def resample_matrix(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)`` Lanczos-3 weights, widened when shrinking (antialiased), as Pillow.

    Each row holds the normalised weights of the input pixels that make one output
    pixel, with pixel centres at ``i + 0.5``; this is Pillow's resampling scheme, so a
    batch resized here matches resizing each image with ``Image.resize(LANCZOS)``
    (up to float rounding) while running as two matrix products over the whole batch.
    """
    scale = n_in / n_out
    support = max(scale, 1.0)
    centres = (np.arange(n_out) + 0.5) * scale
    w = _lanczos(((np.arange(n_in) + 0.5)[None, :] - centres[:, None]) / support)
    return (w / w.sum(axis=1, keepdims=True)).astype(np.float32)


def resize_batch(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize ``(N, C, H, W)`` float images in [0, 1] to ``size=(H, W)`` (Lanczos, clipped)."""
    if tuple(x.shape[2:]) == tuple(size):
        return x
    wh = resample_matrix(x.shape[2], size[0])  # (H', H)
    ww = resample_matrix(x.shape[3], size[1])  # (W', W)
    n, c, h, w = x.shape
    # two large GEMMs (fast) instead of N*C small ones
    y = np.asarray(x, dtype=np.float32).reshape(-1, w) @ ww.T  # (N*C*H, W')
    y = y.reshape(n * c, h, size[1]).transpose(1, 0, 2).reshape(h, -1)  # (H, N*C*W')
    out = (wh @ y).reshape(size[0], n * c, size[1]).transpose(1, 0, 2)  # (N*C, H', W')
    out = np.ascontiguousarray(out).reshape(n, c, size[0], size[1])
    return np.clip(out, 0.0, 1.0, out=out)


def convert_channels(x: np.ndarray, channels: int) -> np.ndarray:
    """``(N, C, H, W)`` → ``channels`` channels: gray → RGB by repetition, RGB → gray by
    ITU-R 601 luma (the same weights Pillow's ``convert("L")`` uses)."""
    c = x.shape[1]
    if c == channels:
        return x
    if c == 1 and channels == 3:
        return np.repeat(x, 3, axis=1)
    if c == 3 and channels == 1:
        w = np.array([0.299, 0.587, 0.114], dtype=np.float32).reshape(1, 3, 1, 1)
        return (x * w).sum(axis=1, keepdims=True, dtype=np.float32)
    raise DataError(f"cannot convert {c}-channel images to {channels} channels; "
                    "use channels 1 or 3")


def conform(x: Any, image_size: int | None, channels: int | None) -> Any:
    """Apply the optional ``image_size`` (square) and ``channels`` requests to a batch.

    8-bit images (:class:`~aekit.data.dataset.U8Images`) stay uint8 when nothing is
    asked or gray is repeated into RGB; a resize or RGB → luma computes new values, which
    are kept as float32."""
    from aekit.data.dataset import U8Images

    if isinstance(x, U8Images):
        same = image_size is None or tuple(x.shape[2:]) == (image_size, image_size)
        if same and channels in (None, x.shape[1]):
            return x
        if same and x.shape[1] == 1 and channels == 3:
            return U8Images(np.repeat(x.raw, 3, axis=1))
        x = np.asarray(x)
    if image_size is not None and image_size < 1:
        raise DataError(f"image_size must be a positive number of pixels, not {image_size}")
    if image_size is not None:  # refuse, before allocating, what cannot fit in memory
        c = channels or (x.shape[1] if x.ndim == 4 else 1)
        need = x.shape[0] * c * image_size * image_size * 4  # float32 after resizing
        from aekit.machine import physical_memory

        have = physical_memory()
        if have and need > 0.8 * have:
            raise DataError(f"data.image_size={image_size} makes {x.shape[0]} images of "
                            f"{c}×{image_size}×{image_size} ({need / 2**30:,.0f} GB as "
                            f"float32); this machine has {have / 2**30:.0f} GB: choose a "
                            f"smaller image_size")
    if channels == 1:  # fewer channels first: less to resize
        x = convert_channels(x, channels)
    if image_size is not None:
        x = resize_batch(x, (image_size, image_size))
    if channels is not None:
        x = convert_channels(x, channels)
    return x
