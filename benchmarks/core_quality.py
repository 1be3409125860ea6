"""Quality bars of the core issue, on the official test splits, in one command.

Trains (or reuses, with --reuse) three runs and prints each model's PSNR next to the
baseline it must beat, computed by ``aekit evaluate`` in the same run:

* ``conv`` preset, latent 16, Fashion-MNIST        — bar: PSNR ≥ PCA-16 + 2 dB
* ``dense`` preset, latent 64, MNIST               — bar: PSNR > PCA-64
* ``conv-full`` denoiser, gaussian f = 0.35, Fashion-MNIST
                                                   — bar: PSNR ≥ best classical + 1 dB

    python benchmarks/core_quality.py [--out benchmarks/results/core] [--epochs-scale 1.0]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

BARS = {  # name -> (config overrides, bar in dB over the reference, reference)
    "conv16-fashion": ({"data.source": "fashion-mnist", "model.name": "conv",
                        "model.latent_dim": 16, "train.epochs": 15, "train.lr": 2e-3,
                        "train.lr_schedule": "cosine"}, 2.0, "pca"),
    "dense64-mnist": ({"data.source": "mnist", "model.name": "dense", "model.latent_dim": 64,
                       "train.epochs": 15, "train.batch_size": 256, "train.lr": 2e-3,
                       "train.lr_schedule": "cosine"}, 0.0, "pca"),
    "denoise035-fashion": ({"data.source": "fashion-mnist", "task.name": "denoise",
                            "task.noise": "gaussian:0.35", "model.name": "conv-full",
                            "train.epochs": 8, "train.lr": 2e-3,
                            "train.lr_schedule": "cosine"}, 1.0, "best classical"),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="benchmarks/results/core")
    ap.add_argument("--epochs-scale", type=float, default=1.0,
                    help="multiply every run's epochs (e.g. 0.2 for a quick look)")
    ap.add_argument("--reuse", action="store_true", help="evaluate existing runs in --out")
    ap.add_argument("--only", nargs="*", choices=list(BARS), help="run only these")
    args = ap.parse_args(argv)

    from _runs import train_or_reuse

    from aekit.evaluate.run import evaluate_run

    results = {}
    for name, (over, bar, ref) in BARS.items():
        if args.only and name not in args.only:
            continue
        run = Path(args.out) / name
        t0 = time.perf_counter()
        train_or_reuse(name, over, run, epochs_scale=args.epochs_scale, reuse=args.reuse)
        m = evaluate_run(run, progress=False)
        base = m["baselines"]
        ref_name = "pca" if ref == "pca" else max(
            (k for k in base if k != "pca"), key=lambda k: base[k]["psnr"])
        gain = m["metrics"]["psnr"] - base[ref_name]["psnr"]
        results[name] = {"psnr": m["metrics"]["psnr"], "ssim": m["metrics"]["ssim"],
                         "reference": ref_name, "reference_psnr": base[ref_name]["psnr"],
                         "gain_db": gain, "bar_db": bar, "met": gain >= bar if bar else gain > 0,
                         "input_psnr": m.get("input", {}).get("psnr"),
                         "seconds": round(time.perf_counter() - t0, 1)}
        r = results[name]
        print(f"{name}: PSNR {r['psnr']:.2f} dB vs {ref_name} {r['reference_psnr']:.2f} dB "
              f"→ {gain:+.2f} dB (bar {'>' if not bar else '≥ +'}{bar:g} dB: "
              f"{'met' if r['met'] else 'NOT met'}) [{r['seconds']} s]", flush=True)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "summary.json").write_text(json.dumps(results, indent=2))
    return 0 if all(r["met"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
