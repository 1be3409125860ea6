"""``aekit demo``: the main job a newcomer runs (``make demo``).

Trains two models on Fashion-MNIST and writes a report for each:

1. ``demo-conv``: the ``conv`` preset (strided conv encoder, 16-number code, transposed
   conv decoder) reconstructing clothes, compared with PCA-16;
2. ``demo-denoise``: a fully convolutional denoising autoencoder (``conv-full``) on
   x + 0.35·N(0, 1) clipped to [0, 1], compared with non-local means, total variation
   and wavelet denoising tuned on validation images.

Sized to finish in under 5 minutes on 2 CPU cores. ``--quick`` trains both on 600
images for one epoch — a smoke test of the whole path (training, evaluation with every
baseline, reports) in about a minute (46 s measured on 2 cores), not a result: its
models lose to the baselines, and the summary says so.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from aekit.config import RunConfig, preset_config, validate
from aekit.errors import RunError
from aekit.io import CONFIG, read_json
from aekit.log import reporter


def demo_configs(quick: bool = False) -> dict[str, RunConfig]:
    """The two demo runs' configs (also used by tests and docs)."""
    conv = RunConfig()
    conv.data.source = "fashion-mnist"
    conv.model = preset_config("conv")
    conv.model.latent_dim = 16
    conv.train.epochs = 6
    conv.train.batch_size = 128
    conv.train.lr = 2e-3
    conv.train.lr_schedule = "cosine"

    den = RunConfig()
    den.data.source = "fashion-mnist"
    den.task.name = "denoise"
    den.task.noise = "gaussian:0.35"
    den.model = preset_config("conv-full")
    den.train.epochs = 4
    den.train.batch_size = 128
    den.train.lr = 2e-3
    den.train.lr_schedule = "cosine"
    if quick:
        for cfg in (conv, den):
            cfg.data.limit = 600
            cfg.train.epochs = 1
    for cfg in (conv, den):
        validate(cfg)
    return {"demo-conv": conv, "demo-denoise": den}


def _clear_previous(run_dir: Path) -> None:
    """Remove an earlier demo run in the same place (only if it is an aekit run)."""
    if not run_dir.exists():
        return
    cfg = run_dir / CONFIG
    if not cfg.is_file() or "aekit_version" not in read_json(cfg):
        raise RunError(f"{run_dir} exists and is not an aekit run; move it away or pass "
                       f"--out to another folder")
    shutil.rmtree(run_dir)


def run_demo(out: str | Path = "runs", quick: bool = False) -> list[Path]:
    """Train, evaluate and report both demo runs under ``out``; print a summary."""
    from aekit.api import train as train_run
    from aekit.evaluate.run import summary_line
    from aekit.tasks.pairs import build_task

    say = reporter("demo")

    t0 = time.perf_counter()
    parent = Path(out)
    written = []
    for name, cfg in demo_configs(quick).items():
        run_dir = parent / name
        _clear_previous(run_dir)
        noise = f", {cfg.task.noise}" if build_task(cfg.task).corrupts else ""
        say(f"{name}: {cfg.model.name} on {cfg.data.source} ({cfg.task.name}{noise}), "
            f"{cfg.train.epochs} epochs")
        train_run(cfg, run_dir)
        written.append(run_dir)
    print(f"\ndemo finished in {time.perf_counter() - t0:.0f} s")
    if quick:
        print("(--quick: 600 images, 1 epoch — a smoke test of the whole path, not a result; "
              "`aekit demo` gives the real numbers)")
    for run_dir in written:
        print(summary_line(run_dir.name, read_json(run_dir / "metrics.json")))
        print(f"  report: {(run_dir / 'report.html').resolve()}")
    return written
