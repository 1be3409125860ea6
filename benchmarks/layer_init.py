"""Why initialisation is part of a recipe: the blog MNIST model with a 2-number code.

For each initialisation of the ``layers`` family (PyTorch's layer defaults, Keras's
Glorot-uniform with zero biases) and each seed, builds ``blog-z2-mnist``'s model, counts
the code units that output 0 for all of 1,000 MNIST training digits, trains 300 RMSprop
steps at the recipe's lr (1e-3) on 6,000 digits, and prints the training MSE and the
spread of the outputs (0 = the model outputs one image for every input).

    python benchmarks/layer_init.py [--seeds 0 1 2] [--steps 300]
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    import torch

    from aekit.data import load_dataset
    from aekit.models import build_model
    from aekit.recipes import recipe_config

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args(argv)
    x = torch.from_numpy(np.asarray(load_dataset("mnist").x_train[:6000], dtype=np.float32))
    print(f"{'init':<7} {'seed':>4} {'dead code units':>16} {'train MSE':>10} {'output std':>11}")
    for init in ("torch", "glorot"):
        for seed in args.seeds:
            cfg = recipe_config("blog-z2-mnist", [f"model.init={init}"])
            torch.manual_seed(seed)
            model = build_model(cfg.model, (1, 28, 28))
            opt = torch.optim.RMSprop(model.parameters(), lr=float(cfg.train.lr or 1e-3))
            g = torch.Generator().manual_seed(seed)
            for _ in range(args.steps):
                xb = x[torch.randint(0, x.shape[0], (128,), generator=g)]
                out = model(xb)["x_hat"]
                loss = (out - xb).pow(2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
            with torch.no_grad():
                z = model.encode(x[:1000])
                spread = float(model.decode(z).std(0).mean())
            dead = int((z.max(0).values <= 0).sum())
            print(f"{init:<7} {seed:>4} {dead:>13} / {z.shape[1]} {float(loss.detach()):>10.4f} "
                  f"{spread:>11.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
