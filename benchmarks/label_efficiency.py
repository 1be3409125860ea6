"""Label efficiency of pretext pretraining on Fashion-MNIST: pretrained vs from scratch.

For each label fraction (1 %, 10 %, 100 % of the 60 000 training labels, class-
stratified and seeded) and each seed, ``aekit.tasks.pretrain.pretrain`` runs the
six-step recipe (warm-up → stem autoencoder → pretext on all training images →
copy back → fine-tune; reconstruction pretext by default) and trains the same classifier
from the same initial weights for
the same number of supervised epochs without pretraining. Test accuracy on the official
10 000 test images. Bar: pretrained beats from scratch at 1 % labels.

Supervised epochs per fraction default to 10 / 8 / 3 (1 % / 10 % / 100 %), so every
fraction gets a comparable number of optimizer steps; both arms always get the same.

    python benchmarks/label_efficiency.py [--fractions 0.01 0.1 1.0] [--seeds 0 1 2]
        [--epochs 10 8 3] [--pretext-epochs 3] [--pretext reconstruct] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="fashion-mnist")
    ap.add_argument("--fractions", nargs="+", type=float, default=[0.01, 0.1, 1.0])
    ap.add_argument("--epochs", nargs="+", type=int, default=[10, 8, 3],
                    help="supervised fine-tuning epochs, one per fraction")
    ap.add_argument("--warmup-epochs", type=int, default=1)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0])
    ap.add_argument("--pretext", default="reconstruct")
    ap.add_argument("--noise", default="gaussian:0.3")
    ap.add_argument("--pretext-epochs", type=int, default=3)
    ap.add_argument("--limit", type=int, help="first N training images (quick runs)")
    ap.add_argument("--out", default="benchmarks/results/label_efficiency.json")
    args = ap.parse_args(argv)
    if len(args.epochs) != len(args.fractions):
        ap.error("--epochs needs one value per --fractions value")

    from aekit.tasks.pretrain import PretrainConfig, pretrain

    rows = []
    for frac, epochs in zip(args.fractions, args.epochs, strict=True):
        for seed in args.seeds:
            cfg = PretrainConfig(data=args.data, label_fraction=frac, limit=args.limit,
                                 warmup_epochs=args.warmup_epochs, pretext=args.pretext,
                                 noise=args.noise, pretext_epochs=args.pretext_epochs,
                                 epochs=epochs, seed=seed)
            r = pretrain(cfg, None)
            rows.append({"fraction": frac, "seed": seed, "n_labelled": r["n_labelled"],
                         "supervised_epochs": r["supervised_epochs"],
                         "pretrained": r["pretrained_accuracy"],
                         "scratch": r["scratch_accuracy"], "gain": r["gain"],
                         "seconds": r["pretrained_seconds"] + r["scratch_seconds"]})
            print(f"labels {frac:g} seed {seed}: pretrained {r['pretrained_accuracy']:.4f}, "
                  f"scratch {r['scratch_accuracy']:.4f} ({100 * r['gain']:+.2f} points)",
                  flush=True)
    print("\n| labels | n labelled | supervised epochs | pretrained | from scratch | gain |")
    print("| --- | --- | --- | --- | --- | --- |")
    summary = []
    for frac in args.fractions:
        rs = [r for r in rows if r["fraction"] == frac]
        p, s = np.mean([r["pretrained"] for r in rs]), np.mean([r["scratch"] for r in rs])
        summary.append({"fraction": frac, "pretrained_mean": p, "scratch_mean": s,
                        "seeds": len(rs)})
        print(f"| {100 * frac:g} % | {rs[0]['n_labelled']} | {rs[0]['supervised_epochs']} | "
              f"{100 * p:.2f} % | {100 * s:.2f} % | {100 * (p - s):+.2f} |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"argv": sys.argv[1:], "rows": rows, "summary": summary},
                              indent=2, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
