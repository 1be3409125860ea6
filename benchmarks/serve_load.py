"""Load on `aekit serve`, against localhost only, bounded in count and time.

For ``/decode`` (the demo conv model, one 16-number code per request, PNG back) and
``/denoise`` (dncnn-s on a 256×256 gray photo, PNG in and out): 1, 4 and 16 concurrent
clients for ``--seconds`` each (default 30), with dynamic batching off, on (the
default: requests that queue while the model is busy share the next call) and on with
a 5 ms window, and on with 256×256 photos batched too (``--batch-pixels``) — one server
process per setting, all started at once, loaded one at a time: each cell's seconds are
split in ``--rounds`` slices and the settings take turns in alternating order, so
drift in the machine's speed hits every setting alike (between two runs of this script
on this machine the same setting moved by up to 20%).
Printed per row: requests/s, p50 and p99 latency, and requests per model call (the
mean batch). Then the page: Playwright + Debian's Chromium open the explorer on the conv
run, record the time from navigation to the first decoded image, drag the latent pad
for 60 moves and report the decode latency the page measured (p50, p90).

    python benchmarks/serve_load.py [--seconds 30] [--clients 1 4 16]
        [--conv runs/demo-conv] [--out benchmarks/results/serve] [--screenshots DIR]

The conv run is ``make demo``'s (trained here with the demo's config if it is missing);
the denoiser is dncnn-s trained for one short epoch on ``natural-images`` (speed does
not depend on how well it denoises). Clients are threads of this process on keep-alive
connections; they share the 2 cores with the server, the same way in every row.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _runs import train_or_reuse  # noqa: E402

# batching off; on (what queues while the model is busy goes together: the default); on
# with a 5 ms window that an idle model waits for company; on with 256² photos batched too
# (the default sends photos over 128² pixels one per call)
MODES = {"off": ["--no-batching"], "on": [], "on+5ms": ["--batch-timeout-ms", "5"],
         "on+photos": ["--batch-pixels", str(16 * 256 * 256)]}
DNCNN = {"data.source": "natural-images", "data.channels": 1, "model.name": "dncnn-s",
         "task.name": "denoise", "task.noise": "gaussian255:25", "data.patch_size": 40,
         "data.patches": 800, "train.batch_size": 32, "train.epochs": 1}


def conv_run(path: Path, out: Path) -> Path:
    """``make demo``'s conv run, or the same config trained into ``out``."""
    if (path / "model.safetensors").is_file():
        return path
    from aekit.engine.run import train_run
    from aekit.tasks.demo import demo_configs

    run = out / "demo-conv"
    if not (run / "model.safetensors").is_file():
        if run.exists():
            shutil.rmtree(run)
        print(f"== {path} missing: training the demo conv config into {run}", file=sys.stderr)
        train_run(demo_configs()["demo-conv"], run, quiet=True)
    return run


def start(runs: list[Path], port: int, mode: str) -> subprocess.Popen:
    args = [sys.executable, "-m", "aekit.cli", "serve", *map(str, runs), "--port", str(port)]
    args += MODES[mode]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    ready, _, _ = select.select([proc.stdout], [], [], 120)
    line = proc.stdout.readline() if ready else ""  # type: ignore[union-attr]
    if "serving" not in line:
        proc.kill()
        raise SystemExit(f"server did not start: {line!r} {proc.stderr.read()[-500:]!r}")
    return proc


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def load(port: int, path: str, body: bytes, ctype: str, clients: int, seconds: float
         ) -> dict[str, float]:
    """``clients`` threads posting ``body`` for ``seconds``; latency percentiles, rate."""
    lat: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop_at = time.perf_counter() + seconds

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            conn.request("POST", path, body=body, headers={"content-type": ctype})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                errors[k] += 1
            lat[k].append(time.perf_counter() - t0)
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    all_lat = np.concatenate([np.asarray(v) for v in lat]) * 1000
    return {"requests": int(all_lat.size), "errors": int(sum(errors)),
            "rps": round(all_lat.size / wall, 1),
            "p50_ms": round(float(np.percentile(all_lat, 50)), 2),
            "p99_ms": round(float(np.percentile(all_lat, 99)), 2)}


