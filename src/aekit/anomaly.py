"""Anomaly detection with autoencoders: per-sample scores, thresholds, a PyOD-style API.

**Scores.** A model that defines ``anomaly_score(x) -> (b,)`` is asked for it (a VAE
returns its negative ELBO there); every other model is scored by its per-sample
reconstruction error under its own loss (mean over elements of the squared error for
``mse``, absolute error for ``l1``, binary cross-entropy for ``bce``). Higher means more
anomalous. Inputs are scored clean, whatever task the model was trained on.

**Thresholds.** Either from a *contamination* rate c ∈ (0, 0.5] — the (1 − c) quantile of
the scores of the data being fitted/scored, PyOD's convention — or from a *validation
quantile* q ∈ (0, 1) of the scores of held-out normal data (for a run: its own
validation split, which the model never trained on).

**API** (:class:`AutoencoderDetector`), scikit-learn / PyOD style: ``fit(X)`` returns
self and sets ``decision_scores_``, ``threshold_`` and ``labels_``;
``decision_function(X)`` gives anomaly scores (higher = more abnormal, PyOD);
``score_samples(X)`` gives their negation (higher = more normal, scikit-learn's
``IsolationForest`` / ``OneClassSVM`` convention); ``predict(X)`` gives 1 for outliers
and 0 for inliers (PyOD). It runs scikit-learn's estimator checks
(``tests/test_detector_checks.py``); the two that test scikit-learn's own outlier labels
(−1 / +1) and signs, ``check_outliers_train`` and ``check_outliers_fit_predict``, are
expected failures there, and pass on a test-only subclass that translates to those
conventions.

The one-class protocol that ``benchmarks/one_class.py`` runs (train on one class, score
the whole test split, AUROC per class) is that of Ruff et al. 2018, "Deep One-Class
Classification" (Deep SVDD), also used by Golan & El-Yaniv 2018 (GEOM).
"""

from __future__ import annotations

import copy
import dataclasses
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

try:  # scikit-learn ≥ 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _validate_data(est: Any, X: Any, **kw: Any) -> Any:
        return est._validate_data(X, **kw)

from aekit.capabilities import Capability
from aekit.config import ModelConfig, TaskConfig, TrainConfig, preset_config
from aekit.errors import ConfigError, DataError
from aekit.log import Progress

Tensor = torch.Tensor


def check_contamination(c: float) -> float:
    """Return ``c`` if it is in (0, 0.5], else a one-line ConfigError."""
    if not (isinstance(c, int | float) and 0.0 < float(c) <= 0.5):
        raise ConfigError(f"contamination must be in (0, 0.5] (the expected fraction of "
                          f"anomalies, e.g. 0.05); got {c}")
    return float(c)


def check_quantile(q: float) -> float:
    """Return ``q`` if it is in (0, 1), else a one-line ConfigError."""
    if not (isinstance(q, int | float) and 0.0 < float(q) < 1.0):
        raise ConfigError(f"the validation quantile must be in (0, 1), e.g. 0.99; got {q}")
    return float(q)


def per_sample_error(x_hat: Tensor, x: Tensor, kind: str = "mse") -> Tensor:
    """Reconstruction error of each sample, averaged over its elements: (b, …) → (b,)."""
    x_hat, x = x_hat.float().flatten(1), x.float().flatten(1)
    if kind == "l1":
        return (x_hat - x).abs().mean(1)
    if kind == "bce":
        return torch.nn.functional.binary_cross_entropy(
            x_hat.clamp(1e-7, 1 - 1e-7), x.clamp(0, 1), reduction="none").mean(1)
    return (x_hat - x).pow(2).mean(1)


