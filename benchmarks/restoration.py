"""Restoration bars on photos never used in training, in one command.

Trains (or reuses, with --reuse) runs on ``natural-images`` — patches from 10 training
photos, two more photos held out for validation — and scores them with ``aekit evaluate``
on the 4 held-out test photos (chelsea, immunohistochemistry, camera, gravel), next to
the baseline computed in the same evaluation:

* ×2 super-resolution (Y channel, border cropped), edsr-s — bar: PSNR ≥ bicubic + 1.5 dB
* ×3 super-resolution, edsr-s                             — bar: PSNR ≥ bicubic + 1.0 dB
  (both with the 12 photos of ``mate-photos`` added to the training patches:
  ``data.extra_photos=[mate-photos]``, fetched with ``apt-get download`` on first use)
* σ = 25 denoising (gray photos), dncnn-s        — bar: PSNR ≥ the best classical
  denoiser *including BM3D* (Dabov et al. 2007; non-local means, total variation,
  wavelet, bilateral and BM3D, each tuned on the noisy validation photos); the plain conv
  autoencoder (conv-full) on the same data for comparison (no bar)

Every denoising row also prints where the model stands against BM3D alone, ahead or
behind. BM3D needs the ``bm3d`` extra (``pip install 'aekit[bm3d]'``); without it the
σ = 25 bar is reported as not judged and counts as not met.

σ = 15 and 50, the other SR presets (espcn, srcnn, srcnn-post) and edsr-s without the
extra photos are available with --only. A bar of None means a comparison row: it is
printed and stored but does not decide the exit status.

    python benchmarks/restoration.py [--out benchmarks/results/restoration]
        [--epochs-scale 1.0] [--only sr2-espcn dn25-dncnn ...] [--reuse]
        [--set model.loss=l1 ...]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

PHOTOS = {"data.source": "natural-images", "data.channels": 1,
          "train.lr_schedule": "cosine"}


def _sr(model: str, scale: int, epochs: int, **more: object) -> dict[str, object]:
    # 96-pixel patches: the loss skips each patch's border band (see SuperResolution.loss)
    return {**PHOTOS, "model.name": model, "task.name": "superres", "task.scale": scale,
            "data.patch_size": 96, "data.patches": 3000, "train.batch_size": 16,
            "train.epochs": epochs, **more}


MATE = {"data.extra_photos": "[mate-photos]"}  # + 12 photos of Debian's mate-backgrounds
DEEP = {"model.filters": "[64,64,64,64,32]"}  # three more 3×3 layers of 64


def _dn(model: str, sigma: int, epochs: int) -> dict[str, object]:
    return {**PHOTOS, "model.name": model, "task.name": "denoise",
            "task.noise": f"gaussian255:{sigma}", "data.patch_size": 40, "data.patches": 4000,
            "train.batch_size": 32, "train.epochs": epochs}


# name -> (config overrides, bar in dB over the reference (None: a comparison row),
# reference, in the default set)
RUNS: dict[str, tuple[dict[str, object], float | None, str, bool]] = {
    "sr2-edsr-mate": (_sr("edsr-s", 2, 10, **MATE), 1.5, "bicubic", True),
    "sr3-edsr-mate": (_sr("edsr-s", 3, 10, **MATE), 1.0, "bicubic", True),
    "sr2-edsr": (_sr("edsr-s", 2, 10), 1.5, "bicubic", False),
    "sr3-edsr": (_sr("edsr-s", 3, 10), 1.0, "bicubic", False),
    "sr2-espcn": (_sr("espcn", 2, 10), 1.5, "bicubic", False),
    "sr3-espcn": (_sr("espcn", 3, 10), 1.0, "bicubic", False),
    "sr2-espcn-mate": (_sr("espcn", 2, 10, **MATE), 1.5, "bicubic", False),
    "sr3-espcn-mate": (_sr("espcn", 3, 10, **MATE), 1.0, "bicubic", False),
    "sr3-espcn-deep-mate": (_sr("espcn", 3, 10, **MATE, **DEEP), 1.0, "bicubic", False),
    "sr2-srcnn": (_sr("srcnn", 2, 10), 1.5, "bicubic", False),
    "sr2-srcnn-post": (_sr("srcnn-post", 2, 10), 1.5, "bicubic", False),
    "sr3-srcnn": (_sr("srcnn", 3, 10), 1.0, "bicubic", False),
    "dn25-dncnn": (_dn("dncnn-s", 25, 10), 0.0, "best classical incl. BM3D", True),
    "dn25-conv": (_dn("conv-full", 25, 10), None, "best classical", True),  # comparison
    "dn15-dncnn": (_dn("dncnn-s", 15, 10), None, "best classical", False),
    "dn50-dncnn": (_dn("dncnn-s", 50, 10), None, "best classical", False),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="benchmarks/results/restoration")
    ap.add_argument("--epochs-scale", type=float, default=1.0,
                    help="multiply every run's epochs (e.g. 0.2 for a quick look)")
    ap.add_argument("--reuse", action="store_true", help="evaluate existing runs in --out")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="one more config override for every chosen run (to try a variant; "
                         "use with another --out)")
    ap.add_argument("--only", nargs="*", choices=list(RUNS),
                    help="run these (default: the three bars)")
    args = ap.parse_args(argv)
    bad = [kv for kv in args.set if "=" not in kv]
    if bad:
        ap.error(f"--set needs KEY=VALUE; got {bad[0]!r}")
    extra = dict(kv.split("=", 1) for kv in args.set)

    from _runs import train_or_reuse

    from aekit.evaluate.run import evaluate_run

    chosen = args.only or [k for k, v in RUNS.items() if v[3]]
    out = Path(args.out)
    summary_path = out / "summary.json"
    results = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    for name in chosen:
        over, bar, ref, _ = RUNS[name]
        over = {**over, **extra}
        run = out / name
        train_s = train_or_reuse(name, over, run, epochs_scale=args.epochs_scale,
                                 reuse=args.reuse)
        if train_s is None:  # reused: keep the time of the training that made it
            train_s = results.get(name, {}).get("train_seconds")
        t1 = time.perf_counter()
        m = evaluate_run(run, progress=False)
        base = m["baselines"]
        ref_name = m["best_baseline"]
        gain = m["metrics"]["psnr"] - base[ref_name]["psnr"]
        left_out = (m.get("baselines_left_out") or {}).get("bm3d")
        judged = bar is not None and not ("BM3D" in ref and "bm3d" not in base)
        results[name] = {
            "psnr": m["metrics"]["psnr"], "ssim": m["metrics"]["ssim"],
            "reference": ref_name, "reference_psnr": base[ref_name]["psnr"],
            "reference_ssim": base[ref_name]["ssim"], "gain_db": gain, "bar_db": bar,
            "met": judged and bar is not None and gain >= bar,
            "input_psnr": m.get("input", {}).get("psnr"),
            "per_image": {r["name"]: round(r["psnr"], 2) for r in m.get("images", [])},
            "train_seconds": train_s, "eval_seconds": round(time.perf_counter() - t1, 1)}
        r = results[name]
        if "bm3d" in base:  # where the model stands against BM3D, ahead or behind
            r["bm3d_psnr"], r["bm3d_ssim"] = base["bm3d"]["psnr"], base["bm3d"]["ssim"]
            r["gain_vs_bm3d_db"] = m["metrics"]["psnr"] - base["bm3d"]["psnr"]
        elif left_out:
            r["bm3d_left_out"] = left_out
        target = f"bar ≥ {ref}" + (f" + {bar:g} dB" if bar else "")
        if bar is None:
            verdict = "comparison"
        elif not judged:
            verdict = f"{target}: NOT judged, {left_out or 'no BM3D row'}"
        else:
            verdict = f"{target}: {'met' if r['met'] else 'NOT met'}"
        print(f"{name}: PSNR {r['psnr']:.2f} dB / SSIM {r['ssim']:.4f} vs {ref_name} "
              f"{r['reference_psnr']:.2f} dB / {r['reference_ssim']:.4f} → {gain:+.2f} dB "
              f"({verdict}) [train {train_s} s, eval {r['eval_seconds']} s]", flush=True)
        if "gain_vs_bm3d_db" in r:
            side = "ahead of" if r["gain_vs_bm3d_db"] >= 0 else "behind"
            print(f"  vs BM3D {r['bm3d_psnr']:.2f} dB / {r['bm3d_ssim']:.4f}: "
                  f"{r['gain_vs_bm3d_db']:+.2f} dB ({side} BM3D)", flush=True)
        elif left_out:
            print(f"  {left_out}", flush=True)
        out.mkdir(parents=True, exist_ok=True)
        summary_path.write_text(json.dumps(results, indent=2))
    return 0 if all(results[n]["met"] for n in chosen if RUNS[n][1] is not None) else 1


if __name__ == "__main__":
    raise SystemExit(main())
