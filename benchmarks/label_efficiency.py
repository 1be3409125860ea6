"""Label efficiency of pretext pretraining on Fashion-MNIST: pretrained vs from scratch.

For each label fraction (1 %, 10 %, 100 % of the 60 000 training labels, class-
stratified and seeded) and each seed, ``aekit.tasks.pretrain.pretrain`` runs the
six-step recipe (warm-up → stem autoencoder → pretext on all training images →
copy back → fine-tune; reconstruction pretext by default) and trains the same classifier
from the same initial weights for
the same number of supervised epochs without pretraining. Test accuracy on the official
10 000 test images. Bar: pretrained beats from scratch at 1 % labels.

``--pretext`` takes several pretexts (``reconstruct``, ``denoise``, ``jigsaw`` — the
jigsaw-puzzle pretext of Noroozi & Favaro 2016, :mod:`aekit.classify.jigsaw`) to compare
them on the same labelled subsets. The from-scratch arm does not depend on the pretext
(same labels, same initial weights, same seeded loop), so it is trained once per
(fraction, seed) and every pretext is compared with it. For jigsaw the table adds the
pretext's own accuracy on puzzles of the test images (chance 1/P).

Supervised epochs per fraction default to 10 / 8 / 3 (1 % / 10 % / 100 %), so every
fraction gets a comparable number of optimizer steps; both arms always get the same.

    python benchmarks/label_efficiency.py [--fractions 0.01 0.1 1.0] [--seeds 0 1 2]
        [--epochs 10 8 3] [--pretext-epochs 3] [--pretext reconstruct denoise jigsaw]
        [--permutations 64] [--limit N]
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
    ap.add_argument("--pretext", "--pretexts", nargs="+", default=["reconstruct"],
                    help="one or more of reconstruct, denoise, jigsaw")
    ap.add_argument("--noise", default="gaussian:0.3")
    ap.add_argument("--permutations", type=int, default=64, help="jigsaw: permutation set size")
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
            scratch: dict[str, float] = {}  # the same for every pretext: trained once
            for pretext in args.pretext:
                cfg = PretrainConfig(data=args.data, label_fraction=frac, limit=args.limit,
                                     warmup_epochs=args.warmup_epochs, pretext=pretext,
                                     noise=args.noise, pretext_epochs=args.pretext_epochs,
                                     permutations=args.permutations, epochs=epochs, seed=seed,
                                     compare_scratch=not scratch)
                r = pretrain(cfg, None)
                if not scratch:
                    scratch = {"accuracy": r["scratch_accuracy"],
                               "seconds": r["scratch_seconds"]}
                gain = r["pretrained_accuracy"] - scratch["accuracy"]
                rows.append({"pretext": pretext, "fraction": frac, "seed": seed,
                             "n_labelled": r["n_labelled"],
                             "supervised_epochs": r["supervised_epochs"],
                             "pretrained": r["pretrained_accuracy"],
                             "scratch": scratch["accuracy"], "gain": gain,
                             "pretext_accuracy": r.get("pretext_accuracy"),
                             "pretext_chance": r.get("pretext_chance"),
                             "seconds": r["pretrained_seconds"],
                             "scratch_seconds": scratch["seconds"]})
                extra = (f"; jigsaw {r['pretext_accuracy']:.4f} vs chance "
                         f"{r['pretext_chance']:.4f}" if "pretext_accuracy" in r else "")
                print(f"{pretext} labels {frac:g} seed {seed}: pretrained "
                      f"{r['pretrained_accuracy']:.4f}, scratch {scratch['accuracy']:.4f} "
                      f"({100 * gain:+.2f} points, {r['pretrained_seconds']:.0f} s){extra}",
                      flush=True)
    print("\n| pretext | labels | n labelled | supervised epochs | pretrained | from scratch "
          "| gain | seeds ahead | pretext accuracy (chance) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    summary = []
    for frac in args.fractions:
        for pretext in args.pretext:
            rs = [r for r in rows if r["fraction"] == frac and r["pretext"] == pretext]
            p, s = np.mean([r["pretrained"] for r in rs]), np.mean([r["scratch"] for r in rs])
            ahead = sum(r["gain"] > 0 for r in rs)
            own = [r["pretext_accuracy"] for r in rs if r["pretext_accuracy"] is not None]
            own_s = (f"{100 * np.mean(own):.2f} % ({100 * rs[0]['pretext_chance']:.2f} %)"
                     if own else "—")
            summary.append({"pretext": pretext, "fraction": frac, "pretrained_mean": p,
                            "scratch_mean": s, "seeds": len(rs), "seeds_ahead": ahead,
                            "pretext_accuracy_mean": float(np.mean(own)) if own else None})
            print(f"| {pretext} | {100 * frac:g} % | {rs[0]['n_labelled']} | "
                  f"{rs[0]['supervised_epochs']} | {100 * p:.2f} % | {100 * s:.2f} % | "
                  f"{100 * (p - s):+.2f} | {ahead}/{len(rs)} | {own_s} |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"argv": sys.argv[1:], "rows": rows, "summary": summary},
                              indent=2, default=float))
    return 0


if __name__ == "__main__":
    sys.exit(main())
