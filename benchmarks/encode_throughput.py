"""Inference throughput: `aekit encode`'s batched encoder against a plain no_grad loop.

Both encode all 70,000 Fashion-MNIST images (train + test) with the demo's conv model
(``runs/demo-conv``, trained here with the demo's config if missing), batch 512, in this
one process; runs alternate (plain, aekit, …) and each side's time is the median of
``--rounds``. aekit's side is :func:`aekit.tasks.infer.encode`, the function ``aekit
encode`` calls after loading the data. Bar: ≥ 0.9× the plain loop's images/s.

    python benchmarks/encode_throughput.py [--rounds 5] [--run runs/demo-conv]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch


@torch.no_grad()
def plain(model: torch.nn.Module, x: np.ndarray, batch: int = 512) -> np.ndarray:
    """What a user writes by hand."""
    model.eval()
    xt = torch.from_numpy(x)
    return torch.cat([model.encode(xt[lo:lo + batch]) for lo in range(0, len(xt), batch)]
                     ).numpy()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--run", type=Path, default=Path("runs/demo-conv"))
    args = ap.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from serve_load import conv_run

    from aekit.data import load_dataset
    from aekit.io import load_run
    from aekit.tasks.infer import encode

    model = load_run(conv_run(args.run, Path("benchmarks/results/serve"))).model
    ds = load_dataset("fashion-mnist")
    x = np.ascontiguousarray(np.concatenate([ds.x_train, ds.x_test]), dtype=np.float32)
    np.testing.assert_allclose(encode(model, x[:1000]), plain(model, x[:1000]), atol=1e-5)
    t_plain, t_ours = [], []
    for _ in range(args.rounds):
        for fn, times in ((plain, t_plain), (encode, t_ours)):
            t0 = time.perf_counter()
            fn(model, x)
            times.append(time.perf_counter() - t0)
    p, a = len(x) / statistics.median(t_plain), len(x) / statistics.median(t_ours)
    print(f"{len(x)} images, torch threads {torch.get_num_threads()}: plain {p:,.0f} images/s, "
          f"aekit {a:,.0f} images/s")
    print(f"throughput_ratio={a / p:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
