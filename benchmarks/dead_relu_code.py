"""Why ``blog-z2-mnist`` collapses: a ReLU on a 2-number code is dead from the start.

For each seed, builds the recipe's model, counts the code units that output 0 for every
one of 1,000 MNIST training digits at initialisation, trains 300 RMSprop steps (the
recipe's lr) on 6,000 digits, and counts again; then the same with a linear code
(the last ``relu`` of ``model.encoder`` dropped).

    python benchmarks/dead_relu_code.py [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import sys


def dead_units(model: object, x: object) -> int:
    import torch

    with torch.no_grad():
        z = model.encode(x)  # type: ignore[attr-defined]
    return int((z.max(0).values <= 0).sum())


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    import torch

    from aekit.data import load_dataset
    from aekit.models import build_model
    from aekit.recipes import recipe_config

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args(argv)
    x = torch.from_numpy(np.asarray(load_dataset("mnist").x_train[:6000], dtype=np.float32))
    base = recipe_config("blog-z2-mnist")
    linear = [*base.model.encoder[:-1]]  # drop the code's relu
    print(f"{'code':<8} {'seed':>4} {'dead at init':>13} {'dead after 300 steps':>21} "
          f"{'train MSE':>10}")
    for name, encoder in (("relu", base.model.encoder), ("linear", linear)):
        for seed in args.seeds:
            cfg = recipe_config("blog-z2-mnist", [f"model.encoder=[{','.join(encoder)}]"])
            torch.manual_seed(seed)
            model = build_model(cfg.model, (1, 28, 28))
            before = dead_units(model, x[:1000])
            opt = torch.optim.RMSprop(model.parameters(), lr=float(cfg.train.lr or 1e-3))
            g = torch.Generator().manual_seed(seed)
            for _ in range(300):
                xb = x[torch.randint(0, x.shape[0], (128,), generator=g)]
                loss = (model(xb)["x_hat"] - xb).pow(2).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
            after = dead_units(model, x[:1000]) if name == "relu" else 0
            print(f"{name:<8} {seed:>4} {before if name == 'relu' else '-':>13} "
                  f"{after if name == 'relu' else '-':>21} {float(loss):>10.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
