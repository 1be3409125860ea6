"""Evaluation of sequence models (the composite LSTM) on the test split.

Metrics are split the way Srivastava et al. (2015) report them: the **reconstruction**
of the K input frames and the **prediction** of the F future frames, each as squared
error per value (``mse_*``) and, for data in [0, 1] modelled with a sigmoid output, as
the paper's **per-frame binary cross-entropy** (``bce_*``: nats summed over a frame's
pixels, averaged over frames and sequences; predictions clipped to [1e-7, 1 − 1e-7],
as in the training loss).

Baselines on the same test sequences (all statistics from the training split, the
blend weight tuned on validation sequences — an untuned baseline is a straw man):

* ``copy_last`` — every future frame is a copy of the last input frame (for time series:
  the persistence forecast);
* ``copy_last_tuned`` — the copy blended with the training mean frame,
  ``(1 − α)·last + α·mean``, α chosen on validation; a copy of a sharp frame is
  punished hard by cross-entropy wherever a digit moved, the blend is the fair version;
* ``mean_frame`` — the training mean frame for every frame;
* ``pca`` — PCA with as many components as the code has numbers, fitted on the training
  input frames, reconstructing the test input frames (reconstruction only);
* ``pca+copy_last`` — PCA for the input frames and the tuned copy for the future: a whole
  sequence, so its ``mse`` is comparable with the model's overall ``mse``.

``metrics.json`` therefore holds ``metrics`` (``mse``, ``mae``, ``mse_recon``,
``mse_future``, ``bce_recon``, ``bce_future``, ``bce_future_per_step``), ``baselines``,
``best_baseline`` / ``mse_ratio`` over the whole-sequence baselines, and ``future``:
the model's future-prediction numbers next to the two copy baselines, the headline.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aekit.evaluate.registry import EvalContext, evaluator

if TYPE_CHECKING:
    from aekit.data.splits import Splits
    from aekit.io import LoadedRun
    from aekit.models.base import Autoencoder

# per-window anomaly scores of the test split, next to each window's id: recon_mse (the K
# input steps' reconstruction), future_mse (the F forecast steps), score (all T steps)
SCORES = "window_scores.csv"

EPS = 1e-7
ALPHAS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)
N_TUNE = 200  # validation sequences used to tune the copy blend


def frame_bce(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-frame binary cross-entropy (nats summed over a frame) → (n, T)."""
    p = np.clip(pred.astype(np.float64), EPS, 1 - EPS)
    t = target.astype(np.float64)
    ce = -(t * np.log(p) + (1 - t) * np.log1p(-p))  # (n, T, …)
    return ce.reshape(ce.shape[0], ce.shape[1], -1).sum(-1)


