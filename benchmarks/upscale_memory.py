"""Peak memory of `aekit upscale` against the number of photos: it should not grow.

Writes 1-megapixel RGB photos (1000×1000, smooth random content) and upscales 5 and
then 20 of them ×2 with a small super-resolution run (espcn, one short epoch on
``natural-images``; quality does not matter here), each in a fresh process whose own
peak RSS it prints. Photos are read, upscaled and written one at a time, so the two
peaks should be within a few MB of each other (before this was fixed, every result was
kept until the end: about 55 MB more per photo).

    python benchmarks/upscale_memory.py [--counts 5 20] [--out benchmarks/results/upscale]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _runs import train_or_reuse  # noqa: E402

ESPCN = {"data.source": "natural-images", "data.channels": 1, "model.name": "espcn",
         "task.name": "superres", "task.scale": 2, "data.patch_size": 48,
         "data.patches": 400, "train.batch_size": 16, "train.epochs": 1}
MEASURE = ("import resource, sys; from aekit.cli import main; rc = main(sys.argv[1:]); "
           "print('peak_rss_kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); "
           "sys.exit(rc)")


def photos(folder: Path, n: int) -> list[Path]:
    from aekit.data.images import write_image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        p = folder / f"photo{i:02d}.png"
        if not p.exists():
            small = rng.random((3, 25, 25)).astype(np.float32)  # smooth: upsampled noise
            img = np.kron(small, np.ones((1, 40, 40), np.float32))
            write_image(p, img)
        out.append(p)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counts", type=int, nargs="+", default=[5, 20])
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/upscale"))
    args = ap.parse_args(argv)
    run = args.out / "espcn-x2"
    train_or_reuse("espcn-x2", ESPCN, run, reuse=True)
    files = photos(args.out / "photos", max(args.counts))
    rows = []
    for n in args.counts:
        dest = args.out / f"up-{n}"
        shutil.rmtree(dest, ignore_errors=True)
        res = subprocess.run([sys.executable, "-c", MEASURE, "upscale", str(run),
                              *map(str, files[:n]), "--out", str(dest)],
                             capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise SystemExit(f"aekit upscale failed: {res.stderr[-800:]}")
        kb = int(res.stdout.split("peak_rss_kb")[1].split()[0])
        rows.append({"photos": n, "peak_rss_mb": round(kb / 1024, 1)})
        print(json.dumps(rows[-1]), flush=True)
        shutil.rmtree(dest, ignore_errors=True)
    growth = (rows[-1]["peak_rss_mb"] - rows[0]["peak_rss_mb"]) / max(
        1, rows[-1]["photos"] - rows[0]["photos"])
    print(f"peak RSS growth per extra photo: {growth:.1f} MB "
          f"({rows[0]['photos']} photos {rows[0]['peak_rss_mb']} MB, {rows[-1]['photos']} "
          f"photos {rows[-1]['peak_rss_mb']} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
