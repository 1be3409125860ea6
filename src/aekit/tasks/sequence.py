"""Per-sequence (per-window) anomaly scores from a composite LSTM autoencoder.

A window the model cannot reconstruct or forecast well is unusual for the series it was
trained on (Malhotra et al. 2016, *LSTM-based Encoder-Decoder for Multi-sensor Anomaly
Detection*, use the reconstruction error the same way). For each window:

* ``recon_mse`` — mean squared error of the K input steps' reconstruction;
* ``future_mse`` — mean squared error of the F forecast steps (empty when F = 0);
* ``score`` — mean squared error over all T steps (higher = more anomalous).

``aekit evaluate`` writes them for the test split to ``RUN/window_scores.csv`` next to
each window's id (its first row's id, see :mod:`aekit.data.timeseries`).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

SCORES = "window_scores.csv"


def sequence_scores(model: Any, x: np.ndarray, batch_size: int = 64) -> dict[str, np.ndarray]:
    """Scores of sequences ``x`` (n, T, …) under ``model`` → arrays of shape (n,)."""
    from aekit.evaluate.sequence import frame_mse
    from aekit.tasks.infer import predict

    pred, _ = predict(model, x, batch_size=batch_size)
    return scores_from_errors(frame_mse(pred, x), int(getattr(model, "n_input", x.shape[1])))


def scores_from_errors(per_frame: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Per-frame squared errors (n, T) and the number of input frames → the scores."""
    out = {"recon_mse": per_frame[:, :k].mean(1), "score": per_frame.mean(1)}
    if k < per_frame.shape[1]:
        out["future_mse"] = per_frame[:, k:].mean(1)
    return out


def write_scores(path: Path, scores: dict[str, np.ndarray], ids: np.ndarray | None) -> Path:
    """Write ``index,id,recon_mse[,future_mse],score`` rows atomically."""
    from aekit.io import atomic_write_text

    cols = [c for c in ("recon_mse", "future_mse", "score") if c in scores]
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["index", "id", *cols])
    n = len(scores["score"])
    for i in range(n):
        w.writerow([i, "" if ids is None else ids[i], *(f"{scores[c][i]:.6g}" for c in cols)])
    atomic_write_text(path, buf.getvalue())
    return path
