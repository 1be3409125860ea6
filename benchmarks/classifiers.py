"""Fashion-MNIST classifier baselines on the official splits, next to published accuracy.

* Gaussian pyramid + LinearSVC (published 84.0 %)   — ``aekit.classify.pyramid``
* MLP, one hidden layer of 128 (published 88.7 %)    — ``aekit.classify.models.MLP``
* LeNet-5, tanh, logits into cross-entropy (89.2 %)  — LeCun et al. 1998
* MobileNetV2 (89.4 % published *with ImageNet weights*; here trained from scratch,
  scaled down for 2 CPU cores, unless ``--mobilenet-weights FILE`` gives a local
  torchvision-layout state dict to transfer from) — Sandler et al. 2018

Bar: within 1 point of the published number for the three that need no external weights.
Accuracy = fraction of the 10 000 test images classified correctly; time = training +
prediction wall time on this machine.

    python benchmarks/classifiers.py [--only pyramid mlp lenet5 mobilenetv2] [--epochs 15]
        [--limit N] [--mobilenet-epochs 2 --mobilenet-width 0.5 --mobilenet-limit 20000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

PUBLISHED = {"pyramid": 0.840, "mlp": 0.887, "lenet5": 0.892, "mobilenetv2": 0.894}
NAMES = {"pyramid": "Gaussian pyramid + LinearSVC", "mlp": "MLP (1 hidden layer, 128)",
         "lenet5": "LeNet-5 (tanh)", "mobilenetv2": "MobileNetV2"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", choices=list(PUBLISHED), default=list(PUBLISHED))
    ap.add_argument("--epochs", type=int, default=15, help="MLP and LeNet-5 epochs")
    ap.add_argument("--limit", type=int, help="first N training images (all models)")
    ap.add_argument("--svc-c", type=float, default=0.01, help="LinearSVC C")
    ap.add_argument("--mobilenet-epochs", type=int, default=2)
    ap.add_argument("--mobilenet-width", type=float, default=0.5)
    ap.add_argument("--mobilenet-limit", type=int, default=20000,
                    help="training images for MobileNetV2 (CPU budget)")
    ap.add_argument("--mobilenet-weights", help="local MobileNetV2 state dict to transfer from")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="benchmarks/results/classifiers.json")
    args = ap.parse_args(argv)

    import torch

    from aekit.classify.models import MLP, LeNet5
    from aekit.classify.train import confusion_matrix, fit_classifier, predict_classes
    from aekit.data import load_dataset
    from aekit.report.confusion import confusion_figure

    torch.set_num_threads(max(1, torch.get_num_threads()))
    ds = load_dataset("fashion-mnist")
    x_tr = np.asarray(ds.x_train[:args.limit], dtype=np.float32)
    y_tr = np.asarray(ds.y_train[:args.limit])
    x_te, y_te = np.asarray(ds.x_test, dtype=np.float32), np.asarray(ds.y_test)
    shape = tuple(x_tr.shape[1:])
    rows: dict[str, dict] = {}

    def say(msg: str) -> None:
        print(f"[classifiers] {msg}", file=sys.stderr, flush=True)

    for name in args.only:
        t0 = time.perf_counter()
        extra: dict = {}
        if name == "pyramid":
            from aekit.classify.pyramid import PyramidSVC

            say(f"pyramid + LinearSVC(C={args.svc_c}) on {len(x_tr)} images")
            pred = PyramidSVC(C=args.svc_c, seed=args.seed).fit(x_tr, y_tr).predict(x_te)
            acc = float((pred == y_te).mean())
            extra = {"C": args.svc_c}
        else:
            torch.manual_seed(args.seed)
            xs, ys, epochs = x_tr, y_tr, args.epochs
            if name == "mlp":
                model: torch.nn.Module = MLP(shape, 10)
            elif name == "lenet5":
                model = LeNet5(shape, 10)
            else:
                from aekit.classify.mobilenet import MobileNetV2, check_width, load_pretrained

                check_width(args.mobilenet_width)
                model = MobileNetV2(shape, 10, width_mult=args.mobilenet_width,
                                    imagenet_norm=bool(args.mobilenet_weights))
                if args.mobilenet_weights:
                    extra["transfer"] = {k: len(v) for k, v in
                                         load_pretrained(model, args.mobilenet_weights).items()}
                xs, ys = x_tr[:args.mobilenet_limit], y_tr[:args.mobilenet_limit]
                epochs = args.mobilenet_epochs
                extra.update({"width_mult": args.mobilenet_width, "n_train": len(xs),
                              "weights": args.mobilenet_weights or "none (from scratch)"})
            say(f"{name}: {epochs} epochs on {len(xs)} images")
            fit = fit_classifier(model, xs, ys, epochs=epochs, batch_size=128, lr=1e-3,
                                 seed=args.seed, progress=say)
            pred = predict_classes(model, x_te)
            acc = float((pred == y_te).mean())
            extra.update({"epochs": epochs, "final_train_loss": fit.train_loss[-1],
                          "params": sum(p.numel() for p in model.parameters())})
        secs = time.perf_counter() - t0
        matrix = confusion_matrix(y_te, pred, 10)  # row = true class, column = predicted
        figure = Path(args.out).with_name(f"confusion_{name}.png")
        confusion_figure(matrix, figure, f"{NAMES[name]} on Fashion-MNIST test", ds.classes)
        rows[name] = {"accuracy": acc, "published": PUBLISHED[name],
                      "delta_points": round(100 * (acc - PUBLISHED[name]), 2),
                      "seconds": round(secs, 1), **extra, "confusion": matrix.tolist(),
                      "confusion_figure": str(figure)}
        say(f"{name}: test accuracy {acc:.4f} in {secs:.0f} s")

    print("| model | published | here | Δ (points) | time | within 1 point |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, r in rows.items():
        ok = "yes" if abs(r["delta_points"]) <= 1.0 or r["delta_points"] > 0 else "no"
        if name == "mobilenetv2" and "transfer" not in r:
            ok = "n/a (published uses ImageNet weights)"
        print(f"| {NAMES[name]} | {100 * r['published']:.1f} % | {100 * r['accuracy']:.2f} % | "
              f"{r['delta_points']:+.2f} | {r['seconds']:.0f} s | {ok} |")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"argv": sys.argv[1:], "n_train": len(x_tr), "results": rows},
                              indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
