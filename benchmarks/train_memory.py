"""Peak memory of MNIST training, and the bytes the image arrays hold.

Runs ``aekit train --model dense --data mnist --epochs 1`` in a fresh process per
checkout and prints its peak RSS, next to the bytes the loaded training and test
images occupy in that checkout's storage. With ``--before SRC`` (the ``src`` folder of
another checkout, e.g. a ``git worktree`` of the commit before uint8 storage) the same
job runs against that code too, in the same command, so the two peaks are comparable.

    python benchmarks/train_memory.py [--before /tmp/before/src] [--out benchmarks/results/memory]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

TRAIN = ("import resource, sys; from aekit.cli import main; rc = main(sys.argv[1:]); "
         "print('peak_rss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); "
         "sys.exit(rc)")
HELD = ("import json; from aekit.data import load_dataset; ds = load_dataset('mnist'); "
        "print(json.dumps({'held_mb': round((ds.x_train.nbytes + ds.x_test.nbytes) / 2**20, 1),"
        " 'storage': type(ds.x_train).__name__}))")


def measure(src: Path | None, out: Path) -> dict:
    """Peak RSS (MB) of one training process and the image bytes held, for ``src``."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    shutil.rmtree(out, ignore_errors=True)
    res = subprocess.run([sys.executable, "-c", TRAIN, "train", "--model", "dense", "--data",
                          "mnist", "--epochs", "1", "--quiet", "--out", str(out)],
                         capture_output=True, text=True, check=False, env=env)
    if res.returncode != 0:
        raise SystemExit(f"aekit train failed: {res.stderr[-800:]}")
    kb = int(res.stdout.split("peak_rss_kb")[1].split()[0])
    held = subprocess.run([sys.executable, "-c", HELD], capture_output=True, text=True,
                          check=True, env=env)
    metrics = json.loads((out / "metrics.json").read_text())
    shutil.rmtree(out, ignore_errors=True)
    return {"code": str(src or "this checkout"), "peak_rss_mb": round(kb / 1024, 1),
            **json.loads(held.stdout), "psnr": round(metrics["metrics"]["psnr"], 4)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", type=Path, default=None,
                    help="src folder of another checkout to measure first")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/memory"))
    args = ap.parse_args(argv)
    rows = []
    if args.before is not None:
        rows.append(measure(args.before.resolve(), args.out / "before"))
        print(json.dumps(rows[-1]), flush=True)
    rows.append(measure(None, args.out / "now"))
    print(json.dumps(rows[-1]), flush=True)
    if len(rows) == 2:
        a, b = rows
        print(f"peak RSS {a['peak_rss_mb']} → {b['peak_rss_mb']} MB "
              f"({b['peak_rss_mb'] - a['peak_rss_mb']:+.1f}); images held {a['held_mb']} → "
              f"{b['held_mb']} MB; PSNR {a['psnr']} vs {b['psnr']} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
