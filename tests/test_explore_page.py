"""The explorer page in a real browser: Playwright driving Debian's Chromium, headless.

The server runs as a real process (``aekit serve``); the page is driven as a person
would: drag the latent pad, click two samples and interpolate, drop a photo on the
denoiser. Screenshots go to ``$AEKIT_SCREENSHOTS`` (default: the test's temporary
folder). Where no Chromium is installed the tests skip and say how to get one.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
sync_api = pytest.importorskip("playwright.sync_api")

from tests.test_serve import free_port, quantised, start_server  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium found: `apt-get install chromium` (Debian) runs the "
                             "page tests; .ci/run installs it")
# no network here: without these Chromium tries Google's hosts at every start
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def server(serve_runs: dict[str, Path]) -> Iterator[str]:
    proc, url = start_server(str(serve_runs["conv2"]), str(serve_runs["dncnn"]),
                             "--port", str(free_port()))
    yield url
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    out = Path(os.environ.get("AEKIT_SCREENSHOTS", tmp_path))
    out.mkdir(parents=True, exist_ok=True)
    return out


def open_page(browser: object, url: str, width: int = 1280, height: int = 800) -> object:
    page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.errors = errors
    page.goto(url)
    return page


def test_drag_the_pad_then_interpolate_between_two_clicked_samples(
        browser: object, server: str, shots: Path) -> None:
    page = open_page(browser, server + "?run=conv2")
    page.wait_for_selector('#map[data-points="24"]', timeout=30_000)
    # settled: the first decode (at the test codes' median) is back, none in flight
    page.wait_for_function("window.aekit.decodes >= 1 && !window.aekit.decodeBusy",
                           timeout=30_000)
    first = page.get_attribute("#decoded", "src")
    before = page.evaluate("window.aekit.decodes")
    box = page.locator("#pad").bounding_box()
    page.mouse.move(box["x"] + 0.2 * box["width"], box["y"] + 0.2 * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + 0.85 * box["width"], box["y"] + 0.8 * box["height"], steps=8)
    page.mouse.up()
    page.wait_for_function(f"document.getElementById('decoded').src !== {first!r}",
                           timeout=15_000)
    page.wait_for_function("!window.aekit.decodeBusy && !window.aekit.decodePending")
    assert page.evaluate("window.aekit.decodes") > before
    lo, hi = page.evaluate("[window.aekit.map.code_min, window.aekit.map.code_max]")
    code = page.evaluate("window.aekit.code")  # the pad's end point, in code space
    assert code[0] == pytest.approx(lo[0] + 0.85 * (hi[0] - lo[0]), abs=0.02 * (hi[0] - lo[0]))
    assert code[1] == pytest.approx(hi[1] - 0.8 * (hi[1] - lo[1]), abs=0.02 * (hi[1] - lo[1]))

    def click_sample(i: int, shift: bool = False) -> None:
        x, y = page.evaluate(f"""(() => {{ const c = document.getElementById('map'),
            r = c.getBoundingClientRect(), [px, py] = window.aekit.mapPixels[{i}];
            return [r.left + px * r.width / c.width, r.top + py * r.height / c.height]; }})()""")
        if shift:
            page.keyboard.down("Shift")
        page.mouse.click(x, y)
        if shift:
            page.keyboard.up("Shift")

    far = int(np.argmax(np.linalg.norm(np.asarray(page.evaluate("window.aekit.map.points"))
                                       - page.evaluate("window.aekit.map.points[0]"), axis=1)))
    click_sample(0)
    page.wait_for_selector("#picked-rec", state="visible", timeout=15_000)
    click_sample(far, shift=True)
    assert page.inner_text("#ends") == f"A: #0 · B: #{far}"
    page.click("#interp-go")
    page.wait_for_function("document.getElementById('interp-strip').naturalWidth > 0",
                           timeout=15_000)
    # ten 8×8 images with 1-pixel gutters
    assert page.evaluate("document.getElementById('interp-strip').naturalWidth") == 89
    page.wait_for_selector("#top figure", timeout=30_000)  # the anomaly list arrived
    assert page.inner_text("#status") == ""
    page.screenshot(path=str(shots / "explore-latent.png"), full_page=True)
    assert page.errors == []
    page.close()


def test_drop_a_photo_on_the_denoiser(browser: object, server: str, shots: Path,
                                      tmp_path: Path) -> None:
    from aekit.data.images import write_image

    photo = tmp_path / "photo.png"
    write_image(photo, quantised((3, 48, 64), seed=5))
    page = open_page(browser, server + "?run=dncnn")
    page.wait_for_selector("#restore-panel", state="visible", timeout=15_000)
    assert page.is_hidden("#map-panel")  # a denoiser has no codes to map
    page.set_input_files("#restore-file", str(photo))
    page.wait_for_selector('#restore-result[data-ready="1"]', timeout=30_000)
    text = page.inner_text("#restore-text")
    assert text.startswith("64×48") and "PSNR" in text and "noisy input" in text
    assert page.get_attribute("#download", "href").startswith("data:image/png")
    page.fill("#compare-slider", "80")
    page.dispatch_event("#compare-slider", "input")
    assert page.evaluate("document.getElementById('after-clip').style.width") == "80%"
    page.screenshot(path=str(shots / "explore-denoise.png"), full_page=True)
    assert page.errors == []
    page.close()


def test_the_page_fits_a_phone(browser: object, server: str, shots: Path) -> None:
    page = open_page(browser, server + "?run=conv2", width=390, height=844)
    page.wait_for_selector('#map[data-points="24"]', timeout=30_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "explore-phone.png"), full_page=True)
    page.close()
