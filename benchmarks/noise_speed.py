"""Cost of per-sample noise: SampleNoise against one torch.Generator per batch.

Times ``gaussian:0.35`` on a (128, 1, 28, 28) batch both ways, alternating, in one
process, and prints milliseconds per batch and their ratio.

    python benchmarks/noise_speed.py [--batch 128] [--repeats 200]
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv: list[str] | None = None) -> int:
    import torch

    from aekit.data.corruptions import parse_corruption, sample_noise

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=200)
    args = ap.parse_args(argv)
    noise = parse_corruption("gaussian:0.35")
    x = torch.rand(args.batch, 1, 28, 28)
    idx = torch.arange(args.batch)
    best = {"generator": float("inf"), "per-sample": float("inf")}
    for _ in range(5):  # alternate, keep each way's best round
        t = time.perf_counter()
        for i in range(args.repeats):
            noise(x, torch.Generator().manual_seed(i))
        best["generator"] = min(best["generator"], (time.perf_counter() - t) / args.repeats)
        t = time.perf_counter()
        for i in range(args.repeats):
            noise(x, sample_noise(i, idx))
        best["per-sample"] = min(best["per-sample"], (time.perf_counter() - t) / args.repeats)
    for name, sec in best.items():
        print(f"{name:<11} {sec * 1e3:.3f} ms per batch of {args.batch}")
    print(f"ratio per-sample / generator: {best['per-sample'] / best['generator']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
