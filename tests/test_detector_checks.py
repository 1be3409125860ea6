"""``aekit.anomaly.AutoencoderDetector`` against scikit-learn's own estimator checks.

Every check ``parametrize_with_checks`` yields for an outlier detector is run (the
detector is one: ``OutlierMixin``, so the outlier checks are among them). It keeps
PyOD's conventions — ``predict``: 1 = outlier, 0 = inlier; ``decision_function``: higher =
more abnormal — where scikit-learn's outlier detectors give −1 / +1 and a decision
function that is positive for inliers. The checks that assert those conventions are
the expected failures in :data:`SIGN_CONVENTION_CHECKS`, each with its reason; every
other check must pass. So that the expected failures hide nothing else, the same two
checks also run on :class:`SklearnSigns`, a test-only subclass that only translates the
labels and signs, and must pass there.

Checks skipped by scikit-learn itself: the DataFrame half of
``check_classifier_data_not_an_array`` and ``check_dataframe_column_names_consistency``
when pandas is not installed, and ``check_array_api_input`` unless ``SCIPY_ARRAY_API=1``
(the detector computes with PyTorch on NumPy arrays; it does not take array-API inputs).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import (
    check_outliers_fit_predict,
    check_outliers_train,
    parametrize_with_checks,
)

from aekit.anomaly import AutoencoderDetector, DetectorInputError, DetectorNotFittedError
from aekit.config import TrainConfig
from aekit.errors import ConfigError, DataError
from aekit.models.dense import DenseConfig

# Only these checks fail, and only for the sign convention (PyOD's, kept on purpose).
SIGN_CONVENTION_CHECKS: dict[str, str] = {
    "check_outliers_train": (
        "asserts scikit-learn's outlier labels (predict in {-1, +1}), decision_function >= 0 "
        "for inliers and decision_function == score_samples - offset_; the detector keeps "
        "PyOD's 0/1 labels and higher-is-more-abnormal scores (run with the signs "
        "translated in test_outlier_checks_pass_with_sklearn_signs)"),
    "check_outliers_fit_predict": (
        "asserts fit_predict returns {-1, +1}; the detector returns PyOD's 0/1 labels "
        "(run with the signs translated in test_outlier_checks_pass_with_sklearn_signs)"),
}


def _small(cls: type[AutoencoderDetector] = AutoencoderDetector, **kw: object
           ) -> AutoencoderDetector:
    """A detector that trains a tiny dense autoencoder for one epoch on the CPU."""
    params: dict[str, object] = {
        "model_config": DenseConfig(preset="dense", hidden=[4], latent_dim=2,
                                    batch_norm=False, output_activation="linear"),
        "train_config": TrainConfig(epochs=1, batch_size=16, accelerator="cpu")}
    params.update(kw)
    return cls(**params)  # type: ignore[arg-type]


def _expected_failures(estimator: AutoencoderDetector) -> dict[str, str]:
    return dict(SIGN_CONVENTION_CHECKS)


class SklearnSigns(AutoencoderDetector):
    """Test-only: the detector with scikit-learn's outlier conventions, nothing else.

    ``predict``: +1 inlier, −1 outlier; ``decision_function``: ``threshold_ − score``
    (≥ 0 for inliers); ``offset_ = −threshold_``, so ``decision_function ==
    score_samples − offset_`` as scikit-learn's outlier detectors define it.
    """

    @property
    def offset_(self) -> float:
        """scikit-learn's offset: decision_function = score_samples − offset_."""
        self._check_fitted()
        return -self.threshold_

    def _pyod_scores(self, X: np.ndarray) -> np.ndarray:
        return AutoencoderDetector.decision_function(self, X)

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Positive for inliers, negative for outliers (scikit-learn)."""
        return self.threshold_ - self._pyod_scores(X)

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        """Higher = more normal (unchanged: already scikit-learn's orientation)."""
        return -self._pyod_scores(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """+1 inlier, −1 outlier."""
        return np.where(self._pyod_scores(X) > self.threshold_, -1, 1)

    def fit_predict(self, X: np.ndarray, y: object = None, **kwargs: object) -> np.ndarray:
        """+1 inlier, −1 outlier, for the fitted ``X``."""
        return 1 - 2 * super().fit_predict(X, y, **kwargs)


@pytest.fixture(scope="module", autouse=True)
def _report_version_and_time() -> Iterator[None]:
    start = time.perf_counter()
    print(f"\nscikit-learn {sklearn.__version__}")
    yield
    print(f"\ndetector checks: {time.perf_counter() - start:.1f} s")


@parametrize_with_checks([_small()], expected_failed_checks=_expected_failures)
def test_sklearn_estimator_checks(estimator: AutoencoderDetector,
                                  check: Callable[[AutoencoderDetector], None]) -> None:
    check(estimator)


@pytest.mark.parametrize("check", [check_outliers_train, check_outliers_fit_predict],
                         ids=["check_outliers_train", "check_outliers_fit_predict"])
def test_outlier_checks_pass_with_sklearn_signs(
        check: Callable[[str, AutoencoderDetector], None]) -> None:
    """The expected failures are the signs alone: translated, the same checks pass
    (shape and dtype of every output, lists as input, malformed input refused, the
    fraction of outliers equal to ``contamination``, fit_predict == fit + predict)."""
    check("SklearnSigns", _small(SklearnSigns))


def test_pyod_labels_and_signs_are_what_the_expected_failures_say() -> None:
    """The conventions the expected failures are about, asserted positively."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3))
    det = _small(contamination=0.1).fit(x)
    pred = det.predict(x)
    assert pred.dtype.kind == "i" and set(np.unique(pred)) == {0, 1}
    assert pred.sum() == 10 and np.array_equal(det.fit_predict(x), pred)
    s = det.decision_function(x)
    assert s.dtype == np.float64 and np.array_equal(pred, (s > det.threshold_).astype(int))
    assert np.array_equal(det.score_samples(x), -s)
    far = det.decision_function(np.vstack([x[:5], x[:5] * 100.0]))
    assert far[5:].min() > far[:5].max()  # higher = more abnormal


def test_input_errors_are_one_line_value_errors_and_aekit_errors() -> None:
    x = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    with pytest.raises(NotFittedError) as info:
        _small().predict(x)
    assert isinstance(info.value, DetectorNotFittedError | ConfigError)
    det = _small().fit(x)
    assert det.n_features_in_ == 3 and det.input_shape_ == (3,)
    cases: list[tuple[object, str]] = [
        (x[:, :2], r"^X has 2 features, but AutoencoderDetector is expecting 3 features"),
        (x[0], r"^Expected a 2-dimensional container but got <class 'numpy.ndarray'> "
               r"instead|^Expected 2D array, got 1D array"),
        (np.where(np.eye(40, 3) > 0, np.nan, x), r"^Input X contains NaN"),
        (np.where(np.eye(40, 3) > 0, np.inf, x), r"^Input X contains infinity"),
        (x[:0], r"0 sample\(s\)"),
    ]
    for bad, message in cases:
        with pytest.raises(DetectorInputError, match=message) as info:
            det.decision_function(bad)
        assert isinstance(info.value, ValueError) and isinstance(info.value, DataError)
        assert "\n" not in str(info.value)
    with pytest.raises(DetectorInputError, match=r"^Input X_val contains NaN"):
        _small(quantile=0.9).fit(x, X_val=np.full((4, 3), np.nan))


def test_image_samples_keep_their_shape_and_inputs_are_not_changed() -> None:
    from tests.conftest import make_blobs_images

    x, _ = make_blobs_images(48, seed=3)  # (48, 1, 8, 8)
    before = x.copy()
    det = _small(model_config=None).fit(x)  # the default conv autoencoder for images
    assert det.input_shape_ == (1, 8, 8) and np.array_equal(x, before)
    with pytest.raises(DetectorInputError, match=r"samples of shape \(1, 8, 9\), but this "
                                                  r"AutoencoderDetector was fitted on samples "
                                                  r"of shape \(1, 8, 8\)"):
        det.predict(np.zeros((2, 1, 8, 9), dtype=np.float32))
    assert det.predict(x.tolist()).shape == (48,)  # nested lists as well as arrays


def test_fit_is_seeded_and_leaves_global_random_state_alone() -> None:
    import random

    import torch

    x = np.random.default_rng(1).normal(size=(64, 4))
    state = (torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate())
    a = _small().fit(x).decision_function(x)
    b = clone(_small()).fit(x).decision_function(x)
    assert np.array_equal(a, b)
    assert torch.equal(torch.get_rng_state(), state[0])
    assert np.array_equal(np.random.get_state()[1], state[1])
    assert random.getstate() == state[2]
