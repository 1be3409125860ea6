"""Streaming a JPEG folder larger than the memory budget vs holding it in RAM.

Generates (once, reused) a folder of ``--n`` RGB JPEGs of ``--size`` pixels, then trains
the same model on it twice, each in a fresh process, in one command:

* **in memory**: ``data.memory_budget=inf`` — every image decoded into RAM (uint8);
* **streamed**: ``data.memory_budget`` below the decoded size — the folder is decoded
  once (in worker processes) into the memory-mapped prepared cache, and batches are read
  from it by ``train.num_workers`` loader workers;
* **sharded** (``--shards W…``): ``aekit data shard`` writes the folder (from the
  prepared cache) as WebDataset tar shards of ``--shard-size`` images, and a run with
  ``W`` loader workers trains on ``shards:DIR`` (shard-major order: its losses differ
  from the other runs', whose order is a permutation of all samples).

It prints the samples/s of epochs 2+ of each (history.csv), their ratio (bar ≥ 0.8),
the time to prepare the cache, and the peak memory of each process tree (the trainer
and its loader workers), sampled from ``/proc/PID/smaps_rollup`` every 0.2 s as PSS so
that pages the processes share are counted once: *private* (anonymous: heap, tensors,
the decoded arrays) and *file-backed* (pages of mapped files — libraries, and the mapped
cache — which the kernel may drop at any time: not memory the job holds).

    python benchmarks/streaming.py [--n 20000] [--size 128] [--epochs 3] [--workers 2 0]
    python benchmarks/streaming.py --ranks 2 --epochs 1 --workers 0     # memory per rank
    python benchmarks/streaming.py --workers 0 --shards 0 2              # tar shards too
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

CHILD = """
import json, sys
from aekit.api import train
from aekit.config import RunConfig, set_key
cfg = RunConfig()
for item in json.loads(sys.argv[1]).items():
    set_key(cfg, *item)
