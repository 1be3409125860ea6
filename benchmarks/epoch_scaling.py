"""Epoch time against dataset size: does aekit's training scale linearly?

Trains one family's preset on the first N MNIST training images for N in ``--sizes``
(default 1,000, 4,000, 16,000 and 60,000; 10 % of each is held out for validation, as
always) with the aekit engine, and reads the training part of each epoch from
``history.csv`` (samples per second of the training steps; the first epoch is warm-up
and not used). Prints a table of N, training samples, seconds per epoch and samples/s,
then a least-squares line ``seconds = a + b·n`` with its R² and the throughput at the
largest size over the throughput at the second smallest (1.0 = perfectly linear; the
smallest size is dominated by per-epoch overhead, which the line's ``a`` shows).

    python benchmarks/epoch_scaling.py [--family dense|conv] [--sizes 1000 4000 16000 60000]
        [--epochs 2] [--out benchmarks/results/epoch_scaling]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", default="dense", choices=["dense", "conv"])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000, 16000, 60000])
    ap.add_argument("--epochs", type=int, default=2, help="epochs per size (≥ 2: the first "
                                                           "is warm-up)")
    ap.add_argument("--out", default="benchmarks/results/epoch_scaling")
    args = ap.parse_args(argv)
    if args.epochs < 2:
        ap.error("--epochs must be at least 2 (the first epoch is warm-up)")

    from aekit.config import RunConfig, preset_config
    from aekit.engine.history import read_history
    from aekit.engine.run import train_run

    rows = []
    for n in args.sizes:
        run = Path(args.out) / f"{args.family}-{n}"
        if run.exists():
            shutil.rmtree(run)
        cfg = RunConfig()
        cfg.data.source, cfg.data.limit = "mnist", n
        cfg.model = preset_config(args.family)
        cfg.train.epochs, cfg.train.batch_size = args.epochs, 128
        print(f"[scaling] {args.family} on {n} images, {args.epochs} epochs", file=sys.stderr,
              flush=True)
        train_run(cfg, run, quiet=True)
        hist = read_history(run / "history.csv")[1:]  # epoch 1 is warm-up
        rate = float(np.median([r["samples_per_s"] for r in hist]))
        n_train = n - int(round(n * cfg.data.val_fraction))
        rows.append((n, n_train, n_train / rate, rate))
    print("| images | training samples | seconds per epoch (training) | samples/s |")
    print("| --- | --- | --- | --- |")
    for n, n_train, secs, rate in rows:
        print(f"| {n:,} | {n_train:,} | {secs:.2f} | {rate:,.0f} |")
    x = np.array([r[1] for r in rows], dtype=np.float64)
    y = np.array([r[2] for r in rows], dtype=np.float64)
    b, a = np.polyfit(x, y, 1)
    pred = a + b * x
    r2 = 1.0 - float(((y - pred) ** 2).sum() / max(((y - y.mean()) ** 2).sum(), 1e-12))
    print(f"fit: seconds = {a:.3f} + {b * 1e6:.1f} µs × n   R² = {r2:.4f}")
    if len(rows) >= 3:
        print(f"throughput_ratio={rows[-1][3] / rows[1][3]:.3f}  "
              f"(samples/s at {rows[-1][0]:,} images / at {rows[1][0]:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
