"""Two trainings at once on the same cores: each job's time against the same job alone.

Every job is a real ``aekit train`` process (the conv preset on the first 8,000
Fashion-MNIST images, 2 epochs, no evaluation). For each setting: one job alone, then two
started together; the ratio is the slower of the two against the job alone. Settings:

* ``aekit``  — what aekit does by default: intra-op threads = the usable cores, and
  OpenMP told not to spin-wait (``OMP_WAIT_POLICY=PASSIVE``, set before torch loads)
* ``spin``   — OpenMP left spinning (``OMP_WAIT_POLICY=ACTIVE``), as a torch program
  that sets nothing may behave on a busy machine
* ``omp-default`` — OpenMP's own default (``OMP_WAIT_POLICY`` set but empty, which aekit
  leaves alone and OpenMP ignores: spin a while, then sleep), what a plain torch program
  gets
* ``spin-20k`` — OpenMP's default policy with a short spin (``GOMP_SPINCOUNT=20000``)
* ``1-thread`` — aekit's default with ``--set train.threads=1`` for both jobs

Bar: with aekit's default each of two concurrent jobs takes ≤ 2.5× its time alone.

    python benchmarks/concurrent_jobs.py [--limit 8000] [--epochs 2] [--only aekit spin]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SETTINGS = {"aekit": ({}, []), "spin": ({"OMP_WAIT_POLICY": "ACTIVE"}, []),
            "omp-default": ({"OMP_WAIT_POLICY": ""}, []),
            "spin-20k": ({"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": "20000"}, []),
            "1-thread": ({}, ["--set", "train.threads=1"])}


def job(out: Path, limit: int, epochs: int, env: dict[str, str], extra: list[str]
        ) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "aekit.cli", "train", "--model", "conv", "--data",
           "fashion-mnist", "--limit", str(limit), "--epochs", str(epochs), "--quiet",
           "--no-eval", "--out", str(out), *extra]
    full = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    return subprocess.Popen(cmd, env={**full, **env}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def timed(procs: list[subprocess.Popen]) -> list[float]:
    t0 = time.perf_counter()
    done: dict[int, float] = {}
    while len(done) < len(procs):
        for i, p in enumerate(procs):
            if i not in done and p.poll() is not None:
                done[i] = time.perf_counter() - t0
                if p.returncode != 0:
                    raise SystemExit(f"a training job failed: {p.stderr.read()[-800:]}")
        time.sleep(0.05)
    return [round(done[i], 1) for i in range(len(procs))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=8000)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--only", nargs="+", choices=list(SETTINGS), default=list(SETTINGS))
    args = ap.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="aekit-concurrent-"))
    rows = []
    try:
        for name in args.only:
            env, extra = SETTINGS[name]
            (alone,) = timed([job(root / f"{name}-alone", args.limit, args.epochs, env,
                                  extra)])
            pair = timed([job(root / f"{name}-{k}", args.limit, args.epochs, env, extra)
                          for k in range(2)])
            row = {"setting": name, "alone_s": alone, "together_s": pair,
                   "ratio": round(max(pair) / alone, 2)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print("\n| setting | one job alone | two at once (each) | slower / alone |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['setting']} | {r['alone_s']} s | {r['together_s'][0]} s, "
              f"{r['together_s'][1]} s | {r['ratio']}× |")
    ok = all(r["ratio"] <= 2.5 for r in rows if r["setting"] == "aekit")
    print(f"\nbar (aekit default: each of two jobs ≤ 2.5× alone): {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