train(cfg, sys.argv[2], quiet=True, evaluate=False)
"""


def make_folder(root: Path, n: int, size: int) -> None:
    """``n`` smooth random RGB JPEGs (quality 90) of ``size``² in ``root`` (reused when
    complete)."""
    from PIL import Image

    done = root / ".complete"
    if done.exists() and done.read_text() == f"{n} {size}":
        return
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for i in range(n):
        small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        im = Image.fromarray(small).resize((size, size), Image.BICUBIC)
        im.save(root / f"{i:06d}.jpg", quality=90)
    done.write_text(f"{n} {size}")
    print(f"made {n:,} JPEGs of {size}×{size} in {time.perf_counter() - t0:.0f} s",
          flush=True)


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (t / "children").read_text().split()]
        except OSError:
            pass
    return out


def _kb(pid: int, field: str) -> int:
    """A field of ``/proc/PID/smaps_rollup`` in kB (PSS: a page shared by k processes —
    copy-on-write after fork, or a mapped file — counts 1/k in each, so sums over the
    process tree count every page once)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def run(overrides: dict, out: Path, cache: Path, ranks: int = 1) -> dict:
    """Train in a fresh process (``ranks`` > 1: ``aekit train`` as that many DDP CPU
    processes); its wall time, peak private / file-backed memory and history."""
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "AEKIT_DATA": str(cache)}
    t0 = time.perf_counter()
    if ranks == 1:
        cmd = [sys.executable, "-c", CHILD, json.dumps(overrides), str(out)]
    else:  # the CLI, which Lightning launches again for the other ranks
        sets = [a for k, v in overrides.items() for a in ("--set", f"{k}={json.dumps(v)}")]
        cmd = [sys.executable, "-m", "aekit.cli", "train", *sets, "--accelerator", "cpu",
               "--devices", str(ranks), "--strategy", "ddp", "--no-eval", "--quiet",
               "--out", str(out)]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    peak = {"private": 0, "file": 0}

    def sample() -> None:
        while proc.poll() is None:
            pids = _tree(proc.pid)
            peak["private"] = max(peak["private"], sum(_kb(p, "Pss_Anon") for p in pids))
            peak["file"] = max(peak["file"], sum(_kb(p, "Pss_File") for p in pids))
            time.sleep(0.2)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    _, err = proc.communicate()
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"training failed:\n{err[-1500:]}")
    rows = list(csv.DictReader((out / "history.csv").open()))
    later = [float(r["samples_per_s"]) for r in rows[1:]]
    return {"seconds": round(time.perf_counter() - t0, 1),
            "epoch_samples_per_s": [round(float(r["samples_per_s"]), 1) for r in rows],
            "samples_per_s_epochs_2plus": round(sum(later) / len(later), 1),
            "peak_private_mb": round(peak["private"] / 1024), "peak_file_backed_mb":
            round(peak["file"] / 1024), "losses": [r["train_loss"] for r in rows],
            "log": [ln for ln in err.splitlines() if "prepared cache" in ln
                    or "memory_budget" in ln]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=20_000, help="JPEGs to generate")
    ap.add_argument("--size", type=int, default=128, help="their side in pixels")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--workers", type=int, nargs="+", default=[2],
                    help="loader workers of the streamed run (several: one run each)")
    ap.add_argument("--budget", default="500MB",
                    help="data.memory_budget of the streamed run (below the decoded size)")
    ap.add_argument("--ranks", type=int, default=1,
                    help="DDP CPU processes per run (memory per rank; 1 = one process)")
    ap.add_argument("--shards", type=int, nargs="*", default=[],
                    help="loader workers of sharded runs (shards:DIR; one run each)")
    ap.add_argument("--shard-size", type=int, default=1000, help="images per shard")
    ap.add_argument("--work", type=Path, default=Path("/tmp/aekit-streaming-bench"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/streaming"))
    args = ap.parse_args(argv)
    folder = args.work / f"jpegs-{args.n}-{args.size}"
    make_folder(folder, args.n, args.size)
    decoded = args.n * 3 * args.size ** 2
    print(f"decoded size: {decoded / 1e6:,.0f} MB as uint8 ({4 * decoded / 1e6:,.0f} MB as "
          f"float32); streamed run's data.memory_budget={args.budget}", flush=True)
    common = {"data.source": f"folder:{folder}", "data.image_size": args.size,
              "model.name": "dense", "model.hidden": [64], "model.latent_dim": 32,
              "train.epochs": args.epochs, "train.batch_size": 256}
    cache = args.work / "cache"
    shutil.rmtree(cache, ignore_errors=True)  # the streamed run prepares it
    mem = run({**common, "data.memory_budget": "inf"}, args.out / "memory", cache,
              args.ranks)
    print(json.dumps({"in_memory": mem}), flush=True)
    streamed = {}
    for w in args.workers:
        streamed[w] = run({**common, "data.memory_budget": args.budget,
                           "train.num_workers": w}, args.out / f"streamed-{w}", cache,
                       args.ranks)
        print(json.dumps({f"streamed_{w}_workers": streamed[w]}), flush=True)
    sharded, shard_s = {}, 0.0
    if args.shards:
        shards = args.work / "shards"
        shutil.rmtree(shards, ignore_errors=True)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "aekit.cli", "data", "shard",
                        f"folder:{folder}", "--image-size", str(args.size), "--shard-size",
                        str(args.shard_size), "--out", str(shards)], check=True,
                       env={**os.environ, "AEKIT_DATA": str(cache)}, stdout=subprocess.DEVNULL)
        shard_s = time.perf_counter() - t0
        for w in args.shards:
            sharded[w] = run({**common, "data.source": f"shards:{shards}",
                              "train.num_workers": w}, args.out / f"sharded-{w}", cache,
                             args.ranks)
            print(json.dumps({f"sharded_{w}_workers": sharded[w]}), flush=True)
    meta = json.loads(next((cache / "prepared").glob("*/meta.json")).read_text())
    print(f"images: {args.n:,} JPEGs {args.size}×{args.size}, decoded {decoded / 1e6:,.0f} MB "
          f"uint8; budget {args.budget}; {args.ranks} rank(s) per run (memory: all ranks "
          f"and workers together)")
    print(f"prepare (decode + write the cache, {meta['files']:,} files, in the first "
          f"streamed run): {meta['seconds']} s")
    print(f"in memory: epochs 2+ {mem['samples_per_s_epochs_2plus']:,.0f} samples/s, peak "
          f"private {mem['peak_private_mb']:,} MB, file-backed {mem['peak_file_backed_mb']:,}"
          f" MB")
    if sharded:
        print(f"shard (aekit data shard from the prepared cache, {args.shard_size} images "
              f"per shard): {shard_s:.1f} s")
    for label, runs in (("streamed", streamed), ("sharded", sharded)):
        for w, res in runs.items():
            ratio = res["samples_per_s_epochs_2plus"] / mem["samples_per_s_epochs_2plus"]
            # shards are read shard-major: their losses differ from the other runs'
            same = (f"losses identical: {res['losses'] == mem['losses']}" if label ==
                    "streamed" else f"final train loss {res['losses'][-1]} (in memory "
                    f"{mem['losses'][-1]})")
            print(f"{label}, {w} workers: epochs 2+ {res['samples_per_s_epochs_2plus']:,.0f} "
                  f"samples/s, ratio {ratio:.3f}{' (bar >= 0.8)' * (label == 'streamed')}; "
                  f"peak private {res['peak_private_mb']:,} MB (trainer + workers), "
                  f"file-backed {res['peak_file_backed_mb']:,} MB; {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
