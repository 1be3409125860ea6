"""``--logger csv|tensorboard|mlflow`` and ``encode --projector`` (issue 16)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import blobs_npz, one_error_line, tiny_run

TINY = ("--set", "model.filters=[4,8]", "--latent-dim", "4", "--epochs", "2",
        "--batch-size", "16", "--no-eval")


def test_csv_and_tensorboard_loggers_get_steps_epochs_lr_and_images(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = tiny_run(tmp_path, "--model", "conv", *TINY, "--logger", "csv",
                   "--logger", "tensorboard")
    assert (run / "history.csv").is_file()  # the run's own record stays
    with (run / "logs" / "csv" / "version_0" / "metrics.csv").open() as f:
        rows = list(csv.DictReader(f))
    steps = [r for r in rows if r["train_loss_step"]]
    assert len(steps) >= 4
    assert len([r for r in rows if r["val_loss"]]) == 2  # per epoch
    assert len([r for r in rows if r["train_loss"] and r["lr"]]) == 2
    ea = EventAccumulator(str(run / "logs" / "tensorboard"), size_guidance={"images": 0})
    ea.Reload()
    assert {"train_loss_step", "train_loss", "val_loss", "lr"} <= set(ea.Tags()["scalars"])
    assert [e.step for e in ea.Images("reconstructions")] == [1, 2]  # epochs from 1


def test_a_generative_run_logs_its_sample_grid(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    run = tiny_run(tmp_path, "--model", "vae", "--set", "model.hidden=[16]",
                   "--latent-dim", "2", "--epochs", "2", "--no-eval", "--logger", "tensorboard")
    ea = EventAccumulator(str(run / "logs" / "tensorboard"), size_guidance={"images": 0})
    ea.Reload()
    assert [e.step for e in ea.Images("samples")] == [1, 2]


def test_a_logger_that_is_not_installed_or_unknown_is_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from aekit.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mlflow" else real(name, *a))
    data = blobs_npz(tmp_path / "t.npz")
    for logger, says in (("mlflow", "needs the mlflow package"), ("wandb", "unknown logger")):
        assert main(["train", "--data", data, "--model", "conv", *TINY, "--logger", logger,
                     "--out", str(tmp_path / "run")]) == 2
        assert says in one_error_line(capsys)
        assert not (tmp_path / "run").exists()


def test_encode_writes_the_tensorboard_projector_format(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    import numpy as np
    from PIL import Image

    from aekit.cli import main

    run = tiny_run(tmp_path, "--model", "conv", *TINY)
    proj = tmp_path / "proj"
    assert main(["encode", str(run), "--out", str(tmp_path / "z.npy"),
                 "--projector", str(proj)]) == 0
    z = np.load(tmp_path / "z.npy")
    assert np.allclose(np.loadtxt(proj / "tensors.tsv", delimiter="\t"), z, atol=1e-5)
    meta = (proj / "metadata.tsv").read_text().splitlines()
    assert meta[0] == "index\tlabel\tclass" and len(meta) == 1 + len(z)
    sprite = Image.open(proj / "sprite.png")
    assert sprite.size == (6 * 8, 6 * 8)  # 32 test images of 8×8 in a 6×6 square
    config = (proj / "projector_config.pbtxt").read_text()
    assert 'tensor_path: "tensors.tsv"' in config and "single_image_dim: 8" in config
    try:  # the config parses as TensorBoard's own message when it is installed
        from google.protobuf import text_format
        from tensorboard.plugins.projector import projector_config_pb2
    except ImportError:
        pass
    else:
        cfg = text_format.Parse(config, projector_config_pb2.ProjectorConfig())
        assert cfg.embeddings[0].sprite.image_path == "sprite.png"
    capsys.readouterr()
    # a folder with a user's file in it is never written into
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    assert main(["encode", str(run), "--out", str(tmp_path / "z2.npy"),
                 "--projector", str(tmp_path / "mine")]) == 2
    assert "not an empty folder" in one_error_line(capsys)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"
