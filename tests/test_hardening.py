"""Bad input a hostile user tried: one line, exit 2, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from aekit.cli import main
from tests.conftest import blobs_npz, one_error_line, tiny_run


@pytest.fixture(scope="module")
def conv_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_run(tmp_path_factory.mktemp("hard"), "--model", "conv", "--epochs", "1",
                    "--batch-size", "16", "--latent-dim", "3", "--no-eval", n_train=32,
                    n_test=8)


@pytest.mark.parametrize(("args", "needle"), [
    (["--lr", "inf"], "train.lr must be a finite number > 0"),
    (["--lr", "nan"], "train.lr must be a finite number > 0"),
    (["--set", "model.hidden=[0]"], "model.hidden holds sizes, which must be ≥ 1"),
    (["--set", "model.hidden=[-5,3]"], "model.hidden holds sizes, which must be ≥ 1"),
    (["--latent-dim", "1000000000"], "GB to train); this machine has"),
    (["--set", "data.image_size=100000"], "data.image_size=100000 makes"),
    (["--noise", "gaussian:0.3"], "--noise is for --task denoise"),
    # device requests that cannot be met (issue 15), refused before anything exists
    (["--devices", "99"], "asks for 99 devices; this machine has"),
    (["--devices", "0"], "--devices must be at least 1"),
    (["--devices", "two"], "--devices must be auto, a count"),
    (["--precision", "7"], "--precision '7' is not one of"),
    (["--strategy", "bogus"], "--strategy 'bogus' is not a Lightning strategy"),
    (["--accelerator", "quantum"], "--accelerator 'quantum' is not one of"),
])
def test_train_refuses_in_one_line_and_writes_nothing(
        args: list[str], needle: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    data = blobs_npz(tmp_path / "t.npz", 32, 8)
    out = tmp_path / "run"
    assert main(["train", "--model", "dense", "--data", data, "--epochs", "1", "--quiet",
                 *args, "--out", str(out)]) == 2
    assert needle in one_error_line(capsys)
    assert not out.exists()


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_encode_and_evaluate_refuse_a_limit_below_one(
        limit: str, conv_run: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "codes.npy"
    assert main(["encode", str(conv_run), "--limit", limit, "--out", str(out)]) == 2
    assert "--limit must be ≥ 1" in one_error_line(capsys) and not out.exists()
    assert main(["evaluate", str(conv_run), "--limit", limit]) == 2
    assert "--limit must be ≥ 1" in one_error_line(capsys)
    assert not (conv_run / "metrics.json").exists()


@pytest.mark.parametrize("shape", [[10**9, 10**9], ["a", 8, 8], [], [1, 8, 8, 8, 8], [0, 8]])
def test_a_damaged_input_shape_in_config_json_is_one_line(
        shape: list[object], conv_run: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(conv_run, run)
    raw = json.loads((run / "config.json").read_text())
    raw["input_shape"] = shape
    (run / "config.json").write_text(json.dumps(raw))
    assert main(["evaluate", str(run)]) == 2
    assert "which is not a sample shape" in one_error_line(capsys)


@pytest.mark.parametrize("values", [np.array(["a", "b", "c"]),
                                    np.ones((2, 3)) * (1 + 2j)])
def test_decode_refuses_codes_that_are_not_real_numbers(
        values: np.ndarray, conv_run: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    codes = tmp_path / "codes.npy"
    np.save(codes, values)
    out = tmp_path / "dec"
    assert main(["decode", str(conv_run), str(codes), "--out", str(out)]) == 2
    assert "codes must be real numbers" in one_error_line(capsys)
    assert not out.exists()


def test_decode_never_overwrites_a_users_file(conv_run: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    codes = tmp_path / "codes.npy"
    np.save(codes, np.zeros((2, 3), np.float32))
    out = tmp_path / "dec"
    out.mkdir()
    mine = out / "000001.png"
    mine.write_bytes(b"my own picture")
    assert main(["decode", str(conv_run), str(codes), "--out", str(out)]) == 2
    assert "already exists" in one_error_line(capsys)
    assert mine.read_bytes() == b"my own picture" and sorted(out.iterdir()) == [mine]
    fresh = tmp_path / "fresh"
    assert main(["decode", str(conv_run), str(codes), "--out", str(fresh)]) == 0
    assert sorted(p.name for p in fresh.iterdir()) == ["000000.png", "000001.png"]


def test_a_gpu_request_without_a_gpu_is_one_line(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the request can be met")
    data = blobs_npz(tmp_path / "t.npz", 32, 8)
    assert main(["train", "--model", "dense", "--data", data, "--accelerator", "gpu",
                 "--out", str(tmp_path / "run")]) == 2
    assert "has no CUDA GPU" in one_error_line(capsys)
    assert not (tmp_path / "run").exists()


def test_a_full_disk_while_encoding_is_one_line_and_leaves_no_temp_file(
        conv_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import errno

    def full(self: Path, *args: object, **kwargs: object) -> None:
        with open(self, "w") as f:  # half a file, then the disk is full
            f.write("index,label")
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    out = tmp_path / "codes.csv"
    assert main(["encode", str(conv_run), "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert "cannot write" in line and "No space left on device" in line
    assert list(tmp_path.iterdir()) == []  # neither codes.csv nor .codes.csv.tmp


@pytest.mark.parametrize(("spec", "needle"), [
    ("[conv:16:3:2,leakyrelu:x]", "takes a slope"),
    ("[flatten,dense:-1]", "needs at least 1 unit"),
    ("[conv:16:3:2,up:0]", "the factor must be ≥ 1"),
])
def test_bad_layer_specs_are_one_line(spec: str, needle: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    data = blobs_npz(tmp_path / "t.npz", 32, 8)
    assert main(["train", "--model", "layers", "--data", data, "--set",
                 f"model.encoder={spec}", "--out", str(tmp_path / "run")]) == 2
    assert needle in one_error_line(capsys)


@pytest.mark.parametrize(("args", "needle"), [
    (["--set", "model.NEW_SINCE_FORMAT1=x"], "unknown key 'model.NEW_SINCE_FORMAT1'"),
    (["--set", "model.preset=bogus"], "model.preset='bogus' is not a preset"),
    (["--num-nodes", "0"], "--num-nodes must be at least 1"),
])
def test_config_keys_and_nodes_are_checked(args: list[str], needle: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    data = blobs_npz(tmp_path / "t.npz", 32, 8)
    assert main(["train", "--model", "dense", "--data", data, *args,
                 "--out", str(tmp_path / "run")]) == 2
    assert needle in one_error_line(capsys)
    assert not (tmp_path / "run").exists()


def test_a_recipe_refuses_another_model_from_set_or_config(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--recipe", "dense-mnist", "--set", "model.name=conv",
                 "--out", str(tmp_path / "run")]) == 2
    assert "fixes the model; --set names another" in one_error_line(capsys)


def test_devices_minus_one_means_all(tmp_path: Path) -> None:
    from aekit.config import TrainConfig
    from aekit.engine.run import check_devices

    check_devices(TrainConfig(devices="-1", accelerator="cpu"))  # Lightning's "all": fine