def frame_mse(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-frame mean squared error per value → (n, T)."""
    d = (pred.astype(np.float64) - target) ** 2
    return d.reshape(d.shape[0], d.shape[1], -1).mean(-1)


def _parts(pred: np.ndarray, x: np.ndarray, k: int, binary: bool, prefix: str = ""
           ) -> dict[str, Any]:
    """mse/mae (+ bce) of a prediction of frames ``[k:]`` (or all if k == 0)."""
    out: dict[str, Any] = {}
    tgt = x[:, k:]
    out[f"mse{prefix}"] = float(frame_mse(pred, tgt).mean())
    out[f"mae{prefix}"] = float(np.abs(pred.astype(np.float64) - tgt).mean())
    if binary:
        out[f"bce{prefix}"] = float(frame_bce(pred, tgt).mean())
    return out


def _copy_blend(last: np.ndarray, mean: np.ndarray, alpha: float, steps: int) -> np.ndarray:
    """(n, *frame) last frames → (n, steps, *frame) blended copies."""
    frame = (1 - alpha) * last + alpha * mean[None]
    return np.repeat(frame[:, None], steps, axis=1).astype(np.float32)


def evaluate_sequence_run(loaded: LoadedRun, splits: Splits, x_test: np.ndarray,
                          say: Callable[[str], None]) -> dict[str, Any]:
    """What ``aekit evaluate`` does for a sequence run: metrics + ``window_scores.csv``."""
    from aekit.tasks.infer import corrupted_inputs, predict
    from aekit.tasks.pairs import build_task

    cfg, model = loaded.config, loaded.model
    task = build_task(cfg.task)
    inputs = corrupted_inputs(task, x_test, cfg.task.eval_seed)
    k = int(getattr(model, "n_input", x_test.shape[1]))
    say(f"model on {x_test.shape[0]} test sequences ({k} input frames, "
        f"{x_test.shape[1] - k} predicted)")
    pred, _ = predict(model, inputs, batch_size=64)  # (n, T, *frame), natural order
    out = evaluate_sequences(model, splits, x_test, inputs, pred, say)
    if task.corrupts:
        out["noise"] = cfg.task.noise
    ids = getattr(splits.dataset, "ids_test", None)
    write_scores(loaded.path / SCORES, scores_from_errors(frame_mse(pred, x_test), k),
                 None if ids is None else ids[: x_test.shape[0]])
    out["scores_file"] = SCORES
    return out


def evaluate_sequences(model: Autoencoder, splits: Splits, x_test: np.ndarray, inputs: np.ndarray,
                       pred: np.ndarray, say: Callable[[str], None]) -> dict[str, Any]:
    """Model predictions ``pred`` vs copy / mean / PCA baselines; see the module docstring."""
    from aekit.evaluate.baselines import pca_reconstruct

    k = int(getattr(model, "n_input", x_test.shape[1]))
    f = x_test.shape[1] - k
    binary = (model.cfg.output_activation == "sigmoid" and float(x_test.min()) >= 0
              and float(x_test.max()) <= 1)
    per_frame = frame_mse(pred, x_test)  # (n, T)
    metrics: dict[str, Any] = {"mse": float(per_frame.mean()),
                               "mae": float(np.abs(pred.astype(np.float64) - x_test).mean()),
                               "mse_recon": float(per_frame[:, :k].mean())}
    bce = frame_bce(pred, x_test) if binary else None
    if bce is not None:
        metrics["bce_recon"] = float(bce[:, :k].mean())
    if f:
        metrics["mse_future"] = float(per_frame[:, k:].mean())
        metrics["mse_future_per_step"] = [round(float(v), 6) for v in per_frame[:, k:].mean(0)]
        if bce is not None:
            metrics["bce_future"] = float(bce[:, k:].mean())
            metrics["bce_future_per_step"] = [round(float(v), 3) for v in bce[:, k:].mean(0)]

    x_train = splits.x_train
    mean_frame = x_train.reshape(-1, *x_train.shape[2:]).mean(0)  # (*frame)
    baselines: dict[str, Any] = {}
    mean_pred = np.broadcast_to(mean_frame, x_test.shape)
    baselines["mean_frame"] = {**_parts(mean_pred, x_test, 0, binary),
                               **_parts(mean_pred[:, :k], x_test[:, :k], 0, binary, "_recon")}
    n_comp = min(model.code_size, x_train.shape[0], int(np.prod(x_train.shape[2:])) * k)
    say(f"PCA baseline with {n_comp} components on the input frames (training split)")
    pca_rec = pca_reconstruct(x_train[:, :k], inputs[:, :k], n_comp)
    if binary:
        pca_rec = np.clip(pca_rec, 0, 1)
    baselines["pca"] = {**_parts(pca_rec, x_test[:, :k], 0, binary, "_recon"),
                        "components": n_comp}
    future: dict[str, Any] = {}
    if f:
        baselines["mean_frame"].update(_parts(mean_pred[:, k:], x_test, k, binary, "_future"))
        last = inputs[:, k - 1]
        copy = _copy_blend(last, mean_frame, 0.0, f)
        baselines["copy_last"] = _parts(copy, x_test, k, binary, "_future")
        x_val = splits.x_val[:N_TUNE] if splits.x_val.shape[0] else x_train[:N_TUNE]
        key = "bce_future" if binary else "mse_future"
        scores = {a: _parts(_copy_blend(x_val[:, k - 1], mean_frame, a, f), x_val, k, binary,
                            "_future")[key] for a in ALPHAS}
        alpha = min(scores, key=scores.get)
        tuned = _copy_blend(last, mean_frame, alpha, f)
        baselines["copy_last_tuned"] = {**_parts(tuned, x_test, k, binary, "_future"),
                                        "alpha": alpha}
        whole = np.concatenate([pca_rec, tuned], axis=1)
        baselines["pca+copy_last"] = _parts(whole, x_test, 0, binary)
        future = {"metric": key, "model": metrics[key],
                  "copy_last": baselines["copy_last"][key],
                  "copy_last_tuned": baselines["copy_last_tuned"][key]}
        future["beats_copy_last"] = bool(future["model"] < min(future["copy_last"],
                                                                  future["copy_last_tuned"]))
    else:
        baselines["pca"]["mse"] = baselines["pca"]["mse_recon"]
        baselines["pca"]["mae"] = baselines["pca"]["mae_recon"]
    whole_seq = {n: b for n, b in baselines.items() if "mse" in b}
    best = min(whole_seq, key=lambda n: whole_seq[n]["mse"])
    out: dict[str, Any] = {"metrics": metrics, "baselines": baselines, "best_baseline": best,
                           "mse_ratio": metrics["mse"] / max(whole_seq[best]["mse"], 1e-12),
                           "input_frames": k, "future_frames": f}
    if future:
        out["future"] = future
    return out


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


@evaluator("sequence", order=10, when=lambda ctx: ctx.model.input_kind == "sequence")
def _sequence(ctx: EvalContext) -> dict[str, Any]:
    """Sequences: input and future parts, copy / mean-frame / PCA baselines, window scores."""
    return evaluate_sequence_run(ctx.loaded, ctx.splits, ctx.x_test, ctx.say)
