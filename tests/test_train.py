"""The training engine end to end on a tiny dataset the test writes."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from aekit.api import resume as resume_run
from aekit.api import train as train_run
from aekit.config import RunConfig, set_key
from aekit.errors import RunError, TrainingError
from aekit.io import load_run


def _cfg(source: str, **over: object) -> RunConfig:
    cfg = RunConfig()
    cfg.data.source = source
    cfg.model.hidden = [16]
    cfg.model.latent_dim = 4
    cfg.train.epochs = 2
    cfg.train.batch_size = 16
    cfg.data.val_fraction = 0.25
    for key, value in over.items():
        set_key(cfg, key.replace("__", "."), value)
    return cfg


def test_train_writes_complete_run_directory(tiny_npz: str, tmp_path: Path) -> None:
    run = train_run(_cfg(tiny_npz, model__name="conv"), tmp_path / "r", quiet=True)
    for name in ("config.json", "model.safetensors", "metrics.json", "history.csv",
                 "report.html", "checkpoints/last.ckpt", "checkpoints/best.ckpt"):
        assert (run / name).is_file(), name
    rows = list(csv.DictReader((run / "history.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert {"train_loss", "val_loss", "seconds", "samples_per_s", "lr"} <= set(rows[0])
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["split"] == "test" and metrics["n"] == 32
    assert set(metrics["metrics"]) == {"mse", "psnr", "ssim"}
    assert metrics["baselines"]["pca"]["components"] == metrics["code_size"] == 4
    assert "accuracy" not in json.dumps(metrics)
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["model"]["name"] == "conv" and cfg["model"]["preset"] == "conv"
    assert cfg["input_shape"] == [1, 8, 8] and cfg["aekit_version"]


def test_config_json_alone_rebuilds_the_trained_model(tiny_npz: str, tmp_path: Path) -> None:
    run = train_run(_cfg(tiny_npz), tmp_path / "r", quiet=True, evaluate=False)
    loaded = load_run(run)
    weights = load_file(str(run / "model.safetensors"))
    for k, v in loaded.model.state_dict().items():
        assert torch.equal(v, weights[k])


def test_denoise_metrics_include_input_and_classical_baselines(tiny_npz: str,
                                                               tmp_path: Path) -> None:
    cfg = _cfg(tiny_npz, task__name="denoise", task__noise="gaussian:0.35")
    run = train_run(cfg, tmp_path / "r", quiet=True)
    m = json.loads((run / "metrics.json").read_text())
    assert m["input"]["psnr"] < 15  # noisy input really is noisy
    assert {"pca", "nl_means", "tv", "wavelet"} <= set(m["baselines"])
    assert m["gain_db"] == pytest.approx(m["metrics"]["psnr"]
                                         - m["baselines"][m["best_baseline"]]["psnr"])


def test_resume_after_interrupt_is_exact(tiny_npz: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import interrupt_training

    cfg = _cfg(tiny_npz, train__epochs=3, task__name="denoise")
    straight = train_run(cfg, tmp_path / "a", quiet=True, evaluate=False)
    restore = interrupt_training(monkeypatch, epoch=1, batch=1)
    with pytest.raises(KeyboardInterrupt):
        train_run(_cfg(tiny_npz, train__epochs=3, task__name="denoise"), tmp_path / "b",
                  quiet=True, evaluate=False)
    assert not (tmp_path / "b" / "model.safetensors").exists()
    with pytest.raises(RunError, match="unfinished run; continue it with"):
        train_run(cfg, tmp_path / "b", quiet=True)
    with pytest.raises(RunError, match="incomplete"):
        load_run(tmp_path / "b")
    restore()
    resumed = resume_run(tmp_path / "b", quiet=True, evaluate=False)
    a, b = load_file(str(straight / "model.safetensors")), load_file(
        str(resumed / "model.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    rows = list(csv.DictReader((resumed / "history.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    with pytest.raises(RunError, match="already complete"):
        resume_run(resumed, quiet=True)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "adadelta", "sgd"])
def test_every_optimizer_updates_all_parameters(optimizer: str, tiny_npz: str,
                                                tmp_path: Path) -> None:
    from aekit.models import build_model

    cfg = _cfg(tiny_npz, train__optimizer=optimizer, train__epochs=1, train__lr=0.05,
               train__nesterov=True)
    torch.manual_seed(cfg.train.seed)
    initial = build_model(cfg.model, (1, 8, 8)).state_dict()
    run = train_run(cfg, tmp_path / "r", quiet=True, evaluate=False)
    trained = load_file(str(run / "model.safetensors"))
    for k, v in initial.items():
        if k.endswith("num_batches_tracked"):
            continue
        assert not torch.equal(v, trained[k]), f"{optimizer} did not update {k}"


def test_lr_schedules_and_early_stopping_run(tiny_npz: str, tmp_path: Path) -> None:
    for i, sched in enumerate(["cosine", "step", "plateau"]):
        cfg = _cfg(tiny_npz, train__lr_schedule=sched, train__epochs=3, train__patience=1)
        run = train_run(cfg, tmp_path / f"r{i}", quiet=True, evaluate=False)
        rows = list(csv.DictReader((run / "history.csv").open()))
        assert 1 <= len(rows) <= 3
    rows = list(csv.DictReader((tmp_path / "r0" / "history.csv").open()))
    assert float(rows[-1]["lr"]) < float(rows[0]["lr"])  # cosine decays


def test_nan_loss_is_a_clear_error_and_leaves_nothing(tiny_npz: str, tmp_path: Path) -> None:
    cfg = _cfg(tiny_npz, train__optimizer="sgd", train__lr=1e12, train__epochs=3)
    cfg.model.output_activation = "linear"
    with pytest.raises(TrainingError, match="NaN/inf.*lower the learning rate"):
        train_run(cfg, tmp_path / "r", quiet=True)
    assert not (tmp_path / "r").exists()


def test_existing_output_directory_is_refused(tiny_npz: str, tmp_path: Path) -> None:
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(RunError, match="exists and is not empty"):
        train_run(_cfg(tiny_npz), out, quiet=True)
    assert (out / "notes.txt").read_text() == "mine"


def test_noise_is_fresh_each_epoch_and_fixed_for_evaluation() -> None:
    from aekit.config import TaskConfig
    from aekit.engine.batches import BatchSet
    from aekit.tasks.pairs import build_task

    x = torch.rand(32, 1, 4, 4)
    task = build_task(TaskConfig(name="denoise", noise="gaussian:0.3"))
    train = BatchSet(x, task, 8, shuffle=True, seed=0)
    first = train[0][0].clone()
    train.set_epoch(1)
    assert not torch.equal(first, train[0][0])
    train.set_epoch(0)
    assert torch.equal(first, train[0][0])  # a pure function of the epoch
    ev = BatchSet(x, task, 8, shuffle=False, seed=5)
    a = ev[1][0].clone()
    ev.set_epoch(3)
    assert torch.equal(a, ev[1][0])
    assert torch.equal(ev[1][1], x[8:16])  # targets stay clean and in order


def test_ddp_on_two_cpu_processes_writes_one_complete_run(tiny_npz: str, tmp_path: Path) -> None:
    """Lightning re-launches the command for rank 1; only rank 0 may write the run dir."""
    import subprocess
    import sys

    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "aekit.cli", "train", "--model", "dense", "--data", tiny_npz,
           "--latent-dim", "4", "--accelerator", "cpu", "--devices", "2", "--strategy", "ddp",
           "--epochs", "2", "--batch-size", "16", "--no-eval", "--quiet", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "error" not in proc.stderr.lower()
    rows = list(csv.DictReader((out / "history.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert load_run(out).model is not None


def test_last_checkpoint_follows_every_epoch_even_without_improvement(
        tiny_npz: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """last.ckpt must hold the last epoch (for --resume) when val loss gets worse.

    Lightning 2.6 writes `save_last` only together with a new best file; this makes the
    validation loss rise every epoch so the best stays at epoch 0.
    """
    from aekit.engine.system import AutoencoderSystem

    def rising(self) -> None:  # noqa: ANN001
        self.log("val_loss", float(self.current_epoch), on_epoch=True)

    monkeypatch.setattr(AutoencoderSystem, "on_validation_epoch_end", rising)
    cfg = _cfg(tiny_npz, train__epochs=3)
    run = train_run(cfg, tmp_path / "run", quiet=True, evaluate=False)
    last = torch.load(run / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)
    best = torch.load(run / "checkpoints" / "best.ckpt", map_location="cpu", weights_only=False)
    assert (last["epoch"], best["epoch"]) == (2, 0)


def test_a_moved_run_keeps_its_best_score_when_resumed(tmp_path: Path) -> None:
    """Lightning drops the best score of a checkpoint from another folder; aekit maps
    the recorded paths into the run's folder and keeps it (mv between interrupt and
    resume)."""
    from aekit.engine.checkpoint_io import RunCheckpoint

    old = RunCheckpoint(dirpath=str(tmp_path / "x" / "checkpoints"), filename="best",
                        monitor="val_loss", mode="min")
    old.best_model_score = torch.tensor(0.0123)
    old.best_model_path = str(tmp_path / "x" / "checkpoints" / "best.ckpt")
    old.best_k_models = {old.best_model_path: old.best_model_score}
    state = old.state_dict()
    moved = RunCheckpoint(dirpath=str(tmp_path / "y" / "checkpoints"), filename="best",
                          monitor="val_loss", mode="min")
    moved.load_state_dict(state)
    assert float(moved.best_model_score) == pytest.approx(0.0123)
    assert moved.best_model_path == str(tmp_path / "y" / "checkpoints" / "best.ckpt")
    assert list(moved.best_k_models) == [moved.best_model_path]


def test_resume_after_moving_the_run_directory_is_exact(
        tiny_npz: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from tests.conftest import interrupt_training

    cfg = _cfg(tiny_npz, train__epochs=3, task__name="denoise")
    straight = train_run(cfg, tmp_path / "a", quiet=True, evaluate=False)
    restore = interrupt_training(monkeypatch, epoch=2, batch=1)
    with pytest.raises(KeyboardInterrupt):
        train_run(_cfg(tiny_npz, train__epochs=3, task__name="denoise"), tmp_path / "b",
                  quiet=True, evaluate=False)
    restore()
    shutil.move(tmp_path / "b", tmp_path / "moved")
    resumed = resume_run(tmp_path / "moved", quiet=True, evaluate=False)
    a, b = load_file(str(straight / "model.safetensors")), load_file(
        str(resumed / "model.safetensors"))
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_set_threads_uses_the_cores_and_warns_when_the_machine_is_busy(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import torch

    from tests.conftest import real_set_threads

    before = torch.get_num_threads()
    try:
        monkeypatch.setattr("aekit.engine.run.usable_cores", lambda: 2)
        monkeypatch.setattr("aekit.engine.run.others_busy_cores", lambda: 0.2)
        with caplog.at_level("WARNING", logger="aekit"):
            assert real_set_threads(None) == 2 and torch.get_num_threads() == 2
            assert real_set_threads(1) == 1 and torch.get_num_threads() == 1
        assert not caplog.records
        monkeypatch.setattr("aekit.engine.run.others_busy_cores", lambda: 1.9)
        with caplog.at_level("WARNING", logger="aekit"):
            real_set_threads(None)
        (rec,) = caplog.records
        assert "already busy (other processes use 1.9 of 2 cores)" in rec.getMessage()
        assert "train.threads" in rec.getMessage()
    finally:
        torch.set_num_threads(before)


def test_others_busy_cores_counts_other_processes_not_this_one() -> None:
    """This process spinning does not make the machine look busy; a child spinning does."""
    import subprocess
    import sys
    import threading

    from aekit.engine.run import others_busy_cores

    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(1000))

    t = threading.Thread(target=spin)
    t.start()
    try:
        own = others_busy_cores(0.5)
    finally:
        stop.set()
        t.join()
    child = subprocess.Popen([sys.executable, "-c", "import time\nt = time.time()\n"
                              "while time.time() - t < 3: pass"])
    try:
        time.sleep(0.3)
        other = others_busy_cores(0.5)
    finally:
        child.kill()
        child.wait()
    assert own is not None and other is not None
    assert other - own > 0.5, (own, other)  # the child's core shows, this thread's does not


def test_threads_must_be_a_positive_count() -> None:
    from aekit.config import RunConfig, validate
    from aekit.errors import ConfigError

    cfg = RunConfig()
    cfg.train.threads = 0
    with pytest.raises(ConfigError, match="train.threads must be 1…1024"):
        validate(cfg)