@torch.no_grad()
def anomaly_scores(model: torch.nn.Module, x: np.ndarray, batch_size: int = 512,
                   bar: Progress | None = None, dtype: torch.dtype = torch.float32
                   ) -> np.ndarray:
    """Scores (n,) of ``x`` (n, …): ``model.anomaly_score`` if defined, else recon error
    (``bar`` counts the samples scored). ``dtype``: the model's floating type, in which
    ``x`` is fed and the scores are returned (float32 or float64)."""
    model.eval()
    p = next(model.parameters(), None)
    dev = p.device if p is not None else torch.device("cpu")
    custom = getattr(model, "anomaly_score", None)
    if not callable(custom) and Capability.CONDITION in getattr(model, "capabilities", ()):
        raise ConfigError("this model reconstructs from class labels, which unseen samples do "
                          "not have; score with an unconditional model")
    kind = getattr(getattr(model, "cfg", None), "loss", "mse")
    out = []
    for lo in range(0, x.shape[0], batch_size):
        xb = torch.from_numpy(np.ascontiguousarray(x[lo:lo + batch_size])
                              ).to(dev, dtype)  # (b, …)
        s = custom(xb) if callable(custom) else per_sample_error(model(xb)["x_hat"], xb, kind)
        out.append(s.to(dtype).reshape(-1).cpu().numpy())
        if bar is not None:
            bar.update(xb.shape[0])
    empty = np.zeros(0, dtype=np.float64 if dtype == torch.float64 else np.float32)
    scores = np.concatenate(out) if out else empty
    if scores.shape[0] != x.shape[0]:
        raise RuntimeError(f"anomaly_score returned {scores.shape[0]} scores for "
                           f"{x.shape[0]} samples")  # a model bug, not the user's
    return scores


def contamination_threshold(scores: np.ndarray, contamination: float) -> float:
    """The (1 − c) quantile of ``scores``: about a fraction c of them lies above it."""
    return float(np.quantile(scores, 1.0 - check_contamination(contamination)))


def quantile_threshold(val_scores: np.ndarray, q: float) -> float:
    """The q quantile of the scores of held-out *normal* data."""
    if len(val_scores) == 0:
        raise DataError("no validation samples to take a quantile of; use a contamination "
                        "rate instead or train with data.val_fraction > 0")
    return float(np.quantile(val_scores, check_quantile(q)))


