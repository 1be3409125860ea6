"""The command line: verbs, files in and out, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aekit.cli import build_parser, main
from tests.conftest import one_error_line as _err_line


@pytest.fixture(scope="module")
def denoise_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny trained denoising run shared by the tests of this module."""
    from tests.conftest import tiny_run

    return tiny_run(tmp_path_factory.mktemp("cli"), "--model", "conv", "--task", "denoise",
                    "--noise", "gaussian:0.2", "--epochs", "1", "--batch-size", "16",
                    "--latent-dim", "6", n_train=64, n_test=16)


def test_help_lists_every_verb_and_import_is_light() -> None:
    verbs = set(build_parser()._subparsers._group_actions[0].choices)  # noqa: SLF001
    assert {"data", "train", "evaluate", "report", "reconstruct", "denoise", "encode",
            "decode", "models", "demo"} <= verbs
    code = "import aekit.cli, sys; print('torch' in sys.modules, 'lightning' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False False"


def test_models_lists_presets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in ("dense", "shallow", "deep", "conv", "conv-pool", "conv-dense", "conv-tiny"):
        assert f"\n{name} " in "\n" + out


@pytest.mark.parametrize("argv, message", [
    (["--model", "nope"], "unknown model 'nope'"),
    (["--set", "train.nope=1"], "unknown key 'train.nope'"),
    (["--optimizer", "adamw"], "train.optimizer='adamw' is not valid"),
    (["--model", "conv", "--set", "model.filters=[4,4,4,4]"], "divisible by 16"),
    (["--task", "denoise", "--noise", "speckle:1"], "unknown noise 'speckle'"),
    (["--data", "nosuch"], "unknown data source 'nosuch'"),
])
def test_bad_train_input_is_one_line_and_creates_nothing(
        argv: list[str], message: str, tiny_npz: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run"
    base = ["train", "--data", tiny_npz, "--epochs", "1", "--quiet", "--out", str(out)]
    assert main(base + argv) == 2
    assert message in _err_line(capsys)
    assert not out.exists()


def test_evaluate_prints_the_answer_and_a_subset_never_replaces_metrics_json(
        denoise_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    full = (denoise_run / "metrics.json").read_text()
    assert main(["evaluate", str(denoise_run), "--limit", "8"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{denoise_run.name}: PSNR ") and "best baseline" in out[0]
    assert "metrics.limit8.json" in out[1] and "unchanged" in out[1]
    assert (denoise_run / "metrics.json").read_text() == full  # the report's file
    assert main(["evaluate", str(denoise_run), "--limit", "8", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["n"] == 8
    assert json.loads((denoise_run / "metrics.limit8.json").read_text()) == printed
    assert main(["evaluate", str(denoise_run)]) == 0
    assert capsys.readouterr().out.splitlines()[1].endswith("metrics.json")


def test_reconstruct_and_denoise_image_files(denoise_run: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.data.images import read_image, write_image

    src = tmp_path / "in"
    src.mkdir()
    rng = np.random.default_rng(0)
    write_image(src / "a.png", rng.random((1, 8, 8)))
    write_image(src / "b.png", rng.random((3, 8, 8)))  # RGB given to a gray model: converted
    for verb in ("reconstruct", "denoise"):
        out = tmp_path / verb
        argv = [verb, str(denoise_run), str(src / "a.png"), str(src / "b.png"), "--out", str(out)]
        assert main(argv) == 0
        assert sorted(p.name for p in out.glob("*.png")) == ["a.png", "b.png"]
        assert read_image(out / "a.png").shape == (1, 8, 8)
    assert main(["denoise", str(denoise_run), str(src / "a.png"), "--noise", "gaussian:0.3",
                 "--out", str(tmp_path / "n")]) == 0
    assert (tmp_path / "n" / "noisy" / "a.png").is_file()


def test_wrong_size_and_unreadable_images_write_nothing(denoise_run: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.data.images import write_image

    big = tmp_path / "big.png"
    write_image(big, np.zeros((1, 16, 16)))
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    out = tmp_path / "out"
    assert main(["reconstruct", str(denoise_run), str(big), "--out", str(out)]) == 2
    assert "is 16×16 but the model takes 8×8 images" in _err_line(capsys)
    assert main(["reconstruct", str(denoise_run), str(bad), "--out", str(out)]) == 2
    assert "bad.png" in _err_line(capsys)
    assert not out.exists()
    assert main(["reconstruct", str(denoise_run), str(big), "--resize", "--out", str(out)]) == 0
    assert (out / "big.png").is_file()


def test_encode_npy_csv_and_decode(denoise_run: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    npy = tmp_path / "codes.npy"
    assert main(["encode", str(denoise_run), "--out", str(npy)]) == 0
    z = np.load(npy)
    assert z.shape == (16, 6) and np.isfinite(z).all()
    assert np.load(tmp_path / "codes.labels.npy").shape == (16,)
    csv_path = tmp_path / "codes.csv"
    assert main(["encode", str(denoise_run), "--split", "train", "--out", str(csv_path)]) == 0
    lines = csv_path.read_text().splitlines()
    assert lines[0].split(",")[:3] == ["index", "label", "z0"] and len(lines) == 65
    assert main(["decode", str(denoise_run), str(npy), "--out", str(tmp_path / "dec")]) == 0
    assert len(list((tmp_path / "dec").glob("*.png"))) == 16
    np.save(tmp_path / "wrong.npy", np.zeros((3, 5), np.float32))
    assert main(["decode", str(denoise_run), str(tmp_path / "wrong.npy"), "--out",
                 str(tmp_path / "d2")]) == 2
    assert "needs shape (n, 6)" in _err_line(capsys)


def test_broken_run_directories(denoise_run: Path, tmp_path: Path, tiny_npz: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    assert main(["evaluate", str(tmp_path / "none")]) == 2
    assert "does not exist" in _err_line(capsys)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["evaluate", str(empty)]) == 2
    assert "not an aekit run directory" in _err_line(capsys)
    half = tmp_path / "half"
    shutil.copytree(denoise_run, half)
    (half / "model.safetensors").unlink()
    assert main(["report", str(half)]) == 2
    assert "incomplete" in _err_line(capsys)
    # weights from another model
    other = tmp_path / "other"
    assert main(["train", "--model", "dense", "--data", tiny_npz, "--epochs", "1", "--quiet",
                 "--no-eval", "--out", str(other)]) == 0
    mixed = tmp_path / "mixed"
    shutil.copytree(denoise_run, mixed)
    shutil.copy(other / "model.safetensors", mixed / "model.safetensors")
    assert main(["evaluate", str(mixed)]) == 2
    assert "weights from another model" in _err_line(capsys)
    (mixed / "config.json").write_text("{not json")
    assert main(["evaluate", str(mixed)]) == 2
    assert "corrupt" in _err_line(capsys)


def test_encode_train_split_is_in_file_order(denoise_run: Path, tmp_path: Path) -> None:
    from aekit.data.splits import make_splits
    from aekit.io import load_run
    from aekit.tasks.infer import encode

    out = tmp_path / "train.npy"
    assert main(["encode", str(denoise_run), "--split", "train", "--out", str(out)]) == 0
    loaded = load_run(denoise_run)
    splits = make_splits(loaded.config.data, loaded.config.train.seed)
    x_all = np.asarray(splits.dataset.x_train, dtype=np.float32)
    assert np.allclose(np.load(out), encode(loaded.model, x_all), atol=1e-6)
    assert np.array_equal(np.load(tmp_path / "train.labels.npy"), splits.dataset.y_train)


def test_train_ends_with_the_answer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import blobs_npz

    data = blobs_npz(tmp_path / "t.npz", 48, 16)
    assert main(["train", "--model", "conv", "--latent-dim", "3", "--data", data,
                 "--epochs", "1", "--quiet", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("r: PSNR ") and "best baseline pca" in out[0] and " dB (" in out[0]
    assert out[1] == f"  report: {(tmp_path / 'r' / 'report.html').resolve()}"
    assert out[2] == f"run written to {tmp_path / 'r'}"
