"""Anomaly scores, thresholds, the PyOD-style detector, `aekit score`, one-class splits."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch

from aekit.anomaly import (
    AutoencoderDetector,
    anomaly_scores,
    auroc,
    check_contamination,
    contamination_threshold,
    per_sample_error,
)
from aekit.cli import main
from aekit.config import DataConfig, TrainConfig, preset_config
from aekit.data.splits import make_splits
from aekit.errors import ConfigError, DataError
from tests.conftest import make_blobs_images, tiny_run
from tests.conftest import one_error_line as _err_line


class _Identity(torch.nn.Module):
    """Reconstructs x + 0.1 exactly; used to check the reconstruction-error path."""

    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"x_hat": x + 0.1, "z": x.flatten(1)}


class _WithScore(_Identity):
    """A model with its own anomaly_score (as a VAE's negative ELBO): it must be used."""

    def anomaly_score(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1).sum(1) * 100.0


def test_scores_use_model_capability_else_reconstruction_error() -> None:
    x = np.random.default_rng(0).random((7, 1, 4, 4)).astype(np.float32)
    assert np.allclose(anomaly_scores(_Identity(), x, batch_size=3), 0.01, atol=1e-6)
    own = anomaly_scores(_WithScore(), x, batch_size=3)
    assert np.allclose(own, x.reshape(7, -1).sum(1) * 100.0, rtol=1e-5)
    a, b = torch.zeros(2, 3), torch.tensor([[0.0, 0.0, 0.3], [0.5, 0.5, 0.5]])
    assert torch.allclose(per_sample_error(b, a), torch.tensor([0.03, 0.25]))
    assert torch.allclose(per_sample_error(b, a, "l1"), torch.tensor([0.1, 0.5]))


def test_contamination_threshold_and_range() -> None:
    s = np.arange(1000, dtype=np.float64)
    thr = contamination_threshold(s, 0.05)
    assert (s > thr).mean() == pytest.approx(0.05, abs=0.002)
    for bad in (0.0, -0.1, 0.51, 1.0):
        with pytest.raises(ConfigError, match=r"contamination must be in \(0, 0.5\]"):
            check_contamination(bad)
    assert auroc(np.array([0.1, 0.2, 0.9, 0.8]), np.array([0, 0, 1, 1])) == 1.0


def test_detector_fit_flags_unlike_samples() -> None:
    x, _ = make_blobs_images(128, seed=3)
    det = AutoencoderDetector(
        contamination=0.1,
        model_config=preset_config("conv", latent_dim=4),
        train_config=TrainConfig(epochs=3, batch_size=16, lr=3e-3)).fit(x)
    assert det.labels_.mean() == pytest.approx(0.1, abs=0.02)
    assert det.decision_scores_.shape == (128,)
    normal, _ = make_blobs_images(32, seed=4)
    odd = np.random.default_rng(5).random((32, 1, 8, 8)).astype(np.float32)  # pure noise
    both = np.concatenate([normal, odd])
    s = det.decision_function(both)
    assert np.array_equal(det.score_samples(both), -s)  # scikit-learn orientation
    assert auroc(s, np.r_[np.zeros(32), np.ones(32)]) > 0.9
    pred = det.predict(both)
    assert set(np.unique(pred)) <= {0, 1} and pred[32:].mean() > pred[:32].mean()
    # quantile threshold from held-out normal data
    det_q = AutoencoderDetector(det.model_, quantile=0.9).fit(x, X_val=normal)
    assert det_q.threshold_ == pytest.approx(np.quantile(det.decision_function(normal), 0.9))
    with pytest.raises(ConfigError, match="X_val"):
        AutoencoderDetector(det.model_, quantile=0.9).fit(x)
    with pytest.raises(ConfigError, match="not fitted"):
        AutoencoderDetector().predict(x)


def test_train_classes_filter_train_and_val_never_test(tiny_npz: str) -> None:
    s = make_splits(DataConfig(source=tiny_npz, train_classes=[1, 2], val_fraction=0.25), 0)
    assert set(np.unique(s.y_train)) <= {1, 2} and set(np.unique(s.y_val)) <= {1, 2}
    assert set(np.unique(s.y_test)) == {0, 1, 2, 3}  # the test split keeps every class
    with pytest.raises(DataError, match="no training samples with labels"):
        make_splits(DataConfig(source=tiny_npz, train_classes=[9]), 0)


@pytest.fixture(scope="module")
def one_class_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_run(tmp_path_factory.mktemp("score"), "--model", "conv", "--epochs", "3",
                    "--batch-size", "8", "--latent-dim", "4", "--lr", "0.003", "--no-eval",
                    "--set", "data.train_classes=[0]", n_train=160, n_test=40)


def test_score_cli_writes_csv_with_threshold_and_auroc(
        one_class_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scores.csv"
    assert main(["score", str(one_class_run), "--contamination", "0.25", "--out",
                 str(out)]) == 0
    printed = capsys.readouterr().out
    assert "40 scores" in printed and "contamination 0.25" in printed and "AUROC" in printed
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 40 and set(rows[0]) == {"index", "label", "score", "outlier"}
    assert sum(int(r["outlier"]) for r in rows) == 10
    npy = tmp_path / "scores.npy"
    assert main(["score", str(one_class_run), "--quantile", "0.95", "--out", str(npy)]) == 0
    assert "validation scores" in capsys.readouterr().out
    assert np.load(npy).shape == (40,)


@pytest.mark.parametrize("argv, message", [
    (["--contamination", "0.7"], "contamination must be in (0, 0.5]"),
    (["--contamination", "0"], "contamination must be in (0, 0.5]"),
    (["--quantile", "1.5"], "quantile must be in (0, 1)"),
    (["--quantile", "0.9", "--contamination", "0.1"], "not both"),
])
def test_score_bad_input_is_one_line_and_writes_nothing(
        argv: list[str], message: str, one_class_run: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "s.csv"
    assert main(["score", str(one_class_run), "--out", str(out), *argv]) == 2
    assert message in _err_line(capsys)
    assert not out.exists()


def _untrained_conv() -> torch.nn.Module:
    from aekit.models import build_model

    torch.manual_seed(0)
    return build_model(preset_config("conv", latent_dim=4), (1, 8, 8)).eval()


def test_detector_is_a_scikit_learn_estimator() -> None:
    from sklearn.base import clone
    from sklearn.metrics import f1_score, make_scorer
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    det = AutoencoderDetector(_untrained_conv(), contamination=0.2, batch_size=64)
    params = det.get_params()
    assert params["contamination"] == 0.2 and params["batch_size"] == 64
    twin = clone(det)
    assert twin.get_params()["contamination"] == 0.2 and not hasattr(twin, "threshold_")
    assert twin.model is not det.model  # a parameter, deep-copied like any other
    twin.set_params(contamination=0.3)
    x, _ = make_blobs_images(64, seed=3)
    assert twin.fit(x).labels_.mean() == pytest.approx(0.3, abs=0.03)
    # invalid values are stored as given and refused by fit, in one line
    with pytest.raises(ConfigError, match="contamination"):
        AutoencoderDetector(_untrained_conv(), contamination=0.9).fit(x)
    # in a Pipeline (a preprocessing step before it) and in GridSearchCV
    pipe = make_pipeline(FunctionTransformer(lambda a: np.clip(a, 0, 1)), det).fit(x)
    assert pipe.predict(x).shape == (64,)
    odd = np.random.default_rng(5).random((16, 1, 8, 8)).astype(np.float32)
    xs = np.concatenate([x, odd])
    ys = np.r_[np.zeros(64), np.ones(16)].astype(int)
    folds = StratifiedKFold(2, shuffle=True, random_state=0)  # outliers in every fold
    grid = GridSearchCV(det, {"contamination": [0.05, 0.2, 0.4]}, cv=folds,
                        scoring=make_scorer(f1_score)).fit(xs, ys)
    assert grid.best_params_["contamination"] in (0.05, 0.2, 0.4)
    assert hasattr(grid.best_estimator_, "threshold_")


def test_predict_proba_and_confidence_follow_pyod() -> None:
    from scipy.stats import binom

    x, _ = make_blobs_images(100, seed=3)
    det = AutoencoderDetector(_untrained_conv(), contamination=0.1).fit(x)
    train = det.decision_scores_
    p = det.predict_proba(x)
    assert p.shape == (100, 2) and np.allclose(p.sum(1), 1.0)
    assert p[np.argmax(train), 1] == pytest.approx(1.0) and p[np.argmin(train), 1] == 0.0
    order = np.argsort(train)
    assert np.all(np.diff(p[order, 1]) >= -1e-12)  # monotone in the score
    u = det.predict_proba(x, method="unify")[:, 1]
    assert 0.0 <= u.min() and u.max() <= 1.0
    with pytest.raises(ConfigError, match="linear or unify"):
        det.predict_proba(x, method="softmax")
    conf = det.predict_confidence(x)
    assert conf.shape == (100,) and 0.0 <= conf.min() and conf.max() <= 1.0
    i = int(np.argmax(train))  # the top score: k = n training scores at or below it
    want = 1.0 - binom.cdf(100 - 10, 100, (1 + 100) / (2 + 100))
    assert det.predict(x)[i] == 1 and conf[i] == pytest.approx(want)
    j = int(np.argmin(train))  # an inlier: confidence of the inlier label
    want_j = binom.cdf(100 - 10, 100, (1 + 1) / (2 + 100))
    assert det.predict(x)[j] == 0 and conf[j] == pytest.approx(want_j)
