"""Textbook recipes at full size: what each reaches on this machine, next to PCA.

Trains each named recipe (``aekit recipes``) exactly as ``aekit train --recipe NAME``
would — same settings, full data, the recipe's epochs and early stopping — evaluates it
with ``aekit evaluate`` (PCA with as many components as the code has numbers, fitted on
the training split) and prints one row per recipe; ``docs/recipes.md`` records them.

    python benchmarks/recipes.py [--only dense-mnist blog-z2-mnist ...]
        [--set KEY=VALUE ...] [--out benchmarks/results/recipes] [--reuse]

The default set is the four the docs report: dense-mnist, sparse-shallow-mnist,
blog-z2-mnist and conv-cifar on Fashion-MNIST resized to 32×32 RGB (CIFAR-10 itself
cannot be fetched here; the layout is CIFAR's, the data is not).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

DEFAULT = ("dense-mnist", "sparse-shallow-mnist", "blog-z2-mnist", "conv-cifar")
# recipe -> settings that replace its data here (and say so in the table)
STAND_IN = {"conv-cifar": ("data.source=fashion-mnist", "data.image_size=32",
                           "data.channels=3")}


def run_recipe(name: str, out: Path, extra: list[str], reuse: bool) -> dict[str, object]:
    """Train (or reuse) and evaluate one recipe; its row of the table."""
    import aekit
    from aekit.recipes import recipe_config

    run = out / name
    overrides = [*STAND_IN.get(name, ()), *extra]
    seconds: float | None = None
    if not (reuse and (run / "model.safetensors").is_file()):
        if run.exists():
            shutil.rmtree(run)
        cfg = recipe_config(name, overrides)
        print(f"== {name}: up to {cfg.train.epochs} epochs", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        aekit.train(cfg, run, quiet=True)
        seconds = round(time.perf_counter() - t0, 1)
    metrics = json.loads((run / "metrics.json").read_text())
    history = (run / "history.csv").read_text().strip().splitlines()[1:]
    m, pca = metrics["metrics"], metrics["baselines"]["pca"]
    return {"recipe": name, "data": metrics["data"], "epochs": len(history),
            "seconds": seconds, "psnr": round(m["psnr"], 2), "ssim": round(m["ssim"], 3),
            "pca_psnr": round(pca["psnr"], 2), "pca_components": pca["components"],
            "gain_db": round(m["psnr"] - pca["psnr"], 2),
            "code_size": metrics.get("code_size"), "stand_in": list(STAND_IN.get(name, ()))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", default=list(DEFAULT), metavar="RECIPE")
    ap.add_argument("--set", dest="extra", action="append", default=[], metavar="KEY=VALUE",
                    help="change every recipe run, e.g. --set train.epochs=2 (a quick look)")
    ap.add_argument("--out", default="benchmarks/results/recipes")
    ap.add_argument("--reuse", action="store_true", help="reuse finished runs in --out")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = [run_recipe(n, out, args.extra, args.reuse) for n in args.only]
    (out / "summary.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(f"{'recipe':<22} {'data':<14} {'ep':>3} {'time s':>7} {'PSNR':>6} {'SSIM':>6} "
          f"{'PCA':>6} {'comp':>5} {'gain':>6}")
    for r in rows:
        print(f"{r['recipe']:<22} {str(r['data'])[:14]:<14} {r['epochs']:>3} "
              f"{r['seconds'] if r['seconds'] is not None else 'reused':>7} "
              f"{r['psnr']:>6} {r['ssim']:>6} {r['pca_psnr']:>6} {r['pca_components']:>5} "
              f"{r['gain_db']:>+6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
