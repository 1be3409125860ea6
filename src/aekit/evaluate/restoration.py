"""Evaluation of restoration runs: super-resolution and denoising of whole images.

Super-resolution, as in the SR literature (SRCNN, ESPCN, …): each test image is
cropped to a multiple of the scale (the *high-resolution* truth), bicubic-downscaled
(the input), restored by the model and, as the baseline, upscaled bicubically. PSNR and
SSIM are computed on the **Y channel** of ITU-R BT.601 YCbCr (studio swing, Y in
[16, 235]/255, what MATLAB's ``rgb2ycbcr`` gives) after cropping ``scale`` pixels from
every border, then averaged over the test images. SSIM is Wang et al.'s (11×11 Gaussian
window, σ = 1.5, population covariances), as in the papers' MATLAB code.

Denoising of photos: each test photo gets the run's noise with a fixed seed; the model,
and the classical denoisers of :mod:`aekit.evaluate.baselines` (each tuned on the noisy
*validation* photos) including BM3D (Dabov et al. 2007) when the ``bm3d`` extra is
installed, are scored by PSNR and SSIM over all channels of the whole image (data range
1), averaged over photos — the convention of the denoising literature. BM3D scores at
most ``BM3D_MAX_TEST`` images: with more (a code-less denoiser on MNIST-sized arrays) it
is scored on a seeded subset and reported apart, in ``bm3d_subset`` next to the model's
scores on the same images, never as ``best_baseline``; when it cannot run,
``baselines_left_out`` says why.

Whole images of any size go through :func:`aekit.tasks.restore.restore` (tiled). Crops
for the report are written to ``restoration_crops.npz``: per test image the most
detailed window (largest mean gradient magnitude of the truth), so the choice does not
depend on which method looks best there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from aekit.capabilities import Capability
from aekit.data.colour import detail_window, y_channel
from aekit.evaluate.registry import EvalContext, evaluator
from aekit.log import NO_BARS, Bars

if TYPE_CHECKING:
    from aekit.data.splits import Splits
    from aekit.models.base import Autoencoder
    from aekit.tasks.pairs import Task

CROPS = "restoration_crops.npz"
CROP_SIDE = 120  # output pixels per crop side (smaller images are shown whole); 4 crops
# enlarged ×2 fill the report's content width, and 120 divides by every scale (2, 3, 4)
N_CROPS = 4
N_TUNE_PHOTOS = 100  # at most this many validation images tune the classical denoisers


def sr_scores(pred: np.ndarray, truth: np.ndarray, scale: int) -> tuple[float, float]:
    """(PSNR dB, SSIM) on the Y channel with ``scale`` border pixels cropped.

    Images under 11 pixels a side after the crop (quick runs on tiny data) use the
    largest odd uniform SSIM window that fits; under 3 pixels SSIM is NaN.
    """
    from skimage.metrics import structural_similarity

    from aekit.evaluate.metrics import psnr_from_mse

    b = scale
    yp = y_channel(np.clip(pred, 0.0, 1.0))[b:-b, b:-b]
    yt = y_channel(truth)[b:-b, b:-b]
    mse = float(np.mean((yp - yt) ** 2))
    side = min(yp.shape)
    if side >= 11:  # Wang et al.'s 11×11 Gaussian window
        ssim = structural_similarity(yp, yt, data_range=1.0, gaussian_weights=True, sigma=1.5,
                                     use_sample_covariance=False)
    elif side >= 3:  # tiny images (quick runs): the largest odd uniform window that fits
        ssim = structural_similarity(yp, yt, data_range=1.0, win_size=side - (1 - side % 2))
    else:
        ssim = float("nan")
    return float(psnr_from_mse(np.array(mse))), float(ssim)


def _as_list(x: np.ndarray | Sequence[np.ndarray]) -> list[np.ndarray]:
    return [np.asarray(v, dtype=np.float32) for v in x]


def _restore_all(model: Autoencoder, inputs: list[np.ndarray], say: Callable[[str], None],
                 what: str, bars: Bars = NO_BARS) -> list[np.ndarray]:
    """Model outputs for each input image (same-size images are batched)."""
    from aekit.tasks.restore import restore

    m = int(getattr(model, "size_multiple", 1))
    shapes = {im.shape for im in inputs}
    if len(shapes) == 1 and max(inputs[0].shape[-2:]) <= 128 \
            and all(v % m == 0 for v in inputs[0].shape[-2:]):
        # many small images of one size that the model takes as they are (MNIST, CIFAR)
        say(f"model on {len(inputs)} {what} images (batched)")
        dev = next(model.parameters()).device
        per_batch = max(1, 2**20 // int(np.prod(inputs[0].shape)))  # ≈ 1 M input values
        out = []
        with torch.no_grad(), bars("model pass", len(inputs), "images") as bar:
            for lo in range(0, len(inputs), per_batch):
                xb = torch.from_numpy(np.stack(inputs[lo:lo + per_batch])).to(dev)
                out += list(model(xb)["x_hat"].float().cpu().numpy())
                bar.update(xb.shape[0])
        return out
    say(f"model on {len(inputs)} whole {what} images (tiled)")
    with bars("model pass", len(inputs), "images") as bar:
        out = []
        for im in inputs:
            out.append(restore(model, im))
            bar.update(1)
        return out


def _names(splits: Splits, n: int) -> list[str]:
    names = getattr(splits, "test_names", None)
    return list(names)[:n] if names else [f"test {i}" for i in range(n)]


def _save_crops(path: Path, rows: dict[str, list[np.ndarray]], names: list[str],
                scale: int) -> None:
    """Crop the same window (in output pixels) from every row; LR rows are upscaled by
    pixel repetition so they line up."""
    import io
    import os

    truth_key = list(rows)[-1]
    out: dict[str, list[np.ndarray]] = {k: [] for k in rows}
    for i in range(min(N_CROPS, len(names))):
        truth = rows[truth_key][i]
        side = min(CROP_SIDE, *truth.shape[-2:])
        top, left = detail_window(truth, side)
        for key, images in rows.items():
            img = images[i]
            if img.shape[-1] * scale == truth.shape[-1] and scale > 1:  # the LR input
                img = img.repeat(scale, axis=-2).repeat(scale, axis=-1)
            out[key].append(np.clip(img[:, top:top + side, left:left + side], 0, 1))
    side = min(a.shape[-1] for a in out[truth_key])
    arrays = {f"row{j}": np.stack([a[..., :side, :side] for a in v]).astype(np.float32)
              for j, v in enumerate(out.values())}
    buf = io.BytesIO()
    np.savez_compressed(buf, labels=np.array(list(out)), names=np.array(names[: N_CROPS]),
                        **arrays)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, path)


def load_crops(path: Path) -> tuple[list[tuple[str, np.ndarray]], list[str]] | None:
    """(rows of (label, (k, c, s, s) crops), image names) from ``restoration_crops.npz``."""
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as f:
        labels = [str(v) for v in f["labels"]]
        rows = [(lab, f[f"row{j}"]) for j, lab in enumerate(labels)]
        return rows, [str(v) for v in f["names"]]


def evaluate_superres(model: Autoencoder, splits: Splits, x_test: Any, run_dir: Path, scale: int,
                      say: Callable[[str], None], bars: Bars = NO_BARS) -> dict[str, Any]:
    """Model vs bicubic on the test images (Y channel, border cropped)."""
    from aekit.data.corruptions import bicubic_down, bicubic_up, mod_crop

    truths = [mod_crop(im, scale) for im in _as_list(x_test)]
    small = [im for im in truths if min(im.shape[-2:]) < 2 * scale + 1]
    if small:
        from aekit.errors import DataError

        raise DataError(f"test images of {small[0].shape[-1]}×{small[0].shape[-2]} are too "
                        f"small to score at ×{scale} (the border crop would leave nothing)")
    lows = [bicubic_down(torch.from_numpy(t)[None], scale)[0].numpy() for t in truths]
    preds = _restore_all(model, lows, say, "test", bars)
    say("bicubic baseline")
    bics = [bicubic_up(torch.from_numpy(lo)[None], scale)[0].numpy() for lo in lows]
    names = _names(splits, len(truths))
    per, own, base = [], [], []
    for name, p, b, t in zip(names, preds, bics, truths, strict=True):
        ps, ss = sr_scores(p, t, scale)
        pb, sb = sr_scores(b, t, scale)
        own.append((ps, ss))
        base.append((pb, sb))
        per.append({"name": name, "psnr": ps, "ssim": ss, "bicubic_psnr": pb,
                    "bicubic_ssim": sb, "gain_db": ps - pb})
    if truths:
        _save_crops(run_dir / CROPS, {"low-res input": lows, "bicubic": bics,
                                      "this model": preds, "high-res truth": truths},
                    names, scale)
    m_own = {"psnr": float(np.mean([v[0] for v in own])),
             "ssim": float(np.mean([v[1] for v in own]))}
    m_base = {"psnr": float(np.mean([v[0] for v in base])),
              "ssim": float(np.mean([v[1] for v in base]))}
    return {"scale": scale,
            "metric_space": f"Y channel (ITU-R BT.601), {scale}-pixel border cropped",
            "metrics": m_own, "baselines": {"bicubic": m_base}, "best_baseline": "bicubic",
            "gain_db": m_own["psnr"] - m_base["psnr"],
            "images": per if len(per) <= 50 else []}


def evaluate_photo_denoising(model: Autoencoder, task: Task, splits: Splits, x_test: Any,
                             run_dir: Path, seed: int, say: Callable[[str], None],
                             bars: Bars = NO_BARS) -> dict[str, Any]:
    """Model vs tuned classical denoisers on whole noisy test images."""
    from aekit.evaluate.baselines import bm3d_baseline, classical_denoisers, denoise_with
    from aekit.evaluate.metrics import (
        image_metrics,
        per_image_mse,
        per_image_ssim,
        psnr_from_mse,
    )
    from aekit.tasks.infer import corrupted_inputs

    def noisy(images: list[np.ndarray], base_seed: int) -> list[np.ndarray]:
        if len({im.shape for im in images}) == 1:  # one size: batched (same noise: per sample)
            return list(np.clip(corrupted_inputs(task, np.stack(images), base_seed), 0, 1))
        return [np.clip(corrupted_inputs(task, im[None], base_seed, index=np.array([i]))[0],
                        0, 1) for i, im in enumerate(images)]

    clean = _as_list(x_test)
    inputs = noisy(clean, seed)
    preds = [np.clip(p, 0, 1) for p in _restore_all(model, inputs, say, "noisy test",
                                                              bars)]
    val = _as_list(splits.x_val)[:N_TUNE_PHOTOS] if len(splits.x_val) else \
        _as_list(splits.x_train)[:N_TUNE_PHOTOS]
    noisy_val = noisy(val, seed + 1)
    if isinstance(x_test, np.ndarray):  # one size: arrays let the baselines run in parallel
        noisy_val, val = np.stack(noisy_val), np.stack(val)
        base_in, base_clean = np.stack(inputs), np.asarray(x_test, dtype=np.float32)
    else:
        base_in, base_clean = inputs, clean
    baselines = classical_denoisers(noisy_val, val, base_in, base_clean, progress=say,
                                    bars=bars)
    own = image_metrics(preds, clean)
    bm3d, bm3d_out = bm3d_baseline(noisy_val, val, base_in, base_clean, seed=seed,
                                   progress=say, bars=bars)
    apart: dict[str, Any] = {}
    if "left_out" in bm3d:
        apart["baselines_left_out"] = {"bm3d": bm3d["left_out"]}
    elif "subset" in bm3d:  # scored on other images than the rest: compared apart
        idx = bm3d["subset"]["index"]
        same = image_metrics([preds[i] for i in idx], [clean[i] for i in idx])
        apart["bm3d_subset"] = {**bm3d, "model": same, "gain_db": same["psnr"] - bm3d["psnr"]}
        say(f"baseline bm3d on {len(idx)} of {len(clean)} test images: {bm3d['psnr']:.2f} dB, "
            f"the model {same['psnr']:.2f} dB on the same images")
    else:
        baselines["bm3d"] = bm3d
    best = max(baselines, key=lambda k: baselines[k]["psnr"])
    names = _names(splits, len(clean))
    per = []
    p_own = psnr_from_mse(per_image_mse(preds, clean))
    s_own = per_image_ssim(preds, clean)
    p_in = psnr_from_mse(per_image_mse(inputs, clean))
    for i, name in enumerate(names):
        per.append({"name": name, "psnr": float(p_own[i]), "ssim": float(s_own[i]),
                    "noisy_psnr": float(p_in[i])})
    if clean:
        shown = clean[:N_CROPS]
        (param,) = baselines[best]["param"].values()
        base_imgs = bm3d_out[:N_CROPS] if best == "bm3d" else \
            denoise_with(best, param, inputs[:N_CROPS])
        _save_crops(run_dir / CROPS, {"noisy input": inputs[:N_CROPS],
                                      f"best baseline ({best})": base_imgs,
                                      "this model": preds[:N_CROPS], "clean truth": shown},
                    names, 1)
    return {"noise": task.cfg.noise, "metrics": own, "input": image_metrics(inputs, clean),
            "baselines": baselines, "best_baseline": best,
            "gain_db": own["psnr"] - baselines[best]["psnr"],
            "metric_space": "all channels of the whole image, data range 1",
            "images": per if len(per) <= 50 else [], **apart}


@evaluator("superres", order=20, when=lambda ctx: ctx.task.changes_size)
def _superres(ctx: EvalContext) -> dict[str, Any]:
    """Super-resolution: Y-channel PSNR/SSIM with the border cropped, against bicubic."""
    return evaluate_superres(ctx.model, ctx.splits, ctx.x_test, ctx.loaded.path,
                             ctx.cfg.task.scale, ctx.say, ctx.bars)


@evaluator("photo-denoising", order=30,
           when=lambda ctx: isinstance(ctx.x_test, list) or (
               Capability.EMBED not in ctx.capabilities
               and Capability.ANY_SIZE in ctx.capabilities))
def _photo_denoising(ctx: EvalContext) -> dict[str, Any]:
    """Whole photos, or a residual denoiser without a code: against tuned classical
    denoisers, per photo."""
    return evaluate_photo_denoising(ctx.model, ctx.task, ctx.splits, ctx.x_test,
                                    ctx.loaded.path, ctx.cfg.task.eval_seed, ctx.say,
                                    ctx.bars)