def auroc(scores: np.ndarray, is_anomaly: np.ndarray) -> float:
    """Area under the ROC curve of ``scores`` for the positives ``is_anomaly``."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(np.asarray(is_anomaly, dtype=bool), scores))


class DetectorInputError(DataError, ValueError):
    """Input the detector cannot take (shape, NaN/inf, features unlike ``fit``'s, …).

    An aekit :class:`~aekit.errors.DataError` (one line) and, as scikit-learn expects of
    an estimator, a ``ValueError``.
    """


class DetectorNotFittedError(ConfigError, NotFittedError):
    """The detector was used before ``fit``: an aekit ConfigError and scikit-learn's
    ``NotFittedError`` (itself a ``ValueError`` and an ``AttributeError``)."""


class AutoencoderDetector(OutlierMixin, BaseEstimator):
    """Outlier detector around an autoencoder, in the scikit-learn / PyOD style.

    ``model``: ``None`` (an autoencoder is built from ``model_config`` and trained on
    the ``X`` given to :meth:`fit` with the aekit engine), a run directory (its trained
    model is loaded; ``fit`` only calibrates the threshold) or a trained ``nn.Module``.
    The threshold comes from ``contamination`` (on the fitted ``X``), or — when
    ``quantile`` is set — from that quantile of the scores of ``X_val`` passed to
    :meth:`fit` (held-out normal data).

    It is a scikit-learn estimator: ``__init__`` only stores its parameters (checked in
    ``fit``), so ``sklearn.base.clone``, ``get_params`` / ``set_params``, ``Pipeline`` and
    ``GridSearchCV`` work (a given ``nn.Module`` is deep-copied by ``clone``, as any
    parameter). PyOD's :meth:`predict_proba` and :meth:`predict_confidence` are offered
    with PyOD's definitions.

    Labels and signs follow PyOD, not scikit-learn's outlier detectors: ``predict``
    gives 1 = outlier, 0 = inlier (scikit-learn: −1 / +1) and ``decision_function`` is
    higher for more abnormal samples (scikit-learn: positive for inliers);
    ``score_samples`` is scikit-learn's orientation (higher = more normal).

    Input is validated as scikit-learn does (:func:`~sklearn.utils.validation.check_array`
    with n-d arrays allowed, e.g. images ``(n, c, h, w)``): lists and DataFrames are
    taken, sparse matrices, NaN/inf, complex numbers, 1-D arrays and empty data are
    refused in one line (:class:`DetectorInputError`, a ValueError), and so are later
    samples of another shape than ``fit``'s. Using the detector before ``fit`` raises
    :class:`DetectorNotFittedError` (scikit-learn's ``NotFittedError``). With
    ``model=None`` the model's initial weights are seeded by ``train_config.seed``, so
    fitting twice gives the same detector; the global random states of PyTorch (CPU),
    NumPy and ``random`` are left as they were.

    Fitted attributes: ``model_``, ``decision_scores_`` (n,), ``threshold_``,
    ``labels_`` (n,), ``input_shape_`` (the shape of one sample), ``n_features_in_``
    (``X.shape[1]``, as scikit-learn counts it: the channels of an image) and, for a
    DataFrame with string column names, ``feature_names_in_``.

    Example::

        det = AutoencoderDetector(contamination=0.05).fit(x_train)
        flags = det.predict(x_new)            # 1 = outlier
        scores = det.decision_function(x_new)  # higher = more abnormal
        p = det.predict_proba(x_new)[:, 1]     # outlier probability in [0, 1]
    """

    def __init__(self, model: torch.nn.Module | str | Path | None = None, *,
                 contamination: float = 0.1, quantile: float | None = None,
                 model_config: ModelConfig | None = None,
                 train_config: TrainConfig | None = None,
                 task_config: TaskConfig | None = None, batch_size: int = 512) -> None:
        self.model = model
        self.contamination = contamination  # checked in fit (scikit-learn: store as given)
        self.quantile = quantile
        self.model_config = model_config
        self.train_config = train_config
        self.task_config = task_config
        self.batch_size = batch_size

    # -- fitting --------------------------------------------------------------------
    def _model_for(self, X: np.ndarray) -> torch.nn.Module:
        if isinstance(self.model, torch.nn.Module):
            return self.model
        if isinstance(self.model, str | Path):
            from aekit.io import load_run

            loaded = load_run(self.model)
            if tuple(X.shape[1:]) != loaded.input_shape:
                raise DetectorInputError(f"X has samples of shape {tuple(X.shape[1:])}; the "
                                         f"model in {loaded.path} takes {loaded.input_shape}")
            return loaded.model
        from aekit.engine.inmemory import fit_arrays
        from aekit.models import build_model

        cfg = self.model_config or preset_config("conv" if X.ndim == 4 else "dense")
        train_cfg = dataclasses.replace(self.train_config or TrainConfig())
        with _global_rng_kept():
            torch.manual_seed(train_cfg.seed)  # the initial weights: fit is reproducible
            model = build_model(dataclasses.replace(cfg), tuple(X.shape[1:]))
            return fit_arrays(model, X, train_cfg, task_cfg=self.task_config)

    def fit(self, X: np.ndarray, y: Any = None, *, X_val: np.ndarray | None = None
            ) -> AutoencoderDetector:
        """Train (or load) the model, score ``X`` and set the threshold; returns self."""
        check_contamination(self.contamination)
        if self.quantile is not None:
            check_quantile(self.quantile)
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ConfigError(f"batch_size must be a whole number ≥ 1; got {self.batch_size}")
        if self.quantile is not None and X_val is None:
            raise ConfigError("quantile thresholds need held-out normal data: "
                              "fit(X, X_val=...)")
        X = self._validate(X, reset=True)
        val_x = self._validate(X_val, reset=False, name="X_val") if X_val is not None else None
        self.model_ = self._model_for(X)
        self.decision_scores_ = self._scores(X)
        if val_x is not None and self.quantile is not None:
            val = self._scores(val_x)
            self.threshold_ = quantile_threshold(val, self.quantile)
        else:
            self.threshold_ = contamination_threshold(self.decision_scores_,
                                                      self.contamination)
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(np.int64)
        return self

    def fit_predict(self, X: np.ndarray, y: Any = None, **kwargs: Any) -> np.ndarray:
        """``fit(X, y, **kwargs)``, then the labels of ``X``: 1 = outlier, 0 = inlier (PyOD)."""
        return self.fit(X, y, **kwargs).labels_

    def _validate(self, X: Any, *, reset: bool, name: str = "X") -> np.ndarray:
        """``X`` as float32 samples (n, …), checked as scikit-learn does, or a
        :class:`DetectorInputError`. ``reset``: learn the input's shape (``fit``) rather
        than compare with it."""
        try:
            a = _validate_data(self, X, reset=reset, dtype=np.float32,
                               allow_nd=True, accept_sparse=False)
        except ValueError as exc:
            raise DetectorInputError(_one_line(str(exc)).replace("Input X", f"Input {name}")
                                     ) from None
        shape = tuple(int(d) for d in a.shape[1:])
        if reset:
            self.input_shape_ = shape
        elif shape != self.input_shape_:
            raise DetectorInputError(f"{name} has samples of shape {shape}, but this "
                                     f"{type(self).__name__} was fitted on samples of shape "
                                     f"{self.input_shape_}")
        return a

    # -- inference --------------------------------------------------------------------
    def _check_fitted(self) -> None:
        try:
            check_is_fitted(self, "threshold_")
        except NotFittedError:
            raise DetectorNotFittedError(f"this {type(self).__name__} is not fitted yet; call "
                                         f"fit(X) first") from None

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Anomaly score of each sample (n,) float64: higher = more abnormal (PyOD)."""
        self._check_fitted()
        return self._scores(self._validate(X, reset=False))

    def _scores(self, x: np.ndarray) -> np.ndarray:
        """Scores (n,) float64 of validated ``x``, computed by a float64 copy of the model
        on the CPU: in float32 a sample's score changes with the batch it is scored in
        (BLAS sums in another order, ~1e-7 relative), and scikit-learn requires the
        scores of a subset to equal the subset of the scores."""
        scorer = copy.deepcopy(self.model_).to("cpu", torch.float64)
        return anomaly_scores(scorer, x, self.batch_size, dtype=torch.float64)

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        """Negated anomaly score (n,): higher = more normal (scikit-learn convention)."""
        return -self.decision_function(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """1 for outliers (score above ``threshold_``), 0 for inliers (PyOD convention)."""
        return (self.decision_function(X) > self.threshold_).astype(np.int64)

    def predict_proba(self, X: np.ndarray, method: str = "linear") -> np.ndarray:
        """(n, 2): [P(inlier), P(outlier)] per sample, PyOD's two conversions of scores.

        ``linear``: the score min–max scaled by the *training* scores
        (``decision_scores_``), clipped to [0, 1]. ``unify``: Kriegel et al. 2011,
        "Interpreting and Unifying Outlier Scores" — the Gaussian CDF of the score
        standardised by the training scores' mean and standard deviation, ``erf(z/√2)``
        clipped to [0, 1].
        """
        from scipy.special import erf

        s = self.decision_function(X)
        train = self.decision_scores_
        if method == "linear":
            span = float(train.max() - train.min()) or 1.0
            p = np.clip((s - train.min()) / span, 0.0, 1.0)
        elif method == "unify":
            std = float(train.std()) or 1.0
            p = np.clip(erf((s - train.mean()) / (std * np.sqrt(2.0))), 0.0, 1.0)
        else:
            raise ConfigError(f"method must be linear or unify; got {method!r}")
        return np.column_stack([1.0 - p, p])

    def predict_confidence(self, X: np.ndarray) -> np.ndarray:
        """Confidence in each :meth:`predict` label, in [0, 1] (PyOD's ExCeeD; Perini,
        Vercruyssen & Davis 2020, "Quantifying the Confidence of Anomaly Detectors in
        Their Example-Wise Predictions").

        With n training scores and ``k`` of them ≤ the sample's score, the outlier
        probability is (1 + k) / (2 + n); the confidence of an *outlier* label is the
        probability that more than n − ⌊n·contamination⌋ of n such draws fall below,
        ``1 − BinomCDF(n − ⌊n·c⌋; n, p)``, and 1 minus that for an inlier label.
        """
        from scipy.stats import binom

        s = self.decision_function(X)
        train = np.sort(self.decision_scores_)
        n = len(train)
        k = np.searchsorted(train, s, side="right")  # training scores ≤ each score
        p = (1.0 + k) / (2.0 + n)
        conf = 1.0 - binom.cdf(n - int(n * self.contamination), n, p)
        return np.where(s > self.threshold_, conf, 1.0 - conf)


def _one_line(message: str) -> str:
    """scikit-learn's validation messages can span lines; aekit's errors are one line."""
    return " ".join(message.split())


@contextmanager
def _global_rng_kept() -> Iterator[None]:
    """Run a block that seeds the global RNGs (Lightning's ``seed_everything``) and put
    PyTorch's CPU, NumPy's and ``random``'s states back afterwards."""
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        with torch.random.fork_rng(devices=[]):
            yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


# --------------------------------------------------------------------------- the verb
def score_run(run: str | Path, *, out: str | Path, data: str | None = None,
              split: str = "test", limit: int | None = None,
              contamination: float | None = None, quantile: float | None = None,
              progress: bool = True) -> dict[str, Any]:
    """``aekit score``: per-sample scores of a split, a threshold, written to ``out``
    (``progress``: lines with an ETA while a large split is scored).

    ``out`` ends in ``.csv`` (``index,label,score,outlier``) or ``.npy`` (scores (n,)).
    The threshold comes from ``contamination`` (default 0.1) on the scored samples, or
    from the ``quantile`` of the scores of the run's own validation split. When the run
    was trained on some classes only (``data.train_classes``) and the scored data has
    labels, the AUROC of "label not in train_classes" is reported too.
    """
    from aekit.data.splits import make_splits
    from aekit.io import atomic_write_text, load_run
    from aekit.rundata import check_data_trusted, dataset_for_run, require_codes

    if contamination is not None and quantile is not None:
        raise ConfigError("give either --contamination or --quantile, not both")
    if quantile is not None:
        check_quantile(quantile)
    else:
        contamination = check_contamination(0.1 if contamination is None else contamination)
    out_path = Path(out)
    if out_path.suffix not in (".csv", ".npy"):
        raise ConfigError(f"--out {out_path}: use a .csv or .npy file name")
    if split not in ("train", "test"):
        raise ConfigError(f"split must be train or test; got {split!r}")
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit must be ≥ 1; got {limit}")
    loaded = load_run(run)
    require_codes(loaded, "score")
    cfg = loaded.config
    data_cfg, ds = dataset_for_run(loaded, data, verb="score")
    x = np.asarray(ds.x_test if split == "test" else ds.x_train, dtype=np.float32)
    y = ds.y_test if split == "test" else ds.y_train
    if limit is not None:
        x, y = x[:limit], (y[:limit] if y is not None else None)
    with Progress("score", "scoring", int(x.shape[0]), "samples", enabled=progress) as bar:
        scores = anomaly_scores(loaded.model, x, bar=bar)
    summary: dict[str, Any] = {"run": str(loaded.path), "data": data_cfg.source,
                               "split": split, "n": int(x.shape[0])}
    if quantile is not None:
        check_data_trusted(cfg.data, loaded.path)
        val = make_splits(cfg.data, cfg.train.seed).x_val  # normal data the model never saw
        thr = quantile_threshold(anomaly_scores(loaded.model, val), quantile)
        summary["threshold_from"] = f"quantile {quantile:g} of {len(val)} validation scores"
    else:
        assert contamination is not None
        thr = contamination_threshold(scores, contamination)
        summary["threshold_from"] = f"contamination {contamination:g}"
    flags = scores > thr
    summary.update({"threshold": thr, "outliers": int(flags.sum()),
                    "outlier_fraction": float(flags.mean())})
    normal = cfg.data.train_classes
    if normal is not None and y is not None:
        is_anom = ~np.isin(y, normal)
        if 0 < is_anom.sum() < len(y):
            summary["auroc"] = auroc(scores, is_anom)
            summary["normal_classes"] = list(normal)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if out_path.suffix == ".npy":
        tmp = out_path.with_name(f".{out_path.name}.tmp.npy")
        np.save(tmp, scores.astype(np.float32))
        tmp.replace(out_path)
    else:
        lines = ["index,label,score,outlier"]
        lines += [f"{i},{'' if y is None else int(y[i])},{s:.6g},{int(f)}"
                  for i, (s, f) in enumerate(zip(scores, flags, strict=True))]
        atomic_write_text(out_path, "\n".join(lines) + "\n")
    summary["out"] = str(out_path)
    return summary
