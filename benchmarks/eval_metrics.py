"""Evaluation metrics, old vs new in one run: PSNR/SSIM and the Fréchet distance.

PSNR/SSIM: the Fashion-MNIST test images (10,000, or ``--limit``) against predictions
to score — the same images with Gaussian noise σ = 0.1 (seeded), clipped to [0, 1].
*old* is the per-image loop aekit had (scikit-image ``structural_similarity`` with its
defaults, data range 1, and PSNR from a NumPy per-image MSE), kept here as the
reference; *new* is ``aekit.evaluate.metrics.image_metrics`` (batched float64 torch).
Prints both means, the largest per-image difference, both times (best of
``--repeats``) and the speed-up.

Fréchet distance: the feature classifier of Fashion-MNIST (``classifier_for``: trained
once and cached, minutes on a CPU; ``--untrained`` uses a seeded untrained FeatureNet
instead) on (a) the noisy images and (b) as many real training images, each vs the test
split. *old*: embed both sets, then the scipy ``sqrtm`` formula aekit had; *new*:
``FrechetScorer`` (torchmetrics' FID with aekit's feature module), the test split's
features accumulated once. Times include the feature passes.

    python benchmarks/eval_metrics.py [--limit N] [--sigma 0.1] [--repeats 3] [--untrained]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np


def old_ssim(pred: np.ndarray | list[np.ndarray], target: np.ndarray | list[np.ndarray]
             ) -> np.ndarray:
    """(n,) SSIM, one scikit-image call per (c, h, w) image (aekit's former code)."""
    from skimage.metrics import structural_similarity

    out = np.empty(len(pred))
    for i in range(len(pred)):
        a, b = pred[i].astype(np.float64), target[i].astype(np.float64)
        if a.shape[0] == 1:
            out[i] = structural_similarity(a[0], b[0], data_range=1.0)
        else:
            out[i] = structural_similarity(a, b, data_range=1.0, channel_axis=0)
    return out


def old_psnr(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(n,) PSNR from a float64 per-image MSE, 100 dB for a perfect image (former code)."""
    d = pred.astype(np.float64) - target.astype(np.float64)
    mse = (d * d).reshape(d.shape[0], -1).mean(1)
    return np.where(mse > 0, 10.0 * np.log10(1.0 / np.maximum(mse, 1e-10)), 100.0)


def old_image_metrics(pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    """{psnr, ssim} means the former way (predictions clipped first, as before)."""
    pred = np.clip(pred, 0.0, 1.0)
    return {"psnr": float(old_psnr(pred, target).mean()),
            "ssim": float(old_ssim(pred, target).mean())}


def old_frechet(f1: np.ndarray, f2: np.ndarray) -> float:
    """The former scipy-sqrtm Fréchet distance of two feature sets (n, d)."""
    from scipy import linalg

    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        covmean = linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():
        eps = 1e-6 * np.eye(s1.shape[0])
        covmean = linalg.sqrtm((s1 + eps) @ (s2 + eps))
    covmean = np.real(covmean)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[Any, float]:
    """fn's result and its best wall time over ``repeats`` calls."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def fd_pair(name: str, net: Any, reference: np.ndarray, images: np.ndarray, repeats: int
            ) -> None:
    """Print the FD of ``images`` vs ``reference`` (n, c, h, w) the old and the new way,
    with and without the feature passes, and their times."""
    from aekit.evaluate.fid import FrechetScorer, embed, frechet_distance

    def old_way() -> tuple[float, np.ndarray, np.ndarray]:
        f_ref, f_img = embed(net, reference)[0], embed(net, images)[0]  # (n, 128) each
        return old_frechet(f_ref, f_img), f_ref, f_img

    (fd_old, f_ref, f_img), t_old = best_of(old_way, repeats)
    fd_new, t_new = best_of(lambda: FrechetScorer(net, reference)(images), repeats)
    _, t_formula_old = best_of(lambda: old_frechet(f_ref, f_img), repeats)
    fd_feat, t_formula_new = best_of(lambda: frechet_distance(f_ref, f_img), repeats)
    print(f"  {name:<20} old {fd_old:.6f}  new {fd_new:.6f}  rel diff "
          f"{abs(fd_new - fd_old) / abs(fd_old):.1e}  (new on the same features "
          f"{fd_feat:.6f})")
    print(f"  {'':<20} time with feature passes: old {t_old:.3f} s  new {t_new:.3f} s  "
          f"({t_old / t_new:.2f}×); formula only: old scipy {t_formula_old * 1e3:.1f} ms  "
          f"new torchmetrics {t_formula_new * 1e3:.1f} ms", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="first N test images (all)")
    ap.add_argument("--sigma", type=float, default=0.1, help="noise of the predictions")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs; the best counts")
    ap.add_argument("--untrained", action="store_true",
                    help="FD in a seeded untrained FeatureNet (no classifier training)")
    args = ap.parse_args(argv)

    import torch

    from aekit.data import load_dataset
    from aekit.evaluate.fid import FeatureNet, classifier_for
    from aekit.evaluate.metrics import (
        image_metrics,
        per_image_mse,
        per_image_ssim,
        psnr_from_mse,
    )

    ds = load_dataset("fashion-mnist")
    x = np.asarray(ds.x_test[: args.limit], dtype=np.float32)  # (n, 1, 28, 28)
    rng = np.random.default_rng(0)
    pred = np.clip(x + args.sigma * rng.standard_normal(x.shape), 0, 1).astype(np.float32)
    n = len(x)
    print(f"fashion-mnist test: {n} images {x.shape[1:]}, predictions = clip(x + "
          f"N(0, {args.sigma}²)), seed 0; torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)

    image_metrics(pred[:64], x[:64])  # warm-up (first torch calls)
    old, t_old = best_of(lambda: old_image_metrics(pred, x), args.repeats)
    new, t_new = best_of(lambda: image_metrics(pred, x), args.repeats)
    d_ssim = np.abs(per_image_ssim(pred, x) - old_ssim(pred, x)).max()
    d_psnr = np.abs(psnr_from_mse(per_image_mse(pred, x)) - old_psnr(pred, x)).max()
    print(f"PSNR  old {old['psnr']:.6f} dB  new {new['psnr']:.6f} dB  "
          f"max |per-image diff| {d_psnr:.2e} dB")
    print(f"SSIM  old {old['ssim']:.6f}     new {new['ssim']:.6f}     "
          f"max |per-image diff| {d_ssim:.2e}")
    print(f"time  old (skimage per image) {t_old:.3f} s  new (batched torch) {t_new:.3f} s  "
          f"speed-up {t_old / t_new:.2f}×  (best of {args.repeats})", flush=True)

    if args.untrained:
        torch.manual_seed(0)
        net, what = FeatureNet(1, 10).eval(), "a seeded untrained FeatureNet"
    else:
        clf = classifier_for(ds)
        net, what = clf.net, f"the feature classifier (test accuracy {clf.test_accuracy:.4f})"
    train = np.asarray(ds.x_train[:n], dtype=np.float32)
    print(f"Fréchet distance in {what}, {n} images per set vs the test split:")
    for name, images in (("noisy test images", pred), ("real training images", train)):
        fd_pair(name, net, x, images, args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
