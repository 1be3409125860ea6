"""`aekit serve`: every endpoint on tiny runs, every bad request refused in one line with
the server still serving, the API key, dynamic batching, and the real server process."""

from __future__ import annotations

import asyncio
import io
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from aekit.serve.app import create_app  # noqa: E402
from aekit.serve.batching import Batcher  # noqa: E402
from aekit.serve.server import load_services, resolve_key  # noqa: E402
from aekit.serve.uploads import Limits, png_bytes  # noqa: E402
from aekit.tasks.infer import decode, encode  # noqa: E402


@pytest.fixture(scope="module")
def services(serve_runs: dict[str, Path]) -> list:
    return load_services([serve_runs[k] for k in ("conv2", "dncnn", "vae")], 0.99)


@pytest.fixture(scope="module")
def client(services: list) -> TestClient:
    return TestClient(create_app(services, limits=Limits(max_body_bytes=200_000,
                                                         max_images=8)))


def quantised(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    """Random pixels that survive a PNG round trip exactly (multiples of 1/255)."""
    rng = np.random.default_rng(seed)
    return (rng.integers(0, 256, shape) / 255.0).astype(np.float32)


def png_array(data: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)), dtype=np.float32) / 255.0


def header_only_png(width: int, height: int) -> bytes:
    """A PNG whose header declares width×height but carries (almost) no pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def test_runs_list_the_operations_their_capabilities_allow(client: TestClient) -> None:
    runs = {r["name"]: r for r in client.get("/runs").json()["runs"]}
    assert runs["conv2"]["operations"] == ["encode", "decode", "reconstruct", "score",
                                           "interpolate", "traverse"]
    assert runs["conv2"]["code_size"] == 2
    assert runs["dncnn"]["operations"] == ["denoise"]
    assert runs["dncnn"]["any_size"] is True
    assert "generate" in runs["vae"]["operations"]
    assert client.get("/docs").status_code == 200
    assert "/runs/{run}/decode" in client.get("/openapi.json").json()["paths"]
    stats = client.get("/stats").json()
    assert stats["batching"] is True and isinstance(stats["runs"], dict)


def test_encode_takes_uploads_raw_bodies_and_arrays_alike(client: TestClient,
                                                          services: list) -> None:
    x = quantised((2, 1, 8, 8))
    want = encode(services[0].model, x)
    files = [("image", (f"{i}.png", png_bytes(x[i]), "image/png")) for i in range(2)]
    multipart = client.post("/runs/conv2/encode", files=files).json()["codes"]
    arrays = client.post("/runs/conv2/encode", json={"images": x.tolist()}).json()["codes"]
    raw = client.post("/runs/conv2/encode", content=png_bytes(x[1]),
                      headers={"content-type": "image/png"}).json()["codes"]
    np.testing.assert_allclose(multipart, want, atol=1e-5)
    np.testing.assert_allclose(arrays, want, atol=1e-5)
    np.testing.assert_allclose(raw, want[1:], atol=1e-5)


def test_decode_returns_png_json_or_arrays(client: TestClient, services: list) -> None:
    z = [[0.3, -0.2], [1.0, 0.5]]
    want = np.clip(decode(services[0].model, np.asarray(z, np.float32)), 0, 1)
    one = client.post("/runs/conv2/decode", json={"codes": z[:1]})
    assert one.headers["content-type"] == "image/png"
    np.testing.assert_allclose(png_array(one.content), want[0, 0], atol=1 / 255 + 1e-6)
    arr = client.post("/runs/conv2/decode?format=array", json={"codes": z}).json()["images"]
    np.testing.assert_allclose(np.clip(arr, 0, 1), want, atol=1e-5)
    urls = client.post("/runs/conv2/decode?format=json", json={"codes": z}).json()["images"]
    assert len(urls) == 2 and all(u.startswith("data:image/png;base64,") for u in urls)
    strip = png_array(client.post("/runs/conv2/decode", json={"codes": z}).content)
    assert strip.shape == (8, 17)  # two 8×8 images, one white gutter


def test_reconstruct_and_score_with_the_runs_threshold(client: TestClient,
                                                       services: list) -> None:
    from aekit.anomaly import anomaly_scores
    from aekit.data.splits import make_splits

    x = quantised((3, 1, 8, 8), seed=1)
    rec = client.post("/runs/conv2/reconstruct?format=array", json={"images": x.tolist()})
    assert np.asarray(rec.json()["images"]).shape == (3, 1, 8, 8)
    out = client.post("/runs/conv2/score", json={"images": x.tolist()}).json()
    svc = services[0]
    np.testing.assert_allclose(out["scores"], anomaly_scores(svc.model, x), rtol=1e-5)
    cfg = svc.loaded.config
    val = make_splits(cfg.data, cfg.train.seed).x_val
    assert out["threshold"] == pytest.approx(np.quantile(anomaly_scores(svc.model, val), 0.99))
    assert out["outlier"] == [s > out["threshold"] for s in out["scores"]]


def test_denoise_whole_photos_with_comparison_and_psnr(client: TestClient) -> None:
    photo = quantised((3, 30, 40), seed=2)
    files = [("image", ("p.png", png_bytes(photo), "image/png"))]
    out = client.post("/runs/dncnn/denoise", files=files)
    assert out.headers["content-type"] == "image/png"
    assert png_array(out.content).shape == (30, 40)  # a 1-channel model: the luma
    cmp = client.post("/runs/dncnn/denoise?compare=true&simulate=true", files=files).json()
    item = cmp["items"][0]
    assert item["size"] == [40, 30] and item["baseline_name"] == "input"
    assert set(item["psnr"]) == {"result", "baseline"}
    clean = [("clean", ("c.png", png_bytes(photo), "image/png"))]
    given = client.post("/runs/dncnn/denoise?compare=true", files=files + clean).json()
    assert given["items"][0]["psnr"]["baseline"] > 40  # the "noisy" input is the clean one


def test_restoring_a_batch_equals_one_image_at_a_time(services: list) -> None:
    svc = services[1]
    x = quantised((3, 1, 20, 28), seed=3)
    np.testing.assert_allclose(svc.restore(x), np.stack([svc.restore(im[None])[0] for im in x]),
                               atol=1e-5)


def test_generate_is_reproducible_and_interpolation_ends_at_its_codes(
        client: TestClient, services: list) -> None:
    a = client.post("/runs/vae/generate", json={"n": 4, "seed": 3}).content
    assert a == client.post("/runs/vae/generate", json={"n": 4, "seed": 3}).content
    assert a != client.post("/runs/vae/generate", json={"n": 4, "seed": 4}).content
    page = services[0].page_data()
    out = client.post("/runs/conv2/interpolate?format=array",
                      json={"indices": [0, 5], "steps": 4}).json()["images"]
    assert len(out) == 4
    ends = decode(services[0].model, page.codes[[0, 5]])
    np.testing.assert_allclose(np.asarray(out)[[0, 3]], ends, atol=1e-5)
    grid = png_array(client.post("/runs/vae/traverse", json={"steps": 3, "dims": 2}).content)
    assert grid.shape == (2 * 9 - 1, 3 * 9 - 1)


def test_page_data_map_samples_and_anomalies(client: TestClient) -> None:
    m = client.get("/runs/conv2/map").json()
    assert m["method"] == "codes" and len(m["points"]) == 24 and len(m["labels"]) == 24
    assert client.get("/runs/vae/map?method=pca").json()["method"] == "pca"
    assert len(client.get("/runs/vae/map?method=tsne").json()["points"]) == 24
    s = client.get("/runs/conv2/samples/3").json()
    assert len(s["code"]) == 2 and s["reconstruction"].startswith("data:image/png")
    assert client.get("/runs/conv2/samples/3.png").headers["content-type"] == "image/png"
    a = client.get("/runs/conv2/anomalies").json()
    assert sum(a["histogram"]["counts"]) == 24 and len(a["top"]) == 24
    assert a["top"][0]["score"] >= a["top"][-1]["score"]


BAD_REQUESTS = [
    ("wrong content type", "post", "/runs/conv2/encode",
     {"content": b"hi", "headers": {"content-type": "text/plain"}}, 415, "content type"),
    ("truncated PNG", "post", "/runs/conv2/encode",
     {"content": png_bytes(quantised((1, 8, 8)))[:80], "headers": {"content-type": "image/png"}},
     400, "truncated"),
    ("20000×20000 header", "post", "/runs/conv2/encode",
     {"content": header_only_png(20000, 20000), "headers": {"content-type": "image/png"}},
     413, "pixels"),
    ("5000×4000 header", "post", "/runs/dncnn/denoise",
     {"content": header_only_png(5000, 4000), "headers": {"content-type": "image/png"}},
     413, "20,000,000 pixels"),
    ("NaN in a code", "post", "/runs/conv2/decode",
     {"content": b'{"codes": [[NaN, 1.0]]}', "headers": {"content-type": "application/json"}},
     422, "NaN"),
    ("wrong code length", "post", "/runs/conv2/decode", {"json": {"codes": [[1.0, 2.0, 3.0]]}},
     422, "has 3 numbers; this model's codes have 2"),
    ("missing field", "post", "/runs/conv2/decode", {"json": {"code": [[1.0, 2.0]]}},
     422, "codes: Field required"),
    ("too many images", "post", "/runs/conv2/encode",
     {"json": {"images": np.zeros((9, 1, 8, 8)).tolist()}}, 413, "at most 8"),
    ("wrong image shape", "post", "/runs/conv2/encode",
     {"json": {"images": np.zeros((1, 1, 8, 9)).tolist()}}, 422, "this model takes (1, 8, 8)"),
    ("body too large", "post", "/runs/conv2/encode",
     {"content": b"x" * 300_000, "headers": {"content-type": "image/png"}}, 413, "bytes"),
    ("invalid JSON", "post", "/runs/conv2/decode",
     {"content": b"{codes", "headers": {"content-type": "application/json"}}, 422, "JSON"),
    ("unknown run", "get", "/runs/nope", {}, 404, "no run named 'nope'"),
    ("operation not offered", "post", "/runs/dncnn/encode", {"json": {"images": []}}, 404,
     "cannot encode"),
    ("unknown format", "post", "/runs/conv2/decode?format=gif", {"json": {"codes": [[0, 0]]}},
     422, "format must be"),
    ("generate without a prior", "post", "/runs/conv2/generate", {"json": {"n": 2}}, 404,
     "cannot generate"),
    ("sample out of range", "get", "/runs/conv2/samples/999", {}, 404, "out of range"),
    ("photo too small", "post", "/runs/dncnn/denoise",
     {"content": png_bytes(np.zeros((1, 2, 2))), "headers": {"content-type": "image/png"}},
     422, "at least"),
]


@pytest.mark.parametrize("what,method,path,kwargs,status,says", BAD_REQUESTS,
                         ids=[b[0] for b in BAD_REQUESTS])
def test_bad_requests_get_a_4xx_with_one_line_and_the_server_keeps_serving(
        client: TestClient, what: str, method: str, path: str, kwargs: dict, status: int,
        says: str) -> None:
    r = getattr(client, method)(path, **kwargs)
    assert r.status_code == status, r.text
    msg = r.json()["error"]
    assert says in msg and "\n" not in msg and "Traceback" not in msg
    assert client.post("/runs/conv2/decode", json={"codes": [[0.0, 0.0]]}).status_code == 200


def test_a_bug_is_a_500_that_says_so_and_serving_goes_on(services: list,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    svc = services[0]
    app = create_app(services)
    monkeypatch.setattr(app.state.batchers["conv2"]["encode"], "fn",
                        lambda x: 1 / 0)  # a bug inside the model call
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/runs/conv2/encode", json={"images": np.zeros((1, 1, 8, 8)).tolist()})
        assert r.status_code == 500 and "bug" in r.json()["error"]
        assert c.post("/runs/conv2/decode", json={"codes": [[0, 0]]}).status_code == 200
    assert svc.name == "conv2"


def test_the_api_key_is_checked_on_every_request(services: list) -> None:
    c = TestClient(create_app(services, api_key="s3cret-key"))
    assert c.get("/runs").status_code == 401
    assert "API key" in c.get("/").json()["error"]
    assert c.get("/runs", headers={"x-api-key": "wrong-key"}).status_code == 401
    assert c.get("/runs", headers={"x-api-key": "s3cret-key"}).status_code == 200
    assert c.get("/runs", headers={"authorization": "Bearer s3cret-key"}).status_code == 200
    r = c.get("/?key=s3cret-key", follow_redirects=False)
    assert r.status_code == 303 and "aekit_key" in r.headers["set-cookie"]
    assert c.get("/runs").status_code == 200  # the page's cookie now rides along


def test_binding_beyond_loopback_needs_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit.errors import ConfigError

    monkeypatch.delenv("AEKIT_API_KEY", raising=False)
    assert resolve_key("127.0.0.1", None) is None
    with pytest.raises(ConfigError, match="--api-key"):
        resolve_key("0.0.0.0", None)
    monkeypatch.setenv("AEKIT_API_KEY", "from-the-env")
    assert resolve_key("0.0.0.0", None) == "from-the-env"
    with pytest.raises(ConfigError, match="at least 8"):
        resolve_key("127.0.0.1", "short")


def test_batcher_coalesces_concurrent_requests_and_keeps_each_its_rows() -> None:
    from concurrent.futures import ThreadPoolExecutor

    calls: list[int] = []

    def double(x: np.ndarray) -> np.ndarray:
        calls.append(len(x))
        time.sleep(0.01)
        return 2 * x

    async def go(enabled: bool) -> list[np.ndarray]:
        b = Batcher(double, ThreadPoolExecutor(1), max_batch=64, timeout_s=0.02,
                    enabled=enabled)
        reqs = [np.full((k, 3), float(i)) for i, k in enumerate([1, 2, 3, 1, 2] * 4)]
        return await asyncio.gather(*(b(r) for r in reqs)), reqs

    outs, reqs = asyncio.run(go(True))
    for o, r in zip(outs, reqs, strict=True):
        np.testing.assert_array_equal(o, 2 * r)
    assert len(calls) < 5 and sum(calls) == 36  # 20 requests, 36 rows, a few model calls
    calls.clear()
    asyncio.run(go(False))
    assert len(calls) == 20  # batching off: one call per request


def test_batcher_groups_by_key_and_gives_every_waiter_the_error() -> None:
    from concurrent.futures import ThreadPoolExecutor

    shapes: list[tuple[int, ...]] = []

    def fn(x: np.ndarray) -> np.ndarray:
        shapes.append(x.shape)
        if x.shape[-1] == 5:
            raise ValueError("boom")
        return x

    async def go() -> list:
        b = Batcher(fn, ThreadPoolExecutor(1), timeout_s=0.02)
        reqs = [np.zeros((1, 4)), np.zeros((1, 4)), np.zeros((1, 5)), np.zeros((1, 5))]
        return await asyncio.gather(*(b(r, key=r.shape) for r in reqs),
                                    return_exceptions=True)

    out = asyncio.run(go())
    assert sorted(shapes) == [(2, 4), (2, 5)]
    assert [isinstance(o, ValueError) for o in out] == [False, False, True, True]


# -- the real server process --------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(*args: str) -> tuple[subprocess.Popen, str]:
    """``aekit serve ARGS`` in a subprocess; (process, base URL) once it serves."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "aekit.cli", "serve", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 90)  # bounded: never hang the suite
    # "serving N run(s) at URL …", or nothing when it failed
    line = proc.stdout.readline() if ready else ""
    if "serving" not in line:
        proc.kill()
        raise AssertionError(f"server did not start: {line!r} {proc.stderr.read()!r}")
    return proc, line.split(" at ")[1].split()[0]


