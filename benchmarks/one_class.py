"""One-class anomaly detection on MNIST and Fashion-MNIST (Ruff et al. 2018 protocol).

For each class c: train an autoencoder on the training images of class c only
(``data.train_classes=[c]``, validation held out from them), score the *whole* test
split by per-sample reconstruction error (``aekit.anomaly.anomaly_scores``; a VAE would
use its negative ELBO), and compute the AUROC of "label ≠ c". Prints AUROC per class
and the mean, next to published means (Deep SVDD, Ruff et al. 2018; CAE + OC-SVM and
GEOM, Golan & El-Yaniv 2018). Bars: mean ≥ 0.95 on MNIST, ≥ 0.90 on Fashion-MNIST.

    python benchmarks/one_class.py [--data mnist fashion-mnist] [--classes 0 1 …]
        [--epochs 12] [--latent-dim 16] [--limit N] [--out benchmarks/results/one_class]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np

BARS = {"mnist": 0.95, "fashion-mnist": 0.90}
PUBLISHED = {  # mean AUROC over the 10 one-class problems
    "mnist": {"CAE + OC-SVM": None, "Deep SVDD": 0.948, "GEOM": 0.980},
    "fashion-mnist": {"CAE + OC-SVM": 0.917, "Deep SVDD": None, "GEOM": 0.935},
}


def run_class(data: str, c: int, args: argparse.Namespace) -> dict[str, float]:
    """Train on class ``c`` of ``data``; return AUROC on the whole test split + timing."""
    from aekit.anomaly import anomaly_scores, auroc
    from aekit.config import RunConfig, preset_config, validate
    from aekit.data.splits import make_splits
    from aekit.engine.run import train_run
    from aekit.io import load_run

    cfg = RunConfig()
    cfg.data.source = data
    cfg.data.train_classes = [c]
    cfg.data.limit = args.limit
    cfg.model = preset_config(args.model)
    cfg.model.latent_dim = args.latent_dim
    cfg.train.epochs = args.epochs
    cfg.train.batch_size = args.batch_size
    cfg.train.lr = args.lr
    cfg.train.lr_schedule = "cosine"
    cfg.train.seed = args.seed
    validate(cfg)
    run = Path(args.out) / "runs" / f"{data}-{c}"
    if run.exists():
        shutil.rmtree(run)
    t0 = time.perf_counter()
    train_run(cfg, run, quiet=True)
    seconds = time.perf_counter() - t0
    loaded = load_run(run)
    splits = make_splits(cfg.data, cfg.train.seed)  # test split is never class-filtered
    assert splits.y_test is not None
    scores = anomaly_scores(loaded.model, splits.x_test)
    return {"auroc": auroc(scores, splits.y_test != c), "train_seconds": round(seconds, 1),
            "n_train": int(len(splits.x_train))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="+", default=["mnist", "fashion-mnist"])
    ap.add_argument("--classes", nargs="+", type=int, default=list(range(10)))
    ap.add_argument("--model", default="conv", help="aekit model preset (default conv)")
    ap.add_argument("--latent-dim", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--limit", type=int, help="first N training images of the class")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="benchmarks/results/one_class")
    args = ap.parse_args(argv)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    for data in args.data:
        per = {}
        for c in args.classes:
            per[c] = run_class(data, c, args)
            print(f"{data} class {c}: AUROC {per[c]['auroc']:.4f} "
                  f"({per[c]['n_train']} training images, {per[c]['train_seconds']} s)",
                  flush=True)
        mean = float(np.mean([r["auroc"] for r in per.values()]))
        results[data] = {"per_class": per, "mean_auroc": mean, "bar": BARS.get(data),
                         "published": PUBLISHED.get(data, {}),
                         "classes": args.classes, "complete": len(args.classes) == 10}
    print("\n| data | classes | mean AUROC | bar | published (mean) |")
    print("| --- | --- | --- | --- | --- |")
    for data, r in results.items():
        pub = ", ".join(f"{k} {v:.3f}" for k, v in r["published"].items() if v is not None)
        ok = "met" if r["bar"] is not None and r["mean_auroc"] >= r["bar"] else "NOT met"
        note = "" if r["complete"] else " (subset of classes)"
        print(f"| {data} | {len(r['classes'])} | {r['mean_auroc']:.4f} | ≥ {r['bar']} {ok}{note}"
              f" | {pub} |")
    meta = {"argv": sys.argv[1:], "settings": {k: v for k, v in vars(args).items()}}
    (out / "one_class.json").write_text(json.dumps({**meta, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
