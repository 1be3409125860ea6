"""Reference baselines every result is compared against, computed on the same samples.

* **PCA** with as many components as the model's code has numbers, fitted on the
  training split: the linear autoencoder an AE must beat to earn its non-linearity.
* **Classical denoisers** from scikit-image — non-local means (σ estimated per image),
  total variation (Chambolle), wavelet shrinkage (BayesShrink) and the bilateral filter
  (spatial σ 1.5 px, 5×5 window) — each with its main
  parameter tuned on held-out *validation* images with the same corruption, then applied
  to the test images. Tuning keeps the comparison fair: an untuned baseline is a straw man.
* **BM3D** (Dabov, Foi, Katkovnik and Egiazarian 2007, "Image denoising by sparse 3-D
  transform-domain collaborative filtering", IEEE TIP 16(8); the ``bm3d`` package of
  Tampere University, the ``bm3d`` extra) for *photo* denoising: its ``sigma_psd`` is the
  noise σ estimated per image (scikit-image's ``estimate_sigma``, as for non-local means
  and wavelets — it never reads the task's noise spec) times a factor tuned on validation
  images. Colour images go through CBM3D (``bm3d_rgb``, luminance–chrominance grouping),
  others channel by channel. It costs 0.2–0.4 s per 28×28 image and about 3 s per 256²
  photo on one core, so it scores at most :data:`BM3D_MAX_TEST` test images (a seeded
  subset beyond that, see :func:`bm3d_baseline`).
* **JPEG** (Pillow's libjpeg) at several qualities for compression runs: the
  rate–distortion curve an autoencoder's code is placed against
  (:func:`jpeg_rate_distortion`, :func:`code_rate_points`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from aekit.evaluate.metrics import Images, image_metrics, per_image_mse
from aekit.log import NO_BARS, Bars, Progress

Array = np.ndarray


PCA_MAX_STREAMED = 10_000  # streamed training sets: PCA is fitted on a subset this big


def streamed_pick(x: Any, limit: int, seed: int = 0) -> Array | None:
    """For a streamed ``x`` (a memory-mapped prepared cache, which may be larger than
    RAM as float32) longer than ``limit``: the sorted indices of a seeded subset of
    ``limit`` samples, what an evaluation step that reads a whole split reads instead;
    None (everything) otherwise."""
    return subset_index(x.shape[0], limit, seed) if getattr(x, "mapped", False) else None


def streamed_subset(x: Any, limit: int, seed: int = 0) -> Any:
    """``x``, or its :func:`streamed_pick` subset (float32)."""
    pick = streamed_pick(x, limit, seed)
    return x if pick is None else x[pick]


def pca_fit_rows(x_train: Any, seed: int = 0) -> Any:
    """What PCA is fitted on: the training split, or :data:`PCA_MAX_STREAMED` samples of
    a streamed one (PCA's components settle long before that)."""
    return streamed_subset(x_train, PCA_MAX_STREAMED, seed)


def pca_reconstruct(x_train: Array, x_test: Array, k: int, seed: int = 0) -> Array:
    """Project ``x_test`` on the top-``k`` principal components of ``x_train``."""
    from sklearn.decomposition import PCA

    n, d = x_train.shape[0], int(np.prod(x_train.shape[1:]))
    k = max(1, min(k, n, d))
    pca = PCA(n_components=k, svd_solver="randomized" if k < 0.5 * min(n, d) else "full",
              random_state=seed)
    pca.fit(x_train.reshape(n, d))
    rec = pca.inverse_transform(pca.transform(x_test.reshape(x_test.shape[0], d)))
    return rec.reshape(x_test.shape).astype(np.float32)


def _nlm(img: Array, h_factor: float) -> Array:
    from skimage.restoration import denoise_nl_means, estimate_sigma

    sigma = float(estimate_sigma(img))
    return denoise_nl_means(img, h=h_factor * sigma, sigma=sigma, fast_mode=True,
                            patch_size=5, patch_distance=6)


def _bilateral(img: Array, sigma_color: float) -> Array:
    from skimage.restoration import denoise_bilateral

    return denoise_bilateral(img, sigma_color=sigma_color, sigma_spatial=1.5, win_size=5)


def _tv(img: Array, weight: float) -> Array:
    from skimage.restoration import denoise_tv_chambolle

    return denoise_tv_chambolle(img, weight=weight)


def _wavelet(img: Array, sigma_factor: float) -> Array:
    from skimage.restoration import denoise_wavelet, estimate_sigma

    sigma = float(estimate_sigma(img)) * sigma_factor
    return denoise_wavelet(img, sigma=sigma, method="BayesShrink", mode="soft",
                           rescale_sigma=True)


# name -> (function(image (h, w), parameter), parameter grid, parameter name)
DENOISERS: dict[str, tuple[Callable[[Array, float], Array], list[float], str]] = {
    "nl_means": (_nlm, [0.4, 0.6, 0.8, 1.0, 1.3], "h / sigma_est"),
    "tv": (_tv, [0.03, 0.06, 0.1, 0.15, 0.2, 0.3], "weight"),
    "wavelet": (_wavelet, [0.5, 0.75, 1.0, 1.5, 2.0], "sigma / sigma_est"),
    "bilateral": (_bilateral, [0.05, 0.1, 0.2, 0.3, 0.5], "sigma_color"),
}


def apply_denoiser(fn: Callable[[Array, float], Array], param: float, images: Images
                   ) -> Images:
    """Run one classical denoiser with parameter ``param`` over a set of images.

    ``images`` is an (n, c, h, w) array or a list of (c, h, w) photos; each channel is
    denoised on its own (``fn`` takes one (h, w) image), so gray and RGB are handled
    alike, and the outputs are clipped to [0, 1] like a model's. Returns the same kind of
    container. Public because evaluation also uses it outside tuning: the restoration
    crops show the best baseline's output on the very inputs the model saw.
    """
    out = [np.clip(np.stack([fn(img[c].astype(np.float64), param)
                             for c in range(img.shape[0])]), 0.0, 1.0).astype(np.float32)
           for img in images]
    return np.stack(out) if isinstance(images, np.ndarray) else out


def _apply_parallel(fn: Callable[[Array, float], Array], param: float, images: Images,
                    n_jobs: int, bar: Progress) -> Images:
    """``apply_denoiser`` over ``images`` in chunks (in ``n_jobs`` processes when there
    are enough same-size images), counting the images done on ``bar``."""
    from joblib import Parallel, delayed

    parallel = n_jobs > 1 and len(images) >= 200 and isinstance(images, np.ndarray)
    # small chunks: the bar moves, and a chunk costs little against a process hop
    chunks = np.array_split(images, max(1, min(len(images) // 50, 64))) if \
        isinstance(images, np.ndarray) else [images[i:i + 1] for i in range(len(images))]
    work = (delayed(apply_denoiser)(fn, param, c) for c in chunks)
    parts = []
    for part in (Parallel(n_jobs=n_jobs, return_as="generator")(work) if parallel
                 else (f(*a, **k) for f, a, k in work)):
        parts.append(part)
        bar.update(len(part))
    if isinstance(images, np.ndarray):
        return np.concatenate(parts)
    return [im for part in parts for im in part]


def classical_denoisers(noisy_val: Images, clean_val: Images, noisy_test: Images,
                        clean_test: Images, *, n_jobs: int = -1,
                        progress: Callable[[str], None] | None = None,
                        bars: Bars = NO_BARS) -> dict[str, dict]:
    """Tune each denoiser on validation images, then score it on the test images
    (``progress`` says each step; ``bars`` shows how far the long ones are)."""
    import os

    jobs = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
    results: dict[str, dict] = {}
    for name, (fn, grid, pname) in DENOISERS.items():
        if progress:
            progress(f"baseline {name}: tuning {pname} on {len(noisy_val)} val images")
        with bars(f"baseline {name} tuning", len(grid) * len(noisy_val), "images") as bar:
            scores = []
            for p in grid:
                scores.append(per_image_mse(apply_denoiser(fn, p, noisy_val),
                                            clean_val).mean())
                bar.update(len(noisy_val))
        best = grid[int(np.argmin(scores))]
        if progress:
            progress(f"baseline {name}: {pname}={best}; denoising {len(noisy_test)} images")
        with bars(f"baseline {name}", len(noisy_test), "images") as bar:
            den = _apply_parallel(fn, best, noisy_test, jobs, bar)
        results[name] = {**image_metrics(den, clean_test), "param": {pname: best}}
    return results


# -- BM3D (Dabov et al. 2007) ------------------------------------------------------------
BM3D_PARAM = "sigma_psd / sigma_est"
BM3D_GRID = [0.6, 0.8, 1.0, 1.25, 1.5]  # factors on the estimated σ, tuned on validation
BM3D_MAX_TEST = 200  # test images BM3D scores; beyond this a seeded subset (~1 min at 28²)
BM3D_MAX_TUNE = 8  # validation images that tune the factor (the first ones of the split)
BM3D_MIN_SIDE = 16  # px; the bm3d binary crashed the process (SIGSEGV) on an 8×8 image
BM3D_INSTALL = "pip install 'aekit[bm3d]'"
BM3D_PARALLEL_PIXELS = 1 << 18  # work (pixels × grid) above which BM3D runs in processes


def bm3d_missing() -> str | None:
    """Why BM3D cannot run here (one line with the install command), or None."""
    try:
        import bm3d  # noqa: F401
    except ImportError:
        return (f"BM3D left out: the bm3d package (non-commercial licence) is not installed; "
                f"{BM3D_INSTALL} adds it")
    return None


def bm3d_image(img: Array, factor: float) -> Array:
    """BM3D (Dabov et al. 2007) on one (c, h, w) image in [0, 1] → (c, h, w) float32.

    ``sigma_psd`` = ``factor`` × the noise σ scikit-image's ``estimate_sigma`` finds in
    the image (per channel; averaged over the channels for colour). Three channels are
    denoised together by CBM3D (``bm3d.bm3d_rgb``: block matching on luminance), any
    other number channel by channel.
    """
    import bm3d
    from skimage.restoration import estimate_sigma

    img = np.asarray(img, dtype=np.float64)
    if img.shape[0] == 3:
        rgb = np.transpose(img, (1, 2, 0))
        sigma = max(float(estimate_sigma(rgb, channel_axis=-1, average_sigmas=True)), 1e-3)
        out = np.transpose(bm3d.bm3d_rgb(rgb, factor * sigma), (2, 0, 1))
    else:
        out = np.stack([bm3d.bm3d(ch, factor * max(float(estimate_sigma(ch)), 1e-3))
                        for ch in img])
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _bm3d_many(images: Images, factors: list[float], n_jobs: int, bar: Progress
               ) -> list[list[Array]]:
    """``bm3d_image`` of every image for every factor: ``out[f][i]``; in ``n_jobs``
    processes when the work is large (each image costs ≥ 0.2 s, a process hop little)."""
    work = [(f, i) for f in range(len(factors)) for i in range(len(images))]
    pixels = sum(int(np.prod(images[i].shape[-2:])) for _, i in work)
    out: list[list[Array]] = [[np.empty(0)] * len(images) for _ in factors]
    if n_jobs > 1 and len(work) > 1 and pixels >= BM3D_PARALLEL_PIXELS:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(bm3d_image)(images[i], factors[f]) for f, i in work)
    else:
        results = (bm3d_image(images[i], factors[f]) for f, i in work)
    for (f, i), den in zip(work, results, strict=True):
        out[f][i] = den
        bar.update(1)
    return out


def subset_index(n: int, k: int, seed: int) -> Array | None:
    """Indices (sorted) of a seeded subset of ``k`` of ``n`` items, or None for all."""
    if n <= k:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


def _take(images: Images, index: Array | None) -> Images:
    if index is None:
        return images
    if isinstance(images, np.ndarray):
        return images[index]
    return [images[int(i)] for i in index]


def bm3d_baseline(noisy_val: Images, clean_val: Images, noisy_test: Images,
                  clean_test: Images, *, seed: int, n_jobs: int = -1,
                  max_test: int | None = None, progress: Callable[[str], None] | None = None,
                  bars: Bars = NO_BARS) -> tuple[dict[str, Any], list[Array]]:
    """BM3D tuned on validation images and scored on the test images: (row, outputs).

    The row is ``{"left_out": reason}`` when BM3D cannot run (the package is not
    installed, or an image is smaller than :data:`BM3D_MIN_SIDE` pixels a side; the
    outputs are then empty), else ``{mse, psnr, ssim, param: {"sigma_psd / sigma_est":
    f}, sigma, n}`` and the outputs are the denoised test images it scored, in order. The factor
    ``f`` on the estimated σ is the best of :data:`BM3D_GRID` (lowest MSE) on the first
    :data:`BM3D_MAX_TUNE` validation images. With more than ``max_test`` test images
    (default :data:`BM3D_MAX_TEST`) it scores a seeded subset of ``max_test``
    (:func:`subset_index` with ``seed``) and the row gains ``subset: {"n", "of", "seed",
    "index"}``: compare it only with other scores on those images.
    """
    import os

    why = bm3d_missing()
    sides = [min(im.shape[-2:]) for im in (*clean_val[:BM3D_MAX_TUNE], *clean_test)]
    if why is None and sides and min(sides) < BM3D_MIN_SIDE:
        why = (f"BM3D left out: images of {min(sides)} pixels a side are under its "
               f"{BM3D_MIN_SIDE}-pixel minimum")
    if why is not None:
        if progress:
            progress(why)
        return {"left_out": why}, []
    jobs = (os.cpu_count() or 1) if n_jobs == -1 else n_jobs
    tune_in, tune_clean = noisy_val[:BM3D_MAX_TUNE], clean_val[:BM3D_MAX_TUNE]
    if progress:
        progress(f"baseline bm3d: tuning {BM3D_PARAM} on {len(tune_in)} val images")
    with bars("baseline bm3d tuning", len(BM3D_GRID) * len(tune_in), "images") as bar:
        tuned = _bm3d_many(tune_in, BM3D_GRID, jobs, bar)
    scores = [per_image_mse(den, tune_clean).mean() for den in tuned]
    best = BM3D_GRID[int(np.argmin(scores))]
    index = subset_index(len(noisy_test), BM3D_MAX_TEST if max_test is None else max_test,
                         seed)
    test_in, test_clean = _take(noisy_test, index), _take(clean_test, index)
    if progress:
        which = f"a seeded subset of {len(test_in)} of {len(noisy_test)}" if index is not None \
            else f"{len(test_in)}"
        progress(f"baseline bm3d: {BM3D_PARAM}={best}; denoising {which} test images")
    with bars("baseline bm3d", len(test_in), "images") as bar:
        den = _bm3d_many(test_in, [best], jobs, bar)[0]
    row: dict[str, Any] = {
        **image_metrics(den, test_clean),
        "param": {BM3D_PARAM: best}, "n": len(test_in),
        "sigma": "estimated per image (skimage estimate_sigma) × the tuned factor; the "
                 "noise spec is not read"}
    if index is not None:
        row["subset"] = {"n": len(test_in), "of": len(noisy_test), "seed": seed,
                         "index": [int(i) for i in index]}
    return row, den


def denoise_with(name: str, param: float, images: Images) -> Images:
    """Denoise ``images`` with the baseline ``name`` (a key of :data:`DENOISERS`, or
    ``"bm3d"``) at parameter value ``param``: the best baseline's output for the report's
    crops, on the very inputs the model saw."""
    if name == "bm3d":
        out = [bm3d_image(im, param) for im in images]
        return np.stack(out) if isinstance(images, np.ndarray) else out
    return apply_denoiser(DENOISERS[name][0], param, images)


# -- JPEG rate–distortion -----------------------------------------------------------------
JPEG_QUALITIES = (5, 10, 20, 30, 50, 70, 90)
RD_MAX_IMAGES = 1000  # test images of the rate–distortion comparison (seeded subset beyond)
RD_MAX_TRAIN = 10_000  # training images whose codes set the 8-bit range (54,000: 3 s more)


def jpeg_scan_bytes(data: bytes) -> int:
    """Bytes of the entropy-coded scan of a baseline JPEG file: the file less its
    headers and tables (everything up to the end of the SOS header) and the EOI marker —
    what an image costs when the tables are shared by every image, as in an abbreviated
    JPEG stream."""
    pos = 2  # after SOI
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise ValueError(f"not a JPEG marker at byte {pos}")
        marker = data[pos + 1]
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker == 0xDA:  # start of scan: the coded data follow its header
            end = len(data) - 2 if data[-2:] == b"\xff\xd9" else len(data)
            return end - (pos + 2 + length)
        pos += 2 + length
    raise ValueError("no start-of-scan marker in the JPEG data")


def jpeg_roundtrip(img: Array, quality: int) -> tuple[Array, int, int]:
    """Encode a (c, h, w) image in [0, 1] (c = 1 or 3) as JPEG at ``quality`` with
    Pillow's defaults (baseline, standard Huffman tables, 4:2:0 chroma for colour) and
    decode it: (decoded (c, h, w) float32, file bytes, scan bytes)."""
    import io

    from PIL import Image

    u8 = (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    pic = Image.fromarray(u8[0], "L") if u8.shape[0] == 1 else \
        Image.fromarray(np.ascontiguousarray(np.transpose(u8, (1, 2, 0))), "RGB")
    buf = io.BytesIO()
    pic.save(buf, format="JPEG", quality=int(quality))
    data = buf.getvalue()
    back = np.asarray(Image.open(io.BytesIO(data)), dtype=np.float32) / 255.0
    back = back[None] if back.ndim == 2 else np.transpose(back, (2, 0, 1))
    return back, len(data), jpeg_scan_bytes(data)


def jpeg_rate_distortion(images: Array, qualities: tuple[int, ...] = JPEG_QUALITIES
                         ) -> list[dict[str, float]]:
    """JPEG's rate–distortion points on (n, c, h, w) images in [0, 1] (c = 1 or 3).

    Per quality: ``bpp`` = encoded bytes × 8 / pixels (h·w, summed over the images; whole
    files, headers and tables included, as they would be stored), ``bpp_scan`` the same
    for the entropy-coded data alone (:func:`jpeg_scan_bytes`; on a 28×28 image the
    tables are most of the file), and PSNR / SSIM / MSE of the decoded images against
    ``images`` (:func:`aekit.evaluate.metrics.image_metrics`).
    """
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"JPEG needs (n, 1 or 3, h, w) images; got {images.shape}")
    pixels = images.shape[0] * images.shape[2] * images.shape[3]
    points = []
    for q in qualities:
        decoded, total, scan = [], 0, 0
        for img in images:
            back, size, coded = jpeg_roundtrip(img, q)
            decoded.append(back)
            total += size
            scan += coded
        points.append({"quality": int(q), "bpp": total * 8 / pixels,
                       "bpp_scan": scan * 8 / pixels,
                       **image_metrics(np.stack(decoded), images)})
    return points


def quantise_codes(z: Array, lo: Array, hi: Array, bits: int = 8) -> Array:
    """Uniform ``bits``-bit quantisation of each code number over [lo, hi] (per
    dimension, values outside clipped), returned dequantised (float32)."""
    levels = (1 << bits) - 1
    span = np.asarray(hi, np.float64) - np.asarray(lo, np.float64)
    step = np.where(span > 0, span / levels, 1.0)
    q = np.clip(np.rint((z.astype(np.float64) - lo) / step), 0, levels)
    return np.where(span > 0, lo + q * step, lo).astype(np.float32)


def code_rate_points(model: Any, x_train: Array, x: Array, pred: Array, seed: int = 0
                     ) -> dict[str, Any]:
    """The autoencoder's own rate–distortion point(s) on images ``x`` (n, c, h, w), whose
    reconstructions by the model are ``pred``.

    A discrete code (``model.code_bits`` set, e.g. VQ-VAE indices): ``bpp`` = code
    numbers × code_bits / pixels, and the model's PSNR / SSIM. A float code: ``bpp_float32``
    = code numbers × 32 / pixels (the float32 code as stored) with the model's scores, and
    ``bpp_8bit`` = code numbers × 8 / pixels with the scores after quantising each code
    number to 8 bits (:func:`quantise_codes`, range: that number's min and max over the
    codes of ``x_train`` — of a seeded subset of :data:`RD_MAX_TRAIN` when it has more),
    dequantising and decoding. Pixels are h·w per image. A conditioned decoder (it also
    needs the label) gets no 8-bit point.
    """
    from aekit.capabilities import Capability
    from aekit.tasks.infer import decode, encode

    pixels = int(x.shape[-2] * x.shape[-1])
    numbers = int(model.code_size)
    own = image_metrics(pred, x)
    bits = getattr(model, "code_bits", None)
    if bits is not None:
        return {"code_numbers": numbers, "code_bits_per_number": float(bits),
                "bpp": numbers * float(bits) / pixels, "psnr": own["psnr"],
                "ssim": own["ssim"], "mse": own["mse"]}
    out: dict[str, Any] = {"code_numbers": numbers, "bpp_float32": numbers * 32 / pixels,
                           "psnr_float32": own["psnr"], "ssim_float32": own["ssim"],
                           "mse_float32": own["mse"], "bpp_8bit": numbers * 8 / pixels}
    if Capability.CONDITION in getattr(model, "capabilities", ()):
        out["note_8bit"] = "no 8-bit point: the decoder also needs the class label"
        return out
    pick = subset_index(x_train.shape[0], RD_MAX_TRAIN, seed)
    z_train = encode(model, x_train if pick is None else x_train[pick])
    lo, hi = z_train.min(0), z_train.max(0)
    z = encode(model, x)
    rec = np.clip(decode(model, quantise_codes(z, lo, hi)), 0.0, 1.0)
    m8 = image_metrics(rec, x)
    out.update({"psnr_8bit": m8["psnr"], "ssim_8bit": m8["ssim"], "mse_8bit": m8["mse"],
                "quantisation": "uniform 8-bit per code number over that number's "
                                "[min, max] on the training codes (outside: clipped)",
                "range_images": int(z_train.shape[0])})
    return out


def rate_distortion(model: Any, x_train: Array, x_test: Array, pred: Array, seed: int,
                    max_images: int = RD_MAX_IMAGES) -> dict[str, Any]:
    """metrics.json's ``rate_distortion``: JPEG's curve (:func:`jpeg_rate_distortion`)
    next to the model's point(s) (:func:`code_rate_points`), on the test images — a
    seeded subset of ``max_images`` when there are more (``n``, ``of``, ``seed`` say so)."""
    index = subset_index(x_test.shape[0], max_images, seed)
    x = x_test if index is None else x_test[index]
    p = pred if index is None else pred[index]
    out: dict[str, Any] = {"n": int(x.shape[0]), "of": int(x_test.shape[0]),
                           "pixels_per_image": int(x.shape[-2] * x.shape[-1])}
    if index is not None:
        out["seed"] = seed
    out["jpeg"] = jpeg_rate_distortion(x)
    out["model"] = code_rate_points(model, x_train, x, p, seed)
    return out
