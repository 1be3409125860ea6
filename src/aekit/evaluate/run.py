"""``aekit evaluate RUN``: score a run on its test split against reference baselines.

Writes ``metrics.json``::

    {"split": "test", "n": 10000, "task": "denoise", "noise": "gaussian:0.35",
     "code_size": 16,
     "metrics":   {"mse", "psnr", "ssim"},            # the model, on the test split
     "input":     {"mse", "psnr", "ssim"},            # denoise only: noisy vs clean
     "baselines": {"pca": {...}, "nl_means": {...}, "tv": {...}, "wavelet": {...},
                   "bilateral": {...}},               # (+ "bm3d" for photos, an extra)
     "best_baseline": "pca", "gain_db": 3.1,          # model PSNR − best baseline PSNR
     "overcomplete": {...},                            # instead of "pca" when the code has
                                                       # ≥ as many numbers as the input
     "rate_distortion": {"jpeg": [...], "model": {...}},  # image reconstruction runs
     "generation": {...}}                              # generative models: FD + references
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from aekit.capabilities import Capability
from aekit.errors import ConfigError
from aekit.evaluate.registry import EvalContext, evaluator, evaluators_for
from aekit.io import METRICS, load_run, safe_name, write_json
from aekit.log import NO_BARS, Bars, bars, reporter
from aekit.tasks.pairs import build_task

if TYPE_CHECKING:
    from aekit.config import RunConfig
    from aekit.data.splits import Splits
    from aekit.models.base import Autoencoder

N_TUNE = 100  # validation images used to tune each classical denoiser




def metrics_file(run: str | Path, *, data: str | None = None, limit: int | None = None
                 ) -> Path:
    """Where an evaluation is written: ``RUN/metrics.json`` for the run's own full test
    split — the file the report reads —, else a file named after the subset
    (``metrics.limit8.json``, ``metrics.data-mnist.json``), so a partial evaluation never
    replaces the full one."""
    tags = []
    if data:
        tags.append("data-" + safe_name(data, "other"))
    if limit is not None:
        tags.append(f"limit{limit}")
    name = METRICS if not tags else f"{Path(METRICS).stem}.{'.'.join(tags)}.json"
    return Path(run) / name


def evaluate_run(run: str | Path, *, data: str | None = None, limit: int | None = None,
                 progress: bool = True) -> dict[str, Any]:
    """Evaluate ``run`` on the test split of its data (or of ``data``, or its first
    ``limit`` samples); write the result to :func:`metrics_file` and return it."""
    from aekit.rundata import splits_for_run

    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be ≥ 1 (the number of test samples); got {limit}")
    say = reporter("evaluate", progress)
    t0 = time.perf_counter()
    loaded = load_run(run)
    cfg, model = loaded.config, loaded.model
    data_cfg, splits = splits_for_run(loaded, data)
    fp = getattr(splits.dataset, "fingerprint", None)
    if not data and fp and fp != loaded.meta.get("data_fingerprint"):
        warnings.warn(f"the data of {cfg.data.source} changed since this run was trained "
                      f"(fingerprint {fp} vs {loaded.meta.get('data_fingerprint')})",
                      stacklevel=2)
    x_test = splits.x_test if limit is None else splits.x_test[:limit]
    y_test = None if splits.y_test is None else splits.y_test[: x_test.shape[0]]
    result: dict[str, Any] = {"split": "test", "n": len(x_test),
                              "data": data_cfg.source, "task": cfg.task.name}
    if Capability.EMBED in model.capabilities:
        result["code_size"] = model.code_size
    ctx = EvalContext(loaded, build_task(cfg.task), splits, x_test, y_test, say,
                      bars("evaluate", progress))
    for spec in evaluators_for(ctx):  # see aekit.evaluate.registry
        result.update(spec.fn(ctx))
    result["seconds"] = round(time.perf_counter() - t0, 2)
    write_json(metrics_file(loaded.path, data=data, limit=limit), result)
    return result


@evaluator("reconstruction", order=40, requires={Capability.EMBED})
def _reconstruction_of(ctx: EvalContext) -> dict[str, Any]:
    """Autoencoders with a code: the model vs PCA (and classical denoisers) per sample."""
    return _reconstruction(ctx.model, ctx.cfg, ctx.splits, ctx.x_test, ctx.y_test, ctx.say,
                           ctx.bars)


def _reconstruction(model: Autoencoder, cfg: RunConfig, splits: Splits, x_test: np.ndarray,
                    y_test: np.ndarray | None, say: Any, bars: Bars = NO_BARS
                    ) -> dict[str, Any]:
    """Model vs PCA (and classical denoisers) on the same test inputs."""
    from aekit.evaluate.baselines import classical_denoisers, pca_fit_rows, pca_reconstruct
    from aekit.evaluate.metrics import sample_metrics
    from aekit.tasks.infer import corrupted_inputs, predict

    task = build_task(cfg.task)
    seed = cfg.task.eval_seed
    inputs = corrupted_inputs(task, x_test, seed)
    say(f"model on {x_test.shape[0]} test samples")
    with bars("model pass", x_test.shape[0], "samples") as bar:
        pred, _ = predict(model, inputs, y=y_test, bar=bar)
    out: dict[str, Any] = {"metrics": sample_metrics(pred, x_test)}
    if task.corrupts:
        out["noise"] = cfg.task.noise
        out["input"] = sample_metrics(inputs, x_test)
    code_size = model.code_size
    # PCA at the code's size in bits: one float32 component per 32 bits of code (a float
    # code: one component per number)
    bits = code_size * (model.code_bits or 32)
    budget = code_size if model.code_bits is None else max(1, int(bits // 32))
    if model.code_bits is not None:
        out["code_bits"] = bits
    dims = int(np.prod(splits.input_shape))
    baselines: dict[str, Any] = {}
    if budget >= dims:
        # An overcomplete code (conv-full: 3,136 numbers for 784 pixels) can copy its
        # input; PCA with as many components keeps every dimension and returns its input
        # unchanged — the noisy input for denoising, a perfect score otherwise. Such a row
        # is no reference, so there is none; the classical denoisers still are.
        out["overcomplete"] = {"code_numbers": budget, "input_numbers": dims}
        say(f"no PCA baseline: the code is overcomplete ({budget:,} numbers for {dims:,} "
            f"input numbers), so PCA at its size would return its input unchanged")
    else:
        # PCA cannot keep more components than there are samples
        fit = pca_fit_rows(splits.x_train, seed)
        n_comp = min(budget, fit.shape[0])
        part = "the training split" if fit is splits.x_train else \
            f"{fit.shape[0]:,} of the {splits.x_train.shape[0]:,} streamed training samples"
        say(f"PCA baseline with {n_comp} components (fitted on {part})")
        baselines["pca"] = {**sample_metrics(pca_reconstruct(fit, inputs, n_comp), x_test),
                            "components": n_comp}
        if fit is not splits.x_train:
            baselines["pca"]["fitted_on"] = int(fit.shape[0])
    if task.corrupts and x_test.ndim == 4:
        x_val = splits.x_val[:N_TUNE] if splits.x_val.shape[0] else splits.x_train[:N_TUNE]
        noisy_val = corrupted_inputs(task, x_val, seed + 1)
        baselines.update(classical_denoisers(np.clip(noisy_val, 0, 1), x_val,
                                             np.clip(inputs, 0, 1), x_test, progress=say,
                                             bars=bars))
    out["baselines"] = baselines
    if not task.corrupts and not task.changes_size and x_test.ndim == 4:
        # a compression run: JPEG's rate–distortion curve next to the code's bits
        from aekit.evaluate.baselines import RD_MAX_IMAGES, rate_distortion

        if x_test.shape[1] in (1, 3):
            say(f"JPEG rate–distortion on {min(len(x_test), RD_MAX_IMAGES)} test images")
            out["rate_distortion"] = rate_distortion(model, splits.x_train, x_test, pred, seed)
        else:
            say(f"no JPEG rate–distortion: JPEG takes 1 or 3 channels, not {x_test.shape[1]}")
    if not baselines:
        return out
    key = "psnr" if "psnr" in out["metrics"] else "mse"
    pick = max if key == "psnr" else min
    best = pick(baselines, key=lambda k: baselines[k][key])
    out["best_baseline"] = best
    if key == "psnr":
        out["gain_db"] = out["metrics"]["psnr"] - baselines[best]["psnr"]
    else:
        out["mse_ratio"] = out["metrics"]["mse"] / max(baselines[best]["mse"], 1e-12)
    return out


def summary_line(name: str, m: dict[str, Any]) -> str:
    """One line with a run's answer: its headline metric against the best baseline and
    the gain (what ``aekit train``, ``aekit demo`` print at the end)."""
    scores = m.get("metrics") or {}
    base = (m.get("baselines") or {}).get(m.get("best_baseline"))
    if "psnr" in scores and isinstance(base, dict) and "psnr" in base:
        ssim = scores.get("ssim", float("nan"))
        line = (f"{name}: PSNR {scores['psnr']:.2f} dB, SSIM {ssim:.3f}; "
                f"best baseline {m['best_baseline']} {base['psnr']:.2f} dB "
                f"({scores['psnr'] - base['psnr']:+.2f} dB)")
        if isinstance(m.get("input"), dict) and "psnr" in m["input"]:
            line += f"; noisy input {m['input']['psnr']:.2f} dB"
        return line
    if isinstance(m.get("generation"), dict) and "frechet_distance" in m["generation"]:
        return f"{name}: sample quality FD {m['generation']['frechet_distance']:.2f} " \
               f"(lower is better; the report puts it next to its references)"
    over = m.get("overcomplete")
    if "psnr" in scores and isinstance(over, dict):
        ssim = scores.get("ssim", float("nan"))
        return (f"{name}: PSNR {scores['psnr']:.2f} dB, SSIM {ssim:.3f}; "
                f"no baseline: the code is overcomplete ({over['code_numbers']:,} numbers for "
                f"{over['input_numbers']:,} input numbers) and can copy its input")
    return f"{name}: evaluated on {m.get('n', '?')} {m.get('split', 'test')} samples " \
           f"(metrics.json holds the numbers)"
