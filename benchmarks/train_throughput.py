"""Training throughput: aekit's Lightning engine vs a plain PyTorch loop, same process.

Both train one family's preset on MNIST's training split with Adam, the model's own
loss and batch 256, on the same in-memory tensor with a fresh permutation per epoch;
both build each batch's (input, target) pair with the same task (identity, or for
``edsr-s`` the bicubic ×2 downscale, computed per batch on both sides):

* ``dense``  — 784→256→128→64, mirrored (all 60,000 images)
* ``conv``   — the strided conv autoencoder (first 20,000 images)
* ``vae``    — the conv VAE, reconstruction + KL (first 20,000)
* ``edsr-s`` — ×2 super-resolution, 14×14 → 28×28 (first 4,000)

Runs alternate (plain, aekit, plain, aekit, …) so drift in machine load hits both; each
side's throughput is the median over its timed epochs (the first epoch of each run is
warm-up and not timed). The last line is ``throughput_ratio=<aekit / plain>``.

    python benchmarks/train_throughput.py [--family dense|conv|vae|edsr-s] [--epochs 3]
        [--rounds 2] [--limit N] [--json F]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import torch

# family -> (model preset, task name, default number of training images)
FAMILIES = {"dense": ("dense", "reconstruct", None), "conv": ("conv", "reconstruct", 20_000),
            "vae": ("vae", "reconstruct", 20_000), "edsr-s": ("edsr-s", "superres", 4_000)}


def run_config(family: str, batch: int, epochs: int, seed: int) -> object:
    """The RunConfig both loops train (the family's preset and task)."""
    from aekit.config import RunConfig, preset_config

    preset, task, _ = FAMILIES[family]
    cfg = RunConfig()
    cfg.model = preset_config(preset)
    cfg.task.name = task
    cfg.task.scale = 2
    cfg.train.batch_size, cfg.train.epochs, cfg.train.seed = batch, epochs, seed
    cfg.model.bind_data("mnist", 10, cfg.task)  # e.g. the super-resolution model's scale
    return cfg


def plain_loop(model: torch.nn.Module, x: torch.Tensor, task: object, batch: int,
               epochs: int, seed: int) -> list[float]:
    """The hand-written loop a careful user would write; returns samples/s per epoch."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    n = x.shape[0]
    rates = []
    for epoch in range(epochs):
        g = torch.Generator().manual_seed(seed + epoch)
        perm = torch.randperm(n, generator=g)
        t0 = time.perf_counter()
        for lo in range(0, n - batch + 1, batch):
            xb, target = task.pair(x[perm[lo:lo + batch]], g)  # type: ignore[attr-defined]
            loss = model.loss(model(xb), target)["loss"]
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        rates.append((n // batch) * batch / (time.perf_counter() - t0))
    return rates


def aekit_loop(family: str, x: torch.Tensor, batch: int, epochs: int, seed: int
               ) -> list[float]:
    """The same training through aekit's engine (Lightning); samples/s per epoch."""
    import lightning.pytorch as pl

    from aekit.engine.batches import BatchSet, batch_loader
    from aekit.engine.run import quiet_lightning
    from aekit.engine.system import AutoencoderSystem
    from aekit.models import build_model
    from aekit.tasks.pairs import build_task

    quiet_lightning()
    cfg = run_config(family, batch, epochs, seed)
    model = build_model(cfg.model, model_shape(family, x))
    data = BatchSet(x, build_task(cfg.task), batch, shuffle=True, seed=seed, drop_last=True)
    times: list[float] = []

    class Clock(pl.Callback):
        def on_train_epoch_start(self, trainer, module):  # noqa: ANN001
            self.t0 = time.perf_counter()

        def on_train_epoch_end(self, trainer, module):  # noqa: ANN001
            times.append(time.perf_counter() - self.t0)

    trainer = pl.Trainer(max_epochs=epochs, accelerator="cpu", devices=1, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, callbacks=[Clock()],
                         num_sanity_val_steps=0, limit_val_batches=0)
    trainer.fit(AutoencoderSystem(model, cfg.train), train_dataloaders=batch_loader(data))
    return [len(data) * batch / t for t in times]


def model_shape(family: str, x: torch.Tensor) -> tuple[int, ...]:
    """The model's input shape: the sample's, or the ×2-downscaled one for edsr-s."""
    shape = tuple(x.shape[1:])
    return (shape[0], shape[1] // 2, shape[2] // 2) if FAMILIES[family][1] == "superres" \
        else shape


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--family", choices=sorted(FAMILIES), default="dense")
    ap.add_argument("--epochs", type=int, default=3, help="epochs per run (first is warm-up)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating runs of each loop")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--limit", type=int, help="use the first N training images (default: "
                                              "per family, see above)")
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args(argv)

    from aekit.data import load_dataset
    from aekit.models import build_model
    from aekit.tasks.pairs import build_task

    ds = load_dataset("mnist")
    limit = args.limit or FAMILIES[args.family][2]
    x = torch.from_numpy(ds.x_train[:limit] if limit else ds.x_train)
    print(f"{args.family} on MNIST train {tuple(x.shape)}, batch {args.batch_size}, torch "
          f"threads {torch.get_num_threads()}", file=sys.stderr)
    plain, ours = [], []
    for r in range(args.rounds):
        torch.manual_seed(r)
        cfg = run_config(args.family, args.batch_size, args.epochs, r)
        model = build_model(cfg.model, model_shape(args.family, x))  # type: ignore[attr-defined]
        task = build_task(cfg.task)  # type: ignore[attr-defined]
        p = plain_loop(model, x, task, args.batch_size, args.epochs, seed=r)[1:]
        a = aekit_loop(args.family, x, args.batch_size, args.epochs, seed=r)[1:]
        print(f"round {r + 1}: plain {statistics.median(p):,.0f} samples/s, "
              f"aekit {statistics.median(a):,.0f} samples/s", file=sys.stderr)
        plain += p
        ours += a
    result = {"family": args.family, "images": int(x.shape[0]),
              "plain_samples_per_s": statistics.median(plain),
              "aekit_samples_per_s": statistics.median(ours)}
    result["throughput_ratio"] = result["aekit_samples_per_s"] / result["plain_samples_per_s"]
    print(f"plain_samples_per_s={result['plain_samples_per_s']:.0f}")
    print(f"aekit_samples_per_s={result['aekit_samples_per_s']:.0f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    print(f"throughput_ratio={result['throughput_ratio']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
