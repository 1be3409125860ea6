"""Embeddings: `aekit probe` (linear / k-NN probes vs PCA and pixels) and `aekit similar`."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from aekit.cli import main
from aekit.evaluate.probe import probe_features
from aekit.tasks.similar import nearest_codes, strip
from tests.conftest import make_blobs_images, tiny_run
from tests.conftest import one_error_line as _err_line


@pytest.fixture(scope="module")
def conv_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny trained conv run (latent 4) on 4-class blob images, plus unlabelled data."""
    root = tmp_path_factory.mktemp("probe")
    run = tiny_run(root, "--model", "conv", "--epochs", "2", "--batch-size", "16",
                   "--latent-dim", "4", "--no-eval", n_train=96, n_test=40)
    np.save(root / "nolabels.npy", make_blobs_images(96, seed=1)[0])
    return run


def test_probe_features_separates_learnable_from_random_labels() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    z = rng.normal(size=(300, 5)) + 4.0 * np.eye(5)[y]  # class shifts the mean
    good = probe_features(z[:200], y[:200], z[200:], y[200:], k=3)
    assert good["linear"] > 0.9 and good["knn"] > 0.9 and good["dim"] == 5
    shuffled = rng.permutation(y)
    bad = probe_features(z[:200], shuffled[:200], z[200:], shuffled[200:], k=3)
    assert bad["linear"] < 0.6  # chance is 1/3: the probe does not invent structure


def test_probe_cli_reports_codes_pca_and_pixels(conv_run: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["probe", str(conv_run), "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert set(res["probes"]) == {"codes", "pca", "pixels"}
    assert res["code_size"] == 4 and res["probes"]["pca"]["components"] == 4
    assert res["probes"]["pixels"]["dim"] == 64 and res["n_test"] == 40
    for r in res["probes"].values():
        assert 0.0 <= r["linear"] <= 1.0 and 0.0 <= r["knn"] <= 1.0
    assert res["probes"]["pixels"]["linear"] > 0.9  # blobs are linearly separable in pixels
    assert json.loads((conv_run / "probe.json").read_text()) == res


def test_probe_without_labels_is_one_line(conv_run: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    data = f"npy:{conv_run.parent / 'nolabels.npy'}"
    assert main(["probe", str(conv_run), "--data", data]) == 2
    assert "has no labels" in _err_line(capsys)


def test_nearest_codes_finds_exact_match_first() -> None:
    rng = np.random.default_rng(0)
    codes = rng.normal(size=(50, 3)).astype(np.float32)
    idx, dist = nearest_codes(codes[17], codes, 4)
    assert idx[0] == 17 and dist[0] == pytest.approx(0.0)
    brute = np.argsort(((codes - codes[17]) ** 2).sum(1))[:4]
    assert list(idx) == list(brute) and np.all(np.diff(dist) >= 0)


def test_strip_layout() -> None:
    imgs = np.zeros((3, 1, 4, 5), dtype=np.float32)
    row = strip(imgs, pad=2)
    assert row.shape == (1, 4, 5 + 6 + 5 + 2 + 5)  # wide gap after the query
    assert row[:, :, 5:11].min() == 1.0  # white gap


def test_similar_cli_writes_strip_and_lists_neighbours(
        conv_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    from aekit.data.images import write_image

    x_tr = np.load(conv_run.parent / "tiny.npz")["x_train"]
    write_image(tmp_path / "q.png", x_tr[5])
    out = tmp_path / "strip.png"
    assert main(["similar", str(conv_run), str(tmp_path / "q.png"), "-k", "3",
                 "--out", str(out)]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "training sample" in ln]
    assert len(lines) == 3 and "training sample 5 " in lines[0]  # itself, nearly distance 0
    w, h = Image.open(out).size
    assert h == 8 * 14 and w > 4 * 8 * 14  # 4 images of 8 px, scaled ×14 (≥ 112 px)
    assert main(["similar", str(conv_run), str(tmp_path / "q.png"), "-k", "0",
                 "--out", str(tmp_path / "x.png")]) == 2
    assert "-k must be ≥ 1" in _err_line(capsys)
