"""Sections that show the model's outputs on test samples next to the truth.

Image data get a grid of test samples: original above reconstruction, or — for a task
that corrupts its inputs — noisy input, the model's output and the clean image. Vector
data get a per-feature error table instead. The inputs are corrupted exactly as
``aekit evaluate`` corrupted them, so the pictures show what was scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aekit.capabilities import Capability
from aekit.report.page import Section, class_name, escape, figure
from aekit.report.registry import DataSamples, ReportContext, section

N_SHOW = 10  # samples in the reconstruction grid
N_FEATURES = 10  # features in the per-feature table of vector data
N_VECTOR = 10240  # at most this many test rows for the per-feature table


def _image_data(ctx: ReportContext) -> bool:
    return ctx.image and not ctx.restores


def _vector_data(ctx: ReportContext) -> bool:
    return not ctx.image and not ctx.restores


@section(order=40, requires={Capability.EMBED}, task=lambda task: not task.corrupts,
         when=_image_data)
def reconstructions(ctx: ReportContext) -> Section:
    """A grid of test images (top) above the model's reconstructions (bottom)."""
    sec, data = ctx.data_section("reconstructions", "Reconstructions")
    if data is None:
        return sec
    shown = _shown(ctx, data)
    rows = [("original", shown.clean), ("reconstruction", shown.outputs)]
    caption = "Test samples (top) and the model's reconstructions (bottom)."
    sec.body.append(_grid(ctx, shown, rows, caption))
    return sec


@section(order=40, requires={Capability.EMBED}, task=lambda task: task.corrupts,
         when=_image_data)
def denoising_examples(ctx: ReportContext) -> Section:
    """Noisy test inputs, the model's outputs and the clean images, one row each."""
    sec, data = ctx.data_section("reconstructions", "Denoising examples")
    if data is None:
        return sec
    shown = _shown(ctx, data)
    rows = [("noisy", shown.inputs), ("denoised", shown.outputs), ("clean", shown.clean)]
    caption = (f"Test samples with the evaluation noise "
               f"<code>{escape(ctx.loaded.config.task.noise)}</code>: noisy input (top), the "
               f"model's output (middle) and the clean image (bottom).")
    sec.body.append(_grid(ctx, shown, rows, caption))
    return sec


@section(order=40, requires={Capability.EMBED}, when=_vector_data)
def feature_errors(ctx: ReportContext) -> Section:
    """Vector data: reconstruction MSE per feature, against the feature's variance.

    MSE / variance below 1 means the model beats predicting the feature's mean, which
    makes errors comparable across features of different scales.
    """
    from aekit.tasks.infer import corrupted_inputs, predict

    sec, data = ctx.data_section("reconstructions", "Per-feature reconstruction error")
    if data is None:
        return sec
    cfg = ctx.loaded.config
    names = data.feature_names
    x = data.x[:N_VECTOR]
    inputs = corrupted_inputs(ctx.task, x, cfg.task.eval_seed)
    x_hat, _ = predict(ctx.loaded.model, np.asarray(inputs, dtype=np.float32))
    flat, pred = x.reshape(x.shape[0], -1), x_hat.reshape(x.shape[0], -1)
    mse = ((pred.astype(np.float64) - flat) ** 2).mean(0)
    var = flat.astype(np.float64).var(0)
    k = min(N_FEATURES, flat.shape[1])
    body = []
    for j in range(k):
        name = names[j] if names is not None and j < len(names) else f"feature {j}"
        rel = f"{mse[j] / var[j]:.3g}" if var[j] > 0 else "—"
        body.append(f"<tr><td>{escape(str(name))}</td><td class=num>{mse[j]:.4g}</td>"
                    f"<td class=num>{var[j]:.4g}</td><td class=num>{rel}</td></tr>")
    table = ("<table class=metrics><thead><tr><th>feature</th><th>MSE</th>"
             "<th>variance</th><th>MSE / variance</th></tr></thead>"
             f"<tbody>{''.join(body)}</tbody></table>")
    more = f" (first {k} of {flat.shape[1]} features)" if flat.shape[1] > k else ""
    sec.body += [f"<p>Reconstruction MSE per feature on {x.shape[0]} test samples{more}. "
                 f"MSE / variance below 1 means the model does better than predicting each "
                 f"feature's mean.</p>", table]
    return sec


@dataclass(frozen=True)
class _Shown:
    """The test samples a grid shows, the model's inputs and outputs for them."""

    idx: np.ndarray  # test indices
    inputs: np.ndarray  # what the model was given (corrupted as in evaluation)
    outputs: np.ndarray
    clean: np.ndarray
    titles: list[str] | None  # class names of the columns


def _shown(ctx: ReportContext, data: DataSamples) -> _Shown:
    from aekit.tasks.infer import corrupted_inputs, predict

    cfg = ctx.loaded.config
    x_test, y_test = data.x, data.y
    idx = pick_samples(y_test, x_test.shape[0], N_SHOW)
    # noise is keyed per sample: the shown samples get what `aekit evaluate` scored
    inputs = corrupted_inputs(ctx.task, np.asarray(x_test[idx]), cfg.task.eval_seed,
                              index=idx)
    inputs = np.asarray(inputs, dtype=np.float32)
    x_hat, _ = predict(ctx.loaded.model, inputs,
                       y=None if y_test is None else np.asarray(y_test)[idx])
    titles = None
    if y_test is not None:
        titles = [class_name(int(y_test[i]), data.classes) for i in idx]
    return _Shown(idx, inputs, x_hat, x_test[idx], titles)


def _grid(ctx: ReportContext, shown: _Shown, rows: list[tuple[str, np.ndarray]],
          caption: str) -> str:
    from aekit.report.figures import image_rows

    idx = shown.idx
    how = ("the first test sample of each class, then the next ones in turn"
           if shown.titles is not None else f"the first {len(idx)} test samples")
    png = image_rows(rows, ctx.fig_dir / "reconstructions.png", shown.titles)
    return figure(png, f"{caption} Samples: {how} (test indices "
                       f"{', '.join(str(int(i)) for i in idx)}).", "reconstructions")


def pick_samples(labels: np.ndarray | None, n: int, k: int = N_SHOW) -> np.ndarray:
    """Deterministic test indices to show: round-robin over classes, else the first ``k``.

    With labels, the first sample of each class (in class order), then the second of
    each class, and so on until ``k`` are chosen (at most one per class when there are
    at least ``k`` classes). Showing every class beats showing the first ``k`` samples,
    which may all be one class.
    """
    k = min(k, n)
    if labels is None:
        return np.arange(k)
    labels = np.asarray(labels)[:n]
    per_class = [np.flatnonzero(labels == c) for c in np.unique(labels)]
    chosen: list[int] = []
    depth = 0
    while len(chosen) < k:
        added = False
        for members in per_class:
            if depth < members.size and len(chosen) < k:
                chosen.append(int(members[depth]))
                added = True
        if not added:
            break
        depth += 1
    return np.array(chosen, dtype=np.int64)
