"""Sequences: moving digits, time-series windows, the composite LSTM autoencoder."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from aekit.cli import main
from aekit.config import preset_config
from aekit.data import load_dataset
from aekit.data.moving_mnist import make_moving_digits
from aekit.data.timeseries import stack_sequences
from aekit.errors import ConfigError, DataError
from aekit.models import build_model
from tests.conftest import one_error_line as _err_line

TRAIN_VALUE, TEST_VALUE = 0.25, 0.75


@pytest.fixture
def fake_mnist(monkeypatch: pytest.MonkeyPatch) -> None:
    """8×8 'digits': training digits hold 0.25, test digits 0.75 (so origin is visible)."""
    rng = np.random.default_rng(0)

    def digits(n: int, value: float) -> np.ndarray:
        return ((rng.random((n, 8, 8)) > 0.5) * value).astype(np.float32)

    train, test = digits(20, TRAIN_VALUE), digits(10, TEST_VALUE)
    monkeypatch.setattr("aekit.data.sources.moving_mnist.mnist_digits",
                        lambda: (train, test, "fake", "fp"))


# -- moving digits ---------------------------------------------------------------------
def test_moving_digits_are_seeded_bounded_and_move() -> None:
    d = np.ones((3, 4, 4), np.float32)
    a = make_moving_digits(d, 5, frames=12, n_digits=2, size=16,
                           rng=np.random.default_rng(1))
    b = make_moving_digits(d, 5, frames=12, n_digits=2, size=16,
                           rng=np.random.default_rng(1))
    assert a.shape == (5, 12, 1, 16, 16) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert a.min() == 0 and a.max() == 1
    # every frame shows a digit (never leaves the frame), and the digits move
    assert (a.reshape(5, 12, -1).sum(-1) >= 16).all()
    assert not np.array_equal(a[:, 0], a[:, -1])
    with pytest.raises(DataError, match="smaller than a digit"):
        make_moving_digits(np.ones((1, 28, 28)), 1, size=20)


def test_moving_mnist_source_keeps_test_digits_out_of_training(fake_mnist: None) -> None:
    ds = load_dataset("moving-mnist?train=6&test=4&frames=5&size=16")
    assert ds.kind == "sequence" and ds.input_shape == (5, 1, 16, 16)
    assert (ds.n_train, ds.n_test) == (6, 4)
    assert set(np.unique(ds.x_train)) <= {0.0, TRAIN_VALUE}
    assert set(np.unique(ds.x_test)) <= {0.0, TEST_VALUE}
    again = load_dataset("moving-mnist?train=6&test=4&frames=5&size=16")
    assert np.array_equal(ds.x_train, again.x_train) and ds.fingerprint == again.fingerprint
    other = load_dataset("moving-mnist?train=6&test=4&frames=5&size=16&seed=1")
    assert ds.fingerprint != other.fingerprint


@pytest.mark.parametrize("spec, message", [
    ("moving-mnist?speed=3", "unknown option 'speed=3'"),
    ("moving-mnist?train=x", "train must be an integer"),
    ("mnist?train=3", "mnist takes no options"),
])
def test_bad_source_options_are_one_line(spec: str, message: str, fake_mnist: None) -> None:
    with pytest.raises(DataError, match=message):
        load_dataset(spec)


# -- the composite model ---------------------------------------------------------------
@pytest.mark.parametrize("over", [
    {}, {"conditional": True}, {"frame_coder": "conv", "filters": [4, 8]},
    {"latent_dim": 6, "hidden": [8, 8]},
])
def test_composite_reads_only_input_frames_and_returns_time_order(over: dict) -> None:
    torch.manual_seed(0)
    cfg = preset_config("lstm", hidden=over.pop("hidden", [8]), **over)
    model = build_model(cfg, (6, 1, 8, 8)).eval()
    assert (model.n_input, model.n_future) == (3, 3)  # None → half the frames
    x = torch.rand(2, 6, 1, 8, 8)
    out = model(x)
    assert out["x_hat"].shape == x.shape and out["z"].shape == (2, model.code_size)
    leak = x.clone()
    leak[:, 3:] = torch.rand(2, 3, 1, 8, 8)  # change only the future frames
    assert torch.equal(model(leak)["x_hat"], out["x_hat"])
    assert torch.allclose(model.decode(model.encode(x)), out["x_hat"])
    terms = model.loss(out, x)
    assert {"loss", "recon", "future"} <= set(terms)
    assert terms["loss"].item() == pytest.approx(
        (terms["recon"].item() + terms["future"].item()) / 2, rel=1e-5)


def test_composite_errors_are_one_line() -> None:
    with pytest.raises(ConfigError, match="leaves no input frame"):
        build_model(preset_config("lstm", future_frames=4), (4, 3))
    with pytest.raises(ConfigError, match="need sequences"):
        build_model(preset_config("lstm"), (5,))
    with pytest.raises(ConfigError, match="needs image frames"):
        build_model(preset_config("lstm", frame_coder="conv"), (6, 3))
    model = build_model(preset_config("lstm", hidden=[4]), (6, 3))
    with pytest.raises(ConfigError, match="reads 3 input frames"):
        model(torch.rand(2, 2, 3))


def test_composite_forecasts_a_periodic_series_better_than_persistence() -> None:
    torch.manual_seed(0)
    t = np.arange(400)
    series = np.stack([np.sin(2 * np.pi * t / 8), np.cos(2 * np.pi * t / 12)], 1)
    x = torch.tensor(np.lib.stride_tricks.sliding_window_view(series, 16, axis=0)
                     .transpose(0, 2, 1)[::3], dtype=torch.float32)  # (n, 16, 2)
    model = build_model(preset_config("lstm-series", hidden=[24], future_frames=8), (16, 2))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(150):
        loss = model.loss(model(x), x)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        pred = model.eval()(x)["x_hat"]
    future = ((pred[:, 8:] - x[:, 8:]) ** 2).mean().item()
    persistence = ((x[:, 7:8] - x[:, 8:]) ** 2).mean().item()
    assert future < 0.3 * persistence, (future, persistence)


# -- end to end through the CLI -----------------------------------------------------------
def test_train_evaluate_moving_digits_cli(fake_mnist: None, tmp_path: Path) -> None:
    run = tmp_path / "run"
    assert main(["train", "--model", "lstm", "--data",
                 "moving-mnist?train=24&test=6&frames=4&size=16", "--epochs", "1",
                 "--batch-size", "8", "--set", "model.hidden=[8]", "--quiet",
                 "--out", str(run)]) == 0
    m = json.loads((run / "metrics.json").read_text())
    assert (m["input_frames"], m["future_frames"], m["n"]) == (2, 2, 6)
    assert {"bce_recon", "bce_future", "mse_future"} <= set(m["metrics"])
    assert {"copy_last", "copy_last_tuned", "mean_frame", "pca", "pca+copy_last"} <= set(
        m["baselines"])
    assert m["future"]["metric"] == "bce_future" and "beats_copy_last" in m["future"]
    rows = list(csv.DictReader((run / "window_scores.csv").open()))
    assert len(rows) == 6 and float(rows[0]["score"]) > 0
    assert (run / "report.html").is_file()


def _series_csv(path: Path, n: int = 120) -> Path:
    t = np.arange(n)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time", "a", "b"])
        for i in t:
            w.writerow([f"t{i:03d}", np.sin(i / 3), np.cos(i / 5)])
    return path


def test_time_series_windows_split_chronologically_and_keep_ids(tmp_path: Path) -> None:
    path = _series_csv(tmp_path / "s.csv")
    ds = load_dataset(f"csv:{path}?window=10&id=time")
    assert ds.kind == "sequence" and ds.input_shape == (10, 2)
    assert ds.feature_names == ["a", "b"]
    assert (ds.n_train, ds.n_test) == (96 - 9, 24 - 9)
    assert ds.ids_train[0] == "t000" and ds.ids_test[0] == "t096"  # test = the last rows
    strided = load_dataset(f"csv:{path}?window=10&stride=5")
    assert strided.n_train == 18 and strided.ids_test[0] == "96"
    with pytest.raises(DataError, match="fewer than window=30"):
        load_dataset(f"csv:{path}?window=30")


def test_time_series_run_writes_window_scores_and_ids(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    path = _series_csv(tmp_path / "s.csv")
    run = tmp_path / "run"
    assert main(["train", "--model", "lstm-series", "--data", f"csv:{path}?window=8&id=time",
                 "--epochs", "1", "--batch-size", "16", "--set", "model.hidden=[8]",
                 "--quiet", "--out", str(run)]) == 0
    m = json.loads((run / "metrics.json").read_text())
    assert "bce_future" not in m["metrics"] and m["future"]["metric"] == "mse_future"
    rows = list(csv.DictReader((run / "window_scores.csv").open()))
    assert rows[0]["id"] == "t096" and len(rows) == 24 - 7
    assert {"recon_mse", "future_mse", "score"} <= set(rows[0])
    out = tmp_path / "codes.csv"
    assert main(["encode", str(run), "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0].startswith("index,id,label,z0") and lines[1].split(",")[1] == "t096"


def test_unequal_sequences_are_refused_with_one_line(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "seqs.csv"
    rows = [("a", i) for i in range(5)] + [("b", i) for i in range(5)] + [("c", 1), ("c", 2)]
    path.write_text("unit,v\n" + "".join(f"{u},{v}\n" for u, v in rows))
    assert main(["data", "info", f"csv:{path}?sequence=unit"]) == 2
    line = _err_line(capsys)
    assert "unequal lengths" in line and "'c' has 2 rows" in line and "?window=W" in line
    with pytest.raises(DataError, match="sequence 1 has 3 steps"):
        stack_sequences([np.zeros((4, 2)), np.zeros((3, 2))])
    equal = tmp_path / "eq.csv"
    equal.write_text("unit,v\n" + "".join(f"{u},{i}\n" for u in "abcde" for i in range(4)))
    ds = load_dataset(f"csv:{equal}?sequence=unit")
    assert ds.input_shape == (4, 1) and ds.n_train + ds.n_test == 5
