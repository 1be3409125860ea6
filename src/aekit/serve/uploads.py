"""Request bodies to arrays, and arrays to PNG — with every limit checked before decoding.

Images arrive as a raw ``image/png`` / ``image/jpeg`` body, as ``multipart/form-data``
uploads (field ``image``, repeatable) or as JSON ``{"images": [...]}`` of nested arrays
in [0, 1], each of the run's sample shape (``(h, w)`` is accepted for one channel). A
file's width and height are read from its header first: one that declares more than
``max_pixels`` is refused without decoding a single pixel (a decompression bomb costs
nothing). Every refusal is a :class:`RequestError` with an HTTP status and one line.
"""

from __future__ import annotations

import base64
import io
import json
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from aekit.errors import AekitError

IMAGE_TYPES = ("image/png", "image/jpeg", "image/jpg", "image/webp", "image/bmp")


class RequestError(Exception):
    """A bad request: the HTTP status and one line saying what is wrong and what to do."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Limits:
    """What one request may carry (all configurable on ``aekit serve``)."""

    max_body_bytes: int = 16 * 2**20  # a request body, bytes
    max_pixels: int = 4096 * 4096  # pixels of one image (checked from its header)
    max_images: int = 64  # images (or codes) in one request
    max_generate: int = 256  # samples one generate call may ask for


def check_count(n: int, limits: Limits, what: str = "images") -> None:
    """Refuse an empty request or one with more than ``limits.max_images`` items."""
    if n < 1:
        raise RequestError(422, f"the request has no {what}; send at least one")
    if n > limits.max_images:
        raise RequestError(413, f"the request has {n} {what}; at most {limits.max_images} per "
                                f"request (serve --max-images), split it")


def image_size(data: bytes, name: str, limits: Limits) -> tuple[int, int]:
    """(width, height) from the file's header, refused when over ``max_pixels`` (and,
    stricter than the CLI, already at Pillow's decompression-bomb warning)."""
    from PIL import Image

    from aekit.data.images import ImageTooLarge, header_size

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            w, h = header_size(data, name)
    except ImageTooLarge:
        raise RequestError(413, f"{name}: the image declares more pixels than this server "
                                f"decodes ({limits.max_pixels:,}); send a smaller one"
                           ) from None
    except AekitError as exc:
        raise RequestError(400, str(exc)) from None
    if w * h > limits.max_pixels:
        raise RequestError(413, f"{name} is {w}×{h} = {w * h:,} pixels; this server takes at "
                                f"most {limits.max_pixels:,} per image (serve --max-pixels)")
    return w, h


def decode_upload(data: bytes, name: str, limits: Limits, *, channels: int | None,
                  size: tuple[int, int] | None = None) -> np.ndarray:
    """An uploaded file → (c, h, w) float32 in [0, 1] (``size=(h, w)`` resizes)."""
    from aekit.data.images import decode_image

    image_size(data, name, limits)
    try:
        return decode_image(data, name, channels=channels, size=size)
    except AekitError as exc:
        raise RequestError(400, str(exc)) from None


def images_from_json(obj: Any, shape: tuple[int, ...], limits: Limits,
                     any_size: bool = False) -> list[np.ndarray]:
    """``{"images": [...]}`` → samples, each of ``shape`` (or (c, h, w) of any size)."""
    if not isinstance(obj, dict) or "images" not in obj:
        raise RequestError(422, 'the JSON body needs an "images" list of arrays (or send '
                                'the images as multipart uploads)')
    items = obj["images"]
    if not isinstance(items, list):
        raise RequestError(422, '"images" must be a list of arrays')
    check_count(len(items), limits)
    out = []
    for i, item in enumerate(items):
        try:
            a = np.asarray(item, dtype=np.float32)
        except (ValueError, TypeError):
            raise RequestError(422, f"images[{i}] is not a rectangular array of numbers"
                               ) from None
        if a.ndim == 2 and len(shape) == 3 and shape[0] == 1:
            a = a[None]
        if any_size:
            if a.ndim != 3 or a.shape[0] != shape[0]:
                raise RequestError(422, f"images[{i}] has shape {a.shape}; this model takes "
                                        f"({shape[0]}, height, width) arrays")
            if a.shape[1] * a.shape[2] > limits.max_pixels:
                raise RequestError(413, f"images[{i}] has {a.shape[1] * a.shape[2]:,} pixels; "
                                        f"at most {limits.max_pixels:,}")
        elif tuple(a.shape) != tuple(shape):
            raise RequestError(422, f"images[{i}] has shape {a.shape}; this model takes "
                                    f"{tuple(shape)}")
        check_finite(a, f"images[{i}]")
        out.append(a)
    return out


def check_finite(a: np.ndarray, what: str) -> None:
    """Refuse NaN or infinite values in ``a`` (they would poison a whole batch)."""
    if not np.isfinite(a).all():
        raise RequestError(422, f"{what} contains NaN or infinite values")


def codes_from_json(items: Any, code_size: int, limits: Limits, what: str = "codes"
                    ) -> np.ndarray:
    """A list of codes → (n, d) float32, each of length ``code_size`` and finite."""
    if not isinstance(items, list):
        raise RequestError(422, f'"{what}" must be a list of codes (lists of numbers)')
    check_count(len(items), limits, what)
    rows = []
    for i, c in enumerate(items):
        if not isinstance(c, list) or not all(isinstance(v, int | float)
                                              and not isinstance(v, bool) for v in c):
            raise RequestError(422, f"{what}[{i}] is not a list of numbers")
        if len(c) != code_size:
            raise RequestError(422, f"{what}[{i}] has {len(c)} numbers; this model's codes "
                                    f"have {code_size}")
        if not all(math.isfinite(v) for v in c):
            raise RequestError(422, f"{what}[{i}] contains NaN or infinite values")
        rows.append(c)
    return np.asarray(rows, dtype=np.float32)


def parse_json(body: bytes) -> Any:
    """The JSON body, or one line saying where it breaks."""
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise RequestError(400, f"the body is not valid JSON ({exc})") from None


def png_bytes(image: np.ndarray) -> bytes:
    """(c, h, w) in [0, 1] (clipped) → PNG file bytes."""
    from PIL import Image

    from aekit.data.images import to_uint8_hwc

    buf = io.BytesIO()
    Image.fromarray(to_uint8_hwc(np.clip(image, 0.0, 1.0))).save(buf, format="PNG")
    return buf.getvalue()


def data_url(image: np.ndarray) -> str:
    """(c, h, w) → ``data:image/png;base64,…`` (what the page puts in an ``<img>``)."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(image)).decode("ascii")
