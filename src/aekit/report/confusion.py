"""Confusion-matrix figures for classifiers: the probes on a run's codes and the
classifier baselines (``benchmarks/classifiers.py``). Rows are the true class, columns
the predicted one; each row is normalised to the share of its class, so a class the
classifier confuses shows as off-diagonal colour whatever its size, and the counts are
written in the cells."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from aekit.report.figures import pyplot, save_figure


def confusion_figure(matrix: np.ndarray, path: Path, title: str,
                     classes: Sequence[str] | None = None) -> bytes:
    """Draw one (k, k) confusion matrix (counts) as a row-normalised heat map."""
    plt = pyplot()
    m = np.asarray(matrix, dtype=np.float64)
    k = m.shape[0]
    share = m / np.maximum(m.sum(1, keepdims=True), 1.0)
    names = list(classes) if classes is not None and len(classes) == k else \
        [str(i) for i in range(k)]
    side = max(4.0, 0.45 * k + 1.5)
    fig, ax = plt.subplots(figsize=(side + 1.0, side))
    im = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    if k <= 20:
        for i in range(k):
            for j in range(k):
                if m[i, j]:
                    ax.text(j, i, f"{int(m[i, j])}", ha="center", va="center", fontsize=7,
                            color="white" if share[i, j] > 0.5 else "#1d232a")
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 2 else 0,
                  ha="right" if max(map(len, names)) > 2 else "center", fontsize=8)
    ax.set_yticks(range(k), names, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    acc = float(np.trace(m) / max(m.sum(), 1.0))
    ax.set_title(f"{title} — accuracy {acc:.4f}", fontsize=10)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    fig.tight_layout()
    return save_figure(fig, path)