def stats(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/stats")
    out = json.loads(conn.getresponse().read())
    conn.close()
    return out


def page_timings(port: int, run: str, denoiser: str, shots: Path | None
                 ) -> dict[str, float] | None:
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        chromium = None
    if chromium is None:
        print("page: skipped (no Chromium or Playwright here)", file=sys.stderr)
        return None
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=flags)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"http://127.0.0.1:{port}/?run={run}")
        page.wait_for_function("window.aekit.firstDecodeMs !== null", timeout=60_000)
        first = page.evaluate("window.aekit.firstDecodeMs")
        page.wait_for_selector("#map[data-points]", timeout=120_000)
        box = page.locator("#sliders").bounding_box() if page.is_visible("#sliders") else None
        page.evaluate("window.aekit.latencies = []")
        if box is None:  # a 2-D code: drag the pad
            box = page.locator("#pad").bounding_box()
            page.mouse.move(box["x"] + 10, box["y"] + 10)
            page.mouse.down()
            for k in range(60):
                f = k / 59
                page.mouse.move(box["x"] + 10 + f * (box["width"] - 20),
                                box["y"] + box["height"] / 2 + 0.4 * box["height"]
                                * np.sin(6 * f))
                page.wait_for_timeout(16)  # one frame at 60 Hz between moves
            page.mouse.up()
        else:  # larger codes: drag the first slider end to end
            s = page.locator("#z0").bounding_box()
            page.mouse.move(s["x"] + 2, s["y"] + s["height"] / 2)
            page.mouse.down()
            for k in range(60):
                page.mouse.move(s["x"] + 2 + k / 59 * (s["width"] - 4), s["y"] + s["height"] / 2)
                page.wait_for_timeout(16)
            page.mouse.up()
        page.wait_for_timeout(500)
        lat = page.evaluate("window.aekit.latencies")
        # for the docs: click a sample (the sliders move to its code), shift-click the
        # farthest one, interpolate; then the anomaly list
        pts = np.asarray(page.evaluate("window.aekit.map.points"))
        far = int(np.argmax(np.linalg.norm(pts - pts[0], axis=1)))
        for i, shift in ((0, False), (far, True)):
            x, y = page.evaluate(f"""(() => {{ const c = document.getElementById('map'),
                r = c.getBoundingClientRect(), [px, py] = window.aekit.mapPixels[{i}];
                return [r.left + px * r.width / c.width, r.top + py * r.height / c.height];
                }})()""")
            if shift:
                page.keyboard.down("Shift")
            page.mouse.click(x, y)
            if shift:
                page.keyboard.up("Shift")
            page.wait_for_timeout(300)
        page.click("#interp-go")
        page.wait_for_function("document.getElementById('interp-strip').naturalWidth > 0",
                               timeout=30_000)
        page.wait_for_selector("#top figure", timeout=120_000)
        page.wait_for_timeout(500)
        if shots is not None:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "explore-demo.png"), full_page=True)
            # the restoration playground on scikit-image's camera photo (256×256 crop),
            # degraded with the run's own noise
            from skimage import data as skdata

            from aekit.data.images import write_image

            photo = Path(tempfile.mkdtemp()) / "camera-256.png"
            write_image(photo, skdata.camera()[128:384, 128:384][None] / 255.0)
            pg = browser.new_page(viewport={"width": 1280, "height": 800})
            pg.goto(f"http://127.0.0.1:{port}/?run={denoiser}")
            pg.wait_for_selector("#restore-panel", state="visible", timeout=60_000)
            pg.set_input_files("#restore-file", str(photo))
            pg.wait_for_selector('#restore-result[data-ready="1"]', timeout=60_000)
            pg.wait_for_timeout(300)
            pg.screenshot(path=str(shots / "explore-denoise.png"), full_page=True)
        browser.close()
    return {"first_decoded_image_ms": round(first, 1), "drag_decodes": len(lat),
            "decode_p50_ms": round(float(np.percentile(lat, 50)), 1),
            "decode_p90_ms": round(float(np.percentile(lat, 90)), 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--conv", type=Path, default=Path("runs/demo-conv"))
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/serve"))
    ap.add_argument("--screenshots", type=Path, default=None,
                    help="save the page's screenshot here (docs/img for the docs)")
    ap.add_argument("--rounds", type=int, default=2,
                    help="slices per cell; modes alternate between them (default 2)")
    ap.add_argument("--port", type=int, default=8765, help="first of 4 consecutive ports")
    ap.add_argument("--page-only", action="store_true", help="only the page's timings")
    args = ap.parse_args(argv)
    if args.seconds <= 0 or args.seconds > 120 or not all(0 < c <= 64 for c in args.clients):
        raise SystemExit("--seconds must be in (0, 120] and --clients in 1…64 (bounded load)")
    args.out.mkdir(parents=True, exist_ok=True)
    conv = conv_run(args.conv, args.out)
    dn = args.out / "dncnn-s"
    train_or_reuse("dncnn-s", DNCNN, dn, reuse=True)

    rng = np.random.default_rng(0)
    code = json.dumps({"codes": [rng.normal(size=16).round(4).tolist()]}).encode()
    from aekit.data.images import write_image

    photo_path = args.out / "photo-256.png"
    write_image(photo_path, rng.random((1, 256, 256)).astype(np.float32))
    photo = photo_path.read_bytes()
    names = {"decode": conv.resolve().name, "denoise": dn.resolve().name}
    jobs = {"decode": (f"/runs/{names['decode']}/decode", code, "application/json"),
            "denoise": (f"/runs/{names['denoise']}/denoise", photo, "image/png")}
    # every mode's server runs at once on its own port (an idle server costs nothing);
    # each cell is measured in --rounds slices, the modes taking turns in alternating
    # order, so drift in the machine's speed hits every mode alike
    ports = {mode: args.port + i for i, mode in enumerate(MODES)}
    procs = {}
    try:
        for mode, port in ports.items():
            procs[mode] = start([conv, dn], port, mode)
        cells: dict[tuple[str, str, int], list[dict]] = {}
        for op, (path, body, ctype) in ({} if args.page_only else jobs).items():
            modes = [m for m in MODES if op == "denoise" or m != "on+photos"]
            for mode in modes:  # warm up
                load(ports[mode], path, body, ctype, 1, min(2.0, args.seconds))
            key = "decode" if op == "decode" else "restore"
            for n in args.clients:
                for r in range(args.rounds):
                    for mode in (modes if r % 2 == 0 else modes[::-1]):
                        before = stats(ports[mode])["runs"][names[op]][key]
                        got = load(ports[mode], path, body, ctype, n,
                                   args.seconds / args.rounds)
                        after = stats(ports[mode])["runs"][names[op]][key]
                        got["calls"] = after["model_calls"] - before["model_calls"]
                        got["reqs"] = after["requests"] - before["requests"]
                        cells.setdefault((op, mode, n), []).append(got)
        page = page_timings(ports["on"], names["decode"], names["denoise"], args.screenshots)
    finally:
        for proc in procs.values():
            stop(proc)
    rows = []
    for (op, mode, n), parts in cells.items():
        row = {"endpoint": f"/{op}", "batching": mode, "clients": n,
               "requests": sum(p["requests"] for p in parts),
               "errors": sum(p["errors"] for p in parts),
               "rps": round(float(np.mean([p["rps"] for p in parts])), 1),
               "p50_ms": round(float(np.median([p["p50_ms"] for p in parts])), 2),
               "p99_ms": round(float(max(p["p99_ms"] for p in parts)), 2),
               "requests_per_model_call": round(sum(p["reqs"] for p in parts)
                                                / max(1, sum(p["calls"] for p in parts)), 2),
               "rounds_rps": [p["rps"] for p in parts]}
        rows.append(row)
        print(json.dumps(row), flush=True)
    print("\n| endpoint | clients | batching | req/s | p50 ms | p99 ms | req/call | errors |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['endpoint']} | {r['clients']} | {r['batching']} | "
              f"{r['rps']} | {r['p50_ms']} | {r['p99_ms']} | {r['requests_per_model_call']} | "
              f"{r['errors']} |")
    print("\nrequests per second against batching off (same run, same clients):")
    for op in ({} if args.page_only else jobs):
        for n in args.clients:
            got = {r["batching"]: r for r in rows if r["endpoint"] == f"/{op}"
                   and r["clients"] == n}
            off = max(got["off"]["rps"], 1e-9)
            print(f"  /{op} × {n}: " + ", ".join(f"{m} {got[m]['rps'] / off:.2f}×"
                                              for m in MODES if m != "off" and m in got))
    if page is not None:
        print(f"\npage: first decoded image {page['first_decoded_image_ms']} ms after "
              f"navigation; while dragging, decode p50 {page['decode_p50_ms']} ms, p90 "
              f"{page['decode_p90_ms']} ms over {page['drag_decodes']} decodes")
    result = args.out / ("serve_page.json" if args.page_only else "serve_load.json")
    result.write_text(json.dumps({"rows": rows, "page": page, "seconds": args.seconds},
                                 indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
