"""The HTML report: built from a small hand-made run directory (no real datasets)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import aekit
from aekit.config import RunConfig, preset_config
from aekit.data.splits import Splits
from aekit.engine.history import HistoryWriter
from aekit.errors import DataError, RunError
from aekit.io import save_weights
from aekit.io import write_config as save_json
from aekit.models import build_model
from aekit.report import figures
from aekit.report.html import pick_samples, write_report

CLASSES = ["a", "b", "c", "d"]


def _splits(kind: str = "image", labelled: bool = True, n: int = 200) -> Splits:
    rng = np.random.default_rng(0)
    y = np.arange(n, dtype=np.int64) % 4
    if kind == "image":
        x = rng.random((n, 1, 8, 8), dtype=np.float32) * 0.3
        for c in range(4):  # one bright row per class, so the samples differ visibly
            x[y == c, 0, 2 * c] = 1.0
    else:
        x = rng.standard_normal((n, 12)).astype(np.float32)
    ds = SimpleNamespace(classes=CLASSES if labelled else None, kind=kind,
                         feature_names=[f"f{i}" for i in range(12)] if kind == "vector" else None)
    lab = y if labelled else None
    return Splits(x_train=x[:120], y_train=None if lab is None else lab[:120],
                  x_val=x[120:140], y_val=None if lab is None else lab[120:140],
                  x_test=x[140:], y_test=None if lab is None else lab[140:], dataset=ds)


def _metrics(task: str, code_size: int, vector: bool = False) -> dict[str, Any]:
    if vector:
        return {"split": "test", "n": 60, "data": "synthetic", "task": task,
                "code_size": code_size, "metrics": {"mse": 0.4321, "mae": 0.5},
                "baselines": {"pca": {"mse": 0.61, "mae": 0.6, "components": code_size}},
                "best_baseline": "pca", "mse_ratio": 0.4321 / 0.61, "seconds": 1.0}
    out: dict[str, Any] = {
        "split": "test", "n": 60, "data": "synthetic", "task": task, "code_size": code_size,
        "metrics": {"mse": 0.00512, "psnr": 27.4321, "ssim": 0.8765},
        "baselines": {"pca": {"mse": 0.0105, "psnr": 24.3321, "ssim": 0.7012,
                              "components": code_size}},
        "best_baseline": "pca", "gain_db": 3.1, "seconds": 12.3}
    if task == "denoise":
        out["noise"] = "gaussian:0.35"
        out["input"] = {"mse": 0.09, "psnr": 10.5, "ssim": 0.2}
        out["baselines"].update({
            "nl_means": {"mse": 0.011, "psnr": 22.1, "ssim": 0.66, "param": {"h / sigma_est": 0.8}},
            "tv": {"mse": 0.012, "psnr": 21.7, "ssim": 0.61, "param": {"weight": 0.1}},
            "wavelet": {"mse": 0.013, "psnr": 21.2, "ssim": 0.6,
                        "param": {"sigma / sigma_est": 1.0}}})
    return out


def make_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, model: str = "conv",
             latent: int | None = None, task: str = "reconstruct", kind: str = "image",
             labelled: bool = True, metrics: bool = True, extra_terms: bool = False,
             name: str = "run1") -> Path:
    """A complete run directory for synthetic data; make_splits is patched to return it."""
    splits = _splits(kind, labelled)
    monkeypatch.setattr("aekit.data.splits.make_splits", lambda cfg, seed: splits)
    cfg = RunConfig()
    cfg.data.source = "synthetic"
    cfg.task.name = task
    cfg.model = preset_config(model)
    if latent is not None:  # None: the preset's code size
        cfg.model.latent_dim = latent
    if model == "dense":
        cfg.model.hidden = [16]
    cfg.train.epochs = 3
    shape = splits.input_shape
    net = build_model(cfg.model, shape)
    run = tmp_path / name
    run.mkdir()
    save_json(cfg, run / "config.json", {
        "aekit_version": aekit.__version__, "input_shape": list(shape), "data_fingerprint": "x",
        "created": "2024-01-01T00:00:00",
        "data_info": {"origin": "made up in a test", "classes": CLASSES if labelled else None,
                      "kind": kind}})
    save_weights(net, run / "model.safetensors")
    hist = HistoryWriter(run / "history.csv")
    for e in range(1, 4):
        row: dict[str, float | int] = {"epoch": e, "train_loss": 0.1 / e**2,
                                       "val_loss": 0.12 / e**2, "seconds": 1.5,
                                       "samples_per_s": 1000.0, "lr": 1e-3,
                                       "train_recon": 0.1 / e**2, "val_recon": 0.12 / e**2}
        if extra_terms:
            row["train_sparsity"] = 0.5 / e
        hist.append(row)
    if metrics:
        code = net.code_size
        (run / "metrics.json").write_text(json.dumps(_metrics(task, code, kind == "vector")))
    return run


def _check_self_contained(page: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<link" not in page and "<script" not in page
    srcs = re.findall(r"""<img[^>]*\ssrc="([^"]*)\"""", page)
    assert srcs, "no images"
    assert all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "accuracy" not in page.lower()


def test_report_conv_reconstruct(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = make_run(tmp_path, monkeypatch)
    out = write_report(run)
    assert out == run / "report.html" and out.is_file()
    page = out.read_text()
    _check_self_contained(page)
    assert "<title>aekit report: run1</title>" in page
    assert "<details>" in page and "&quot;latent_dim&quot;: 16" in page  # full config JSON
    # metrics table: own values and the baseline, best row highlighted, the verdict
    for text in ("0.00512", "27.43", "0.8765", "24.33", "PCA (16 components)",
                 "beats the best baseline (PCA) by 3.1 dB PSNR", "PSNR (dB)", "SSIM"):
        assert text in page, text
    assert re.search(r'<tr class="model best"><td>This model', page)
    assert "Best validation loss" in page and "3 of 3" in page
    for fig in ("loss_curves", "reconstructions", "latent_map"):
        assert (run / "figures" / f"{fig}.png").is_file()
    assert not (run / "figures" / "latent_plane.png").exists()  # code size 16
    assert "PCA projection of the 16-number codes" in page
    assert not list(run.glob(".*.tmp")) and not list((run / "figures").glob(".*.tmp"))


def test_report_denoise_grid_and_baselines(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    run = make_run(tmp_path, monkeypatch, task="denoise")
    calls: list[list[str]] = []
    real = figures.image_rows

    def spy(rows: list[tuple[str, np.ndarray]], path: Path, titles: Any = None) -> bytes:
        calls.append([label for label, _ in rows])
        assert all(imgs.shape == (10, 1, 8, 8) for _, imgs in rows)
        assert titles is not None and titles[:4] == CLASSES
        return real(rows, path, titles)

    monkeypatch.setattr(figures, "image_rows", spy)
    page = write_report(run).read_text()
    _check_self_contained(page)
    assert calls == [["noisy", "denoised", "clean"]]
    for text in ("Non-local means (h / sigma_est = 0.8)", "Total variation (weight = 0.1)",
                 "Wavelet shrinkage (sigma / sigma_est = 1)", "Noisy input (no denoising)",
                 "10.50", "gaussian:0.35", "improves on the noisy input by 16.9 dB"):
        assert text in page, text


def test_report_latent_plane_for_2d_codes(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    run = make_run(tmp_path, monkeypatch, model="dense", latent=2, extra_terms=True)
    page = write_report(run).read_text()
    _check_self_contained(page)
    assert (run / "figures" / "latent_plane.png").is_file()
    assert 'id="plane"' in page and "15×15" not in page  # non-ASCII is escaped …
    assert "15&#215;15" in page  # … as character references
    assert "the two code numbers themselves" in page
    assert "sparsity" in page  # second loss panel for the extra term
    assert len(re.findall(r"<img ", page)) == 4


def test_report_without_metrics(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = make_run(tmp_path, monkeypatch, metrics=False, labelled=False)
    page = write_report(run).read_text()
    _check_self_contained(page)
    assert "Not evaluated yet" in page and f"aekit evaluate {run}" in page
    assert "no labels" in page
    assert (run / "figures" / "reconstructions.png").is_file()


def test_report_vector_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = make_run(tmp_path, monkeypatch, model="dense", latent=3, kind="vector")
    page = write_report(run).read_text()
    _check_self_contained(page)
    assert "MAE" in page and "PSNR (dB)" not in page
    assert "beats the best baseline (PCA)" in page
    assert "<td>f0</td>" in page and "<td>f9</td>" in page and "<td>f10</td>" not in page
    assert not (run / "figures" / "reconstructions.png").exists()
    assert (run / "figures" / "latent_map.png").is_file()


def test_report_when_data_cannot_be_loaded(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    run = make_run(tmp_path, monkeypatch)

    def fail(cfg: Any, seed: int) -> Splits:
        raise DataError("synthetic is gone")

    monkeypatch.setattr("aekit.data.splits.make_splits", fail)
    page = write_report(run).read_text()
    assert "synthetic is gone" in page and "27.43" in page


def test_missing_or_incomplete_run_is_a_run_error(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RunError):
        write_report(tmp_path / "nope")
    run = make_run(tmp_path, monkeypatch)
    (run / "model.safetensors").unlink()
    with pytest.raises(RunError):
        write_report(run)
    assert not (run / "report.html").exists()


def test_pick_samples_round_robin_over_classes() -> None:
    y = np.array([3, 3, 1, 0, 1, 2, 0, 3, 2, 2, 1, 0])
    assert pick_samples(y, len(y), 4).tolist() == [3, 2, 5, 0]
    assert pick_samples(y, len(y), 6).tolist() == [3, 2, 5, 0, 6, 4]
    assert pick_samples(None, 5, 10).tolist() == [0, 1, 2, 3, 4]
    assert pick_samples(np.array([0, 0]), 2, 10).tolist() == [0, 1]


def test_loss_panel_terms_and_log_scale() -> None:
    plain = [{"epoch": 1, "train_loss": 0.2, "train_recon": 0.2, "val_loss": 0.3,
              "val_recon": 0.3}]
    assert figures.loss_terms(plain) == []  # recon == loss: no second panel
    sparse = [{**plain[0], "train_loss": 0.25, "train_sparsity": 50.0}]
    assert figures.loss_terms(sparse) == ["recon", "sparsity"]
    assert figures._spans_decades([1.0, 0.05]) and not figures._spans_decades([1.0, 0.5])
    assert not figures._spans_decades([1.0, -0.5, 0.01])
