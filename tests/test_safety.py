"""Run directories from someone else cannot run code: checkpoints load tensors only."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from aekit.cli import main
from tests.conftest import one_error_line, tiny_run


class _Payload:
    """Pickles to a call that creates ``marker`` when unpickled (what an attacker ships)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return open, (str(self.marker), "w")


def test_resume_refuses_a_checkpoint_that_would_run_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = tiny_run(tmp_path, "--model", "conv", "--epochs", "2", "--batch-size", "16",
                   "--latent-dim", "3", "--no-eval", n_train=48, n_test=16)
    (run / "model.safetensors").unlink()  # as if interrupted: resumable
    last = run / "checkpoints" / "last.ckpt"
    honest = torch.load(last, map_location="cpu", weights_only=True)  # ours loads safely
    assert honest["epoch"] == 1
    marker = tmp_path / "pwned"
    torch.save({**honest, "epoch": _Payload(marker)}, last)
    capsys.readouterr()
    assert main(["train", "--resume", str(run)]) == 2
    line = one_error_line(capsys)
    assert "is not a checkpoint aekit can load safely" in line
    assert not marker.exists()  # nothing ran
    assert not (run / "model.safetensors").exists()


def test_a_failed_checkpoint_save_keeps_the_previous_checkpoint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit.engine import checkpoint_io
    from aekit.engine.checkpoint_io import AtomicCheckpointIO

    io = AtomicCheckpointIO()
    path = tmp_path / "checkpoints" / "last.ckpt"
    io.save_checkpoint({"epoch": 1, "w": torch.ones(3)}, path)

    def disk_full(obj: object, f: object) -> None:
        f.write(b"half a checkpoint")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(checkpoint_io.torch, "save", disk_full)
    with pytest.raises(OSError, match="No space left"):
        io.save_checkpoint({"epoch": 2, "w": torch.zeros(3)}, path)
    monkeypatch.undo()
    kept = torch.load(path, map_location="cpu", weights_only=True)
    assert kept["epoch"] == 1 and torch.equal(kept["w"], torch.ones(3))
    assert [p.name for p in path.parent.iterdir()] == ["last.ckpt"]  # no temp file left


def test_training_writes_checkpoints_through_the_atomic_writer(tmp_path: Path) -> None:
    from aekit.config import RunConfig
    from aekit.engine.checkpoint_io import AtomicCheckpointIO
    from aekit.engine.run import build_trainer

    trainer = build_trainer(RunConfig(), tmp_path, quiet=True, has_val=False, n_batches=1)
    assert isinstance(trainer.strategy.checkpoint_io, AtomicCheckpointIO)


def test_denoise_never_overwrites_an_input_in_the_noisy_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import numpy as np

    from aekit.data.images import write_image

    (tmp_path / "r").mkdir()
    run = tiny_run(tmp_path / "r", "--model", "conv", "--task", "denoise", "--epochs", "1",
                   "--batch-size", "16", "--latent-dim", "3", "--no-eval", n_train=32,
                   n_test=8)
    out = tmp_path / "d"
    (out / "noisy").mkdir(parents=True)
    mine = out / "noisy" / "a.png"
    write_image(mine, np.random.default_rng(0).random((1, 8, 8)))
    before = mine.read_bytes()
    capsys.readouterr()
    assert main(["denoise", str(run), str(mine), "--noise", "gaussian:0.3",
                 "--out", str(out)]) == 2
    assert "would overwrite the input" in one_error_line(capsys)
    assert mine.read_bytes() == before
    assert sorted(p.name for p in out.rglob("*")) == ["a.png", "noisy"]  # nothing written


def test_only_one_training_takes_a_run_directory(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.engine.run import LOCK, RunLock
    from tests.conftest import blobs_npz

    data = blobs_npz(tmp_path / "t.npz", 32, 8)
    out = tmp_path / "run"
    out.mkdir()
    holder = RunLock(out)  # a training that is running right now holds the directory
    argv = ["train", "--model", "conv", "--latent-dim", "3", "--data", data, "--epochs", "1",
            "--no-eval", "--quiet", "--out", str(out)]
    capsys.readouterr()
    assert main(argv) == 2
    assert "another `aekit train` is writing" in one_error_line(capsys)
    assert sorted(p.name for p in out.iterdir()) == [LOCK]  # nothing of ours written
    holder.release()  # it finished
    assert main(argv) == 0
    assert not (out / LOCK).exists() and (out / "model.safetensors").is_file()


def test_a_lock_left_by_a_killed_run_or_a_failed_start_blocks_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    import errno

    from aekit.engine import run as engine_run
    from aekit.engine.run import LOCK
    from tests.conftest import blobs_npz

    data = blobs_npz(tmp_path / "t.npz", 32, 8)
    out = tmp_path / "run"
    out.mkdir()
    (out / LOCK).touch()  # left by a kill -9: nobody holds it
    argv = ["train", "--model", "conv", "--latent-dim", "3", "--data", data, "--epochs", "1",
            "--no-eval", "--quiet", "--out", str(out)]
    original = engine_run.write_config

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "config.json"))

    monkeypatch.setattr(engine_run, "write_config", full)
    capsys.readouterr()
    assert main(argv) == 2
    assert "No space left on device" in one_error_line(capsys)
    assert list(out.iterdir()) == []  # the folder is as the user gave it: empty, no lock
    monkeypatch.setattr(engine_run, "write_config", original)
    assert main(argv) == 0  # space freed: the same command now works


def test_resume_takes_the_lock_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.engine.run import RunLock

    run = tiny_run(tmp_path, "--model", "conv", "--epochs", "2", "--batch-size", "16",
                   "--latent-dim", "3", "--no-eval", n_train=48, n_test=16)
    (run / "model.safetensors").unlink()
    holder = RunLock(run)
    capsys.readouterr()
    assert main(["train", "--resume", str(run)]) == 2
    assert "another `aekit train` is writing" in one_error_line(capsys)
    holder.release()
    assert main(["train", "--resume", str(run), "--quiet", "--no-eval"]) == 0


def test_weights_get_the_same_permissions_as_the_other_run_files(tmp_path: Path) -> None:
    import os
    import stat

    run = tiny_run(tmp_path, "--model", "conv", "--epochs", "1", "--batch-size", "16",
                   "--latent-dim", "3", "--no-eval", n_train=32, n_test=8)
    mode = stat.S_IMODE(os.stat(run / "model.safetensors").st_mode)
    assert mode == stat.S_IMODE(os.stat(run / "config.json").st_mode)
