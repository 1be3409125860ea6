"""Shared fixtures: tiny datasets the tests write themselves (no downloads)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

_REAL: dict[str, Callable[[int | None], int]] = {}  # what _one_thread replaced


def real_set_threads(threads: int | None) -> int:
    """aekit.engine.run.set_threads itself (the suite replaces it, see _one_thread)."""
    return _REAL["set_threads"](threads)


@pytest.fixture(autouse=True, scope="session")
def _trust_test_data() -> object:
    """The suite reads the data its own tiny runs name from wherever pytest put them.

    Which data a run may read is remembered per machine in ``$AEKIT_DATA`` (see
    aekit.rundata.check_data_trusted), and tests move ``AEKIT_DATA`` and the current
    folder about, so they would be asked about their own data; the trust model itself is
    tested with this unset (tests/test_disk_full.py)."""
    import os

    before = os.environ.get("AEKIT_TRUST_DATA")
    os.environ["AEKIT_TRUST_DATA"] = "1"
    yield
    if before is None:
        os.environ.pop("AEKIT_TRUST_DATA", None)
    else:
        os.environ["AEKIT_TRUST_DATA"] = before


@pytest.fixture(autouse=True, scope="session")
def _one_thread() -> object:
    """Tiny test models run on one intra-op thread.

    Two threads buy nothing at this size, and on a busy 2-core machine their spin-waits
    made some tests a hundred times slower. Training sets threads from the cores and
    warns on a busy machine: in the suite, one thread and no warning
    (tests/test_train.py tests set_threads itself through :func:`real_set_threads`).
    """
    import torch

    import aekit.engine.run as engine_run

    def one(threads: int | None) -> int:
        torch.set_num_threads(1)
        return 1

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    _REAL["set_threads"] = engine_run.set_threads
    engine_run.set_threads = one
    yield
    engine_run.set_threads = _REAL.pop("set_threads")
    torch.set_num_threads(before)


def make_blobs_images(n: int, size: int = 8, channels: int = 1, seed: int = 0
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Structured (n, c, size, size) images in [0, 1]: a bright square per class."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    x = 0.1 * rng.random((n, channels, size, size)).astype(np.float32)
    h = size // 2
    for i, c in enumerate(y):
        r, q = divmod(int(c), 2)
        x[i, :, r * h:(r + 1) * h, q * h:(q + 1) * h] += 0.8
    return np.clip(x, 0, 1).astype(np.float32), y.astype(np.int64)


def _stored(x: np.ndarray) -> np.ndarray:
    """Blob pixels as the tests' .npz files hold them: float32, or with
    ``AEKIT_TEST_UINT8=1`` quantised to uint8, so the whole suite can be run through the
    uint8 storage path (:class:`aekit.data.dataset.U8Images`) as MNIST and photo folders
    take it."""
    if os.environ.get("AEKIT_TEST_UINT8") == "1":
        return np.round(x * 255).astype(np.uint8)
    return x


def blobs_npz(path: Path, n_train: int = 96, n_test: int = 32) -> str:
    """Write 4-class blob images (train seed 1, test seed 2) to ``path``; its ``npz:`` spec."""
    x_tr, y_tr = make_blobs_images(n_train, seed=1)
    x_te, y_te = make_blobs_images(n_test, seed=2)
    np.savez(path, x_train=_stored(x_tr), y_train=y_tr, x_test=_stored(x_te), y_test=y_te)
    return f"npz:{path}"


def tiny_run(root: Path, *train_args: str, n_train: int = 96, n_test: int = 32) -> Path:
    """The one shared way tests make a tiny trained run: blob images in ``root/tiny.npz``,
    then ``aekit train --data npz:… *train_args --quiet --out root/run``."""
    from aekit.cli import main

    data = blobs_npz(root / "tiny.npz", n_train, n_test)
    run = root / "run"
    assert main(["train", "--data", data, *train_args, "--quiet", "--out", str(run)]) == 0
    return run


@pytest.fixture
def tiny_npz(tmp_path: Path) -> str:
    """An ``npz:`` spec with 96 train / 32 test 1×8×8 images in 4 classes."""
    x_tr, y_tr = make_blobs_images(96, seed=1)
    x_te, y_te = make_blobs_images(32, seed=2)
    path = tmp_path / "tiny.npz"
    np.savez(path, x_train=_stored(x_tr), y_train=y_tr, x_test=_stored(x_te), y_test=y_te)
    return f"npz:{path}"


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The single ``aekit: error:`` line a CLI call printed (and no traceback)."""
    err = capsys.readouterr().err.strip().splitlines()
    lines = [ln for ln in err if ln.startswith("aekit: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in "\n".join(err)
    return lines[0]


def interrupt_training(monkeypatch: pytest.MonkeyPatch, epoch: int, batch: int
                       ) -> Callable[[], None]:
    """Make training raise KeyboardInterrupt (a Ctrl-C) at ``(epoch, batch)``, 0-based.

    Returns the function that restores normal training (call it before resuming).
    """
    from aekit.engine.system import AutoencoderSystem

    original = AutoencoderSystem.training_step

    def step(self, batch_, batch_idx):  # noqa: ANN001
        if self.current_epoch == epoch and batch_idx == batch:
            raise KeyboardInterrupt
        return original(self, batch_, batch_idx)

    monkeypatch.setattr(AutoencoderSystem, "training_step", step)
    return lambda: monkeypatch.setattr(AutoencoderSystem, "training_step", original)


@pytest.fixture(scope="session")
def serve_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Tiny runs for the server and page tests: a conv autoencoder with a 2-D code, a
    DnCNN denoiser (fully convolutional) and a VAE (generative), trained once."""
    specs = {
        "conv2": ("--model", "conv", "--latent-dim", "2", "--epochs", "2"),
        "dncnn": ("--model", "dncnn-s", "--task", "denoise", "--noise", "gaussian:0.2",
                  "--epochs", "1"),
        "vae": ("--model", "vae", "--epochs", "1"),
    }
    root = tmp_path_factory.mktemp("serve")
    runs = {}
    for name, args in specs.items():
        (root / name).mkdir()
        runs[name] = tiny_run(root / name, *args, "--batch-size", "16", n_train=64,
                              n_test=24).rename(root / name / name)
    return runs