def test_serve_process_answers_and_stops_cleanly_on_sigterm(serve_runs: dict[str, Path]
                                                            ) -> None:
    proc, url = start_server(str(serve_runs["conv2"]), "--port", str(free_port()))
    try:
        with urllib.request.urlopen(url + "runs", timeout=10) as r:
            assert b"conv2" in r.read()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


@pytest.mark.parametrize("args,says", [
    (["--host", "0.0.0.0"], "--api-key"),
    (["--port", "PORT_IN_USE"], "choose another --port"),
    (["--max-images", "0"], "--max-images must be positive"),
])
def test_serve_refuses_in_one_line(serve_runs: dict[str, Path], args: list[str],
                                   says: str, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit.cli import main
    from tests.conftest import one_error_line

    monkeypatch.delenv("AEKIT_API_KEY", raising=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        args = [str(busy.getsockname()[1]) if a == "PORT_IN_USE" else a for a in args]
        assert main(["serve", str(serve_runs["conv2"]), *args]) == 2
    assert says in one_error_line(capsys)


def test_serve_refuses_a_directory_that_is_not_a_run(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    from aekit.cli import main
    from tests.conftest import one_error_line

    assert main(["serve", str(tmp_path)]) == 2
    assert "not an aekit run directory" in one_error_line(capsys)


def test_a_chunked_body_over_the_limit_is_refused_while_it_arrives(client: TestClient) -> None:
    def chunks():  # no Content-Length: the limit is counted on the bytes that arrive
        for _ in range(30):
            yield b"x" * 10_000

    r = client.post("/runs/conv2/encode", content=chunks(),
                    headers={"content-type": "image/png"})
    assert r.status_code == 413 and "over 200,000 bytes" in r.json()["error"]
    assert client.get("/runs").status_code == 200


@pytest.fixture(scope="module")
def more_services(tmp_path_factory: pytest.TempPathFactory) -> list:
    """A ×2 super-resolution run and a supervised AAE (labels condition its decoder)."""
    from tests.conftest import tiny_run

    root = tmp_path_factory.mktemp("serve-more")
    runs = []
    for name, args in {"sr": ("--model", "espcn", "--task", "superres", "--scale", "2"),
                       "style": ("--model", "aae-style", "--latent-dim", "2")}.items():
        (root / name).mkdir()
        runs.append(tiny_run(root / name, *args, "--epochs", "1", "--batch-size", "16",
                             n_train=48, n_test=8).rename(root / name / name))
    return load_services(runs, 0.99)


def test_upscale_is_scale_times_larger_against_bicubic(more_services: list) -> None:
    c = TestClient(create_app(more_services))
    info = {r["name"]: r for r in c.get("/runs").json()["runs"]}
    assert info["sr"]["operations"] == ["upscale"] and info["sr"]["scale"] == 2
    photo = quantised((3, 12, 16), seed=7)
    files = [("image", ("p.png", png_bytes(photo), "image/png"))]
    big = png_array(c.post("/runs/sr/upscale", files=files).content)
    assert big.shape == (24, 32, 3)  # colour kept: the model runs on Y, chroma bicubic
    item = c.post("/runs/sr/upscale?compare=true&simulate=true", files=files).json()["items"][0]
    assert item["baseline_name"] == "bicubic" and item["size"] == [16, 12]
    assert set(item["psnr"]) == {"result", "baseline"}


def test_a_conditioned_model_decodes_with_labels_and_draws_the_style_grid(
        more_services: list) -> None:
    c = TestClient(create_app(more_services))
    info = {r["name"]: r for r in c.get("/runs").json()["runs"]}["style"]
    assert "style" in info["operations"] and "score" not in info["operations"]
    k = info["n_classes"]
    assert k == 4
    r = c.post("/runs/style/decode", json={"codes": [[0.0, 0.0]]})
    assert r.status_code == 422 and "class label" in r.json()["error"]
    ok = c.post("/runs/style/decode?format=array", json={"codes": [[0.0, 0.0]] * 2,
                                                         "labels": [0, 3]}).json()["images"]
    assert np.asarray(ok).shape == (2, 1, 8, 8)
    bad = c.post("/runs/style/decode", json={"codes": [[0.0, 0.0]], "labels": [9]})
    assert bad.status_code == 422 and "0…3" in bad.json()["error"]
    grid = c.post("/runs/style/style", files=[("image", ("d.png", png_bytes(
        quantised((1, 8, 8))), "image/png"))])
    assert png_array(grid.content).shape == (8, (k + 1) * 9 - 1)  # the input, then k classes
