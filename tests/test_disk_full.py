"""A full disk in the middle of the work (issue 16): one line naming the file the user
knows, no half-written output, and a training keeps its last finished epoch to resume."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import blobs_npz, one_error_line, tiny_run


def _enospc(path: object) -> OSError:
    return OSError(errno.ENOSPC, "No space left on device", str(path))


def test_a_full_disk_mid_training_keeps_the_last_epoch_to_resume(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.cli import main
    from aekit.engine.checkpoint_io import AtomicCheckpointIO
    from aekit.engine.history import read_history

    real = AtomicCheckpointIO.save_checkpoint
    calls = {"n": 0}

    def save(self, checkpoint, path, storage_options=None):  # noqa: ANN001
        calls["n"] += 1
        if calls["n"] > 2:  # epoch 1's best and last are saved; epoch 2 finds no space
            tmp = Path(path).with_name(f".{Path(path).name}.4242.tmp")
            raise _enospc(tmp)
        return real(self, checkpoint, path, storage_options)

    monkeypatch.setattr(AtomicCheckpointIO, "save_checkpoint", save)
    data = blobs_npz(tmp_path / "t.npz")
    run = tmp_path / "run"
    args = ["train", "--data", data, "--model", "dense", "--set", "model.hidden=[8]",
            "--latent-dim", "2", "--epochs", "3", "--no-eval", "--quiet", "--out", str(run)]
    assert main(args) == 2
    err = capsys.readouterr().err
    line = next(ln for ln in err.splitlines() if ln.startswith("aekit: error:"))
    assert "cannot write" in line and "No space left on device" in line
    assert ".tmp" not in line and "checkpoints/best.ckpt" in line  # the file, not its temp
    assert "aekit train --resume" in err  # says how to continue
    assert (run / "checkpoints" / "last.ckpt").is_file()
    assert not (run / "model.safetensors").exists()
    monkeypatch.setattr(AtomicCheckpointIO, "save_checkpoint", real)  # space freed
    assert main(["train", "--resume", str(run), "--no-eval", "--quiet"]) == 0
    assert (run / "model.safetensors").is_file()
    assert [int(r["epoch"]) for r in read_history(run / "history.csv")] == [1, 2, 3]


def test_a_full_disk_while_reconstructing_leaves_no_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import aekit.data.images
    from aekit.cli import main

    run = tiny_run(tmp_path, "--model", "conv", "--set", "model.filters=[4,8]",
                   "--latent-dim", "4", "--epochs", "1", "--no-eval")
    images = []
    for i in range(3):
        p = tmp_path / f"in{i}.png"
        Image.fromarray((np.random.default_rng(i).random((8, 8)) * 255).astype(np.uint8)).save(p)
        images.append(str(p))
    real = aekit.data.images.write_image
    written = []

    def write(path, array):  # noqa: ANN001
        if written:
            raise _enospc(Path(path).with_name(f".{Path(path).name}.ab12cd34.tmp"))
        written.append(path)
        return real(path, array)

    monkeypatch.setattr(aekit.data.images, "write_image", write)
    out = tmp_path / "out"
    capsys.readouterr()
    assert main(["reconstruct", str(run), *images, "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert "cannot write" in line and f"{out}/in1.png" in line
    assert ".aekit-partial-" not in line and ".tmp" not in line
    assert not out.exists()  # nothing half-written, no staging folder left


def test_a_received_run_naming_data_elsewhere_is_asked_about(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A run directory from someone else can name any folder as its data: reading it is
    asked on a terminal and refused without one (issue 16, the trust model)."""
    import aekit.rundata
    from aekit.cli import main

    (tmp_path / "sent").mkdir()
    run = tiny_run(tmp_path / "sent", "--model", "dense", "--set", "model.hidden=[8]",
                   "--latent-dim", "2", "--epochs", "1", "--no-eval")
    # on the receiving machine: another cache (no record of that training), another folder
    monkeypatch.delenv("AEKIT_TRUST_DATA", raising=False)
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "cache"))
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    capsys.readouterr()
    assert main(["evaluate", str(run)]) == 2
    line = one_error_line(capsys)
    assert "names data at" in line and "tiny.npz" in line and "AEKIT_TRUST_DATA=1" in line
    assert not (run / "metrics.json").exists()
    monkeypatch.setattr(aekit.rundata, "_ask", lambda prompt: True)  # the user says yes
    assert main(["evaluate", str(run)]) == 0
    monkeypatch.setattr(aekit.rundata, "_ask", lambda prompt: False)
    assert main(["evaluate", str(run)]) == 0  # remembered: not asked again
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "cache2"))
    monkeypatch.setenv("AEKIT_TRUST_DATA", "1")
    assert main(["evaluate", str(run)]) == 0
