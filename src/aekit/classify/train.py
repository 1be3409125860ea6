"""A small, seeded supervised loop for the classifiers (in-memory tensors, batched by index).

Classifiers are not autoencoders, so they do not go through the autoencoder engine; this
loop is the plain PyTorch equivalent (Adam, cross-entropy on logits, a seeded
permutation per epoch). Everything runs on one device; data lives in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from aekit.errors import DataError

Tensor = torch.Tensor


@dataclass
class FitResult:
    """What :func:`fit_classifier` did: per-epoch mean training loss and wall time."""

    epochs: int
    seconds: float
    train_loss: list[float] = field(default_factory=list)


def _device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


def check_labels(y: np.ndarray | None, what: str) -> np.ndarray:
    """Labels as int64, or a one-line DataError when there are none."""
    if y is None:
        raise DataError(f"{what} has no labels; supervised training and probes need "
                        f"labelled data (e.g. fashion-mnist, folder:PATH with class "
                        f"sub-folders, csv:PATH?label=COL)")
    return np.asarray(y, dtype=np.int64)


def cross_entropy_epoch(model: nn.Module, opt: torch.optim.Optimizer, perm: torch.Tensor,
                        batch_size: int,
                        batch: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
                        ) -> float:
    """One epoch of cross-entropy steps over ``perm`` (sample indices) in batches;
    ``batch(idx)`` gives (inputs, labels). A lone last sample is skipped (BatchNorm
    cannot train on one). Returns the mean training loss."""
    dev = _device(model)
    n = perm.numel()
    total = torch.zeros((), device=dev)
    for lo in range(0, n, batch_size):
        idx = perm[lo:lo + batch_size]
        if idx.numel() == 1 and n > 1:
            continue
        xb, yb = batch(idx)
        loss = F.cross_entropy(model(xb.to(dev)), yb.to(dev))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.detach() * idx.numel()
    return float(total) / n


def fit_classifier(model: nn.Module, x: np.ndarray, y: np.ndarray, *, epochs: int,
                   batch_size: int = 128, lr: float = 1e-3, weight_decay: float = 0.0,
                   seed: int = 0, progress: Callable[[str], None] | None = None) -> FitResult:
    """Train ``model`` on images ``x`` (n, c, h, w) and labels ``y`` (n,) with Adam.

    Cross-entropy is applied to the model's logits. Batches come from a permutation
    seeded by ``(seed, epoch)``; dropout draws from ``torch.manual_seed(seed)``.
    """
    if x.shape[0] != y.shape[0]:
        raise DataError(f"{x.shape[0]} images but {y.shape[0]} labels")
    torch.manual_seed(seed)
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))  # (n, c, h, w)
    yt = torch.from_numpy(np.asarray(y, dtype=np.int64))  # (n,)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    n = xt.shape[0]
    result = FitResult(epochs=epochs, seconds=0.0)
    t0 = time.perf_counter()
    for epoch in range(epochs):
        model.train()
        g = torch.Generator().manual_seed(seed * 1000 + epoch)
        perm = torch.randperm(n, generator=g)
        result.train_loss.append(cross_entropy_epoch(model, opt, perm, batch_size,
                                                     lambda idx: (xt[idx], yt[idx])))
        if progress:
            progress(f"epoch {epoch + 1}/{epochs}: train loss {result.train_loss[-1]:.4f}")
    result.seconds = time.perf_counter() - t0
    model.eval()
    return result


@torch.no_grad()
def predict_classes(model: nn.Module, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """Arg-max class (n,) of ``model`` (eval mode) on ``x``."""
    model.eval()
    dev = _device(model)
    out = [model(torch.from_numpy(np.ascontiguousarray(x[lo:lo + batch_size],
                                                      dtype=np.float32)).to(dev))
           .argmax(1).cpu().numpy() for lo in range(0, x.shape[0], batch_size)]
    return np.concatenate(out)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None = None
                     ) -> np.ndarray:
    """(k, k) int64 counts: row = true class, column = predicted class (scikit-learn's
    layout), ``k`` = ``n_classes`` or one more than the largest label seen."""
    t, q = np.asarray(y_true, dtype=np.int64).ravel(), np.asarray(y_pred, dtype=np.int64).ravel()
    if t.shape != q.shape:
        raise ValueError(f"{t.shape[0]} true labels but {q.shape[0]} predictions")
    k = int(n_classes) if n_classes is not None else int(max(t.max(initial=0),
                                                             q.max(initial=0))) + 1
    for name, v in (("true labels", t), ("predictions", q)):
        if v.size and (v.min() < 0 or v.max() >= k):
            raise ValueError(f"{name} must be class indices in [0, {k}); got "
                             f"{int(v.min())}…{int(v.max())}")
    return np.bincount(t * k + q, minlength=k * k).reshape(k, k)


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of ``x`` classified as ``y`` (a *classification* accuracy)."""
    return float((predict_classes(model, x) == np.asarray(y)).mean())
