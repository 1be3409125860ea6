"""``aekit reconstruct`` says what it changed to fit the model, and ``--keep-size`` gives
outputs back at each input's own size (issue 17)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aekit.cli import main
from tests.conftest import one_error_line, tiny_run


@pytest.fixture(scope="module")
def gray_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny conv autoencoder for 1×8×8 gray images (not fully convolutional)."""
    return tiny_run(tmp_path_factory.mktemp("keep"), "--model", "conv", "--epochs", "1",
                    "--batch-size", "16", "--latent-dim", "4", "--no-eval",
                    n_train=48, n_test=16)


@pytest.fixture
def photos(tmp_path: Path) -> dict[str, Path]:
    """Two 20×12 RGB images, one 16×16 RGB image and one 8×8 gray image, in ``in/``."""
    from aekit.data.images import write_image

    src = tmp_path / "in"
    rng = np.random.default_rng(0)
    files = {"a.png": (3, 12, 20), "b.png": (3, 12, 20), "c.png": (3, 16, 16),
             "fits.png": (1, 8, 8)}
    for name, shape in files.items():
        write_image(src / name, rng.random(shape))
    return {name: src / name for name in files}


def _lines(err: str) -> list[str]:
    return [ln for ln in err.splitlines() if ln.startswith("[reconstruct]")]


def test_resized_and_converted_inputs_are_said_once_per_kind(
        gray_run: Path, photos: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.data.images import read_image

    out = tmp_path / "out"
    files = [str(photos[n]) for n in ("a.png", "b.png", "c.png")]
    assert main(["reconstruct", str(gray_run), *files, "--resize", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert _lines(captured.err) == [
        "[reconstruct] 3 images resized to 8×8 (from 20×12 and 16×16)",
        "[reconstruct] 3 images converted RGB → gray",
    ]
    assert captured.out.splitlines() == [str(out / n) for n in ("a.png", "b.png", "c.png")]
    for name in ("a.png", "b.png", "c.png"):
        assert read_image(out / name).shape == (1, 8, 8)  # the model's size and colour
    assert not list(out.glob(".aekit-partial-*"))  # the stage is gone


def test_keep_size_gives_each_output_its_input_size(
        gray_run: Path, photos: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.data.images import read_image

    out = tmp_path / "out"
    files = [str(photos[n]) for n in ("a.png", "c.png", "fits.png")]
    assert main(["reconstruct", str(gray_run), *files, "--keep-size", "--out", str(out)]) == 0
    assert _lines(capsys.readouterr().err) == [
        "[reconstruct] 2 images resized to 8×8 (from 20×12 and 16×16) and the outputs back",
        "[reconstruct] 2 images converted RGB → gray",
    ]
    assert read_image(out / "a.png").shape == (1, 12, 20)  # the input's size, gray
    assert read_image(out / "c.png").shape == (1, 16, 16)
    assert read_image(out / "fits.png").shape == (1, 8, 8)


def test_matching_input_says_nothing_about_resizing(
        gray_run: Path, photos: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.data.images import read_image

    for flags in ([], ["--resize"], ["--keep-size"]):
        out = tmp_path / f"out{len(flags)}{flags}"
        assert main(["reconstruct", str(gray_run), str(photos["fits.png"]), *flags,
                     "--out", str(out)]) == 0
        assert _lines(capsys.readouterr().err) == []
        assert read_image(out / "fits.png").shape == (1, 8, 8)


def test_other_size_is_still_refused_and_inputs_never_overwritten(
        gray_run: Path, photos: dict[str, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["reconstruct", str(gray_run), str(photos["a.png"]), "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert "is 20×12 but the model takes 8×8 images" in line and "--keep-size" in line
    assert not out.exists()
    before = photos["a.png"].read_bytes()
    assert main(["reconstruct", str(gray_run), str(photos["a.png"]), "--keep-size",
                 "--out", str(photos["a.png"].parent)]) == 2
    assert "inputs are not overwritten" in one_error_line(capsys)
    assert photos["a.png"].read_bytes() == before


def test_describe_changes_names_a_few_sizes_and_counts_the_rest() -> None:
    from aekit.tasks.apply import describe_changes

    stored = [(1, 10, 10)] * 3 + [(1, 20, 30), (1, 5, 6), (1, 7, 7), (1, 8, 8)]
    assert describe_changes(stored, (1, 8, 8)) == [
        "6 images resized to 8×8 (from 10×10, 30×20, 6×5 and 1 other size)"]
    assert describe_changes([(1, 4, 4)], (3, 8, 8), kept_size=True) == [
        "1 image resized to 8×8 (from 4×4) and the output back",
        "1 image converted gray → RGB"]
    assert describe_changes([(3, 4, 4)], (1, 8, 8), resized=False) == [
        "1 image converted RGB → gray"]


def test_resize_back_is_pillows_lanczos_upscaling() -> None:
    from PIL import Image

    from aekit.tasks.apply import resize_back

    x = np.random.default_rng(1).random((1, 8, 8)).astype(np.float32)
    ref = np.asarray(Image.fromarray(x[0], "F").resize((20, 12), Image.Resampling.LANCZOS))
    np.testing.assert_allclose(resize_back(x, (12, 20))[0], np.clip(ref, 0, 1), atol=1e-5)
