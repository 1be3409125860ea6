"""``AutoencoderTransformer``: aekit's tabular denoising autoencoder as a scikit-learn estimator.

The Porto Seguro recipe of Michael Jahrer (1st place, Kaggle 2017, "representation
learning" write-up) inside a ``Pipeline``: numeric columns imputed (median) and
RankGauss-normalised, categorical columns one-hot encoded, a fully connected ReLU
autoencoder (:class:`aekit.models.tabular.TabularDAE`) trained to undo swap noise, and
``transform`` returning the activations of every hidden layer (``features="deep-stack"``)
or of the bottleneck — features for a downstream model::

    from sklearn.pipeline import make_pipeline
    from sklearn.linear_model import LogisticRegression
    from aekit.sklearn import AutoencoderTransformer

    clf = make_pipeline(AutoencoderTransformer(hidden=(128, 128, 128), epochs=30),
                        LogisticRegression(max_iter=1000)).fit(X, y)

It follows scikit-learn's conventions (``fit`` returns ``self``, learned attributes end
in ``_``, parameters are only stored by ``__init__`` and checked in ``fit``) and passes
``sklearn.utils.estimator_checks`` (``tests/test_sklearn.py``). Methods:
``fit``, ``transform``, ``fit_transform``, ``inverse_transform`` (codes → data, through
the decoder), ``score_samples`` (minus the mean squared reconstruction error of a row
in the normalised space; higher = more typical, as for scikit-learn's outlier
detectors), ``get_feature_names_out``, ``get_params`` / ``set_params``.

Input policies (each violation is a ``ValueError`` with one line):

* NaN in a numeric column is imputed with the column's median from ``fit``; a column
  that is **entirely NaN** in ``fit`` is refused (there is nothing to learn or impute);
  ±inf is refused.
* ``categorical_features`` (column indices, or names for a DataFrame) are one-hot
  encoded over the categories seen in ``fit`` (missing → all zeros). A category **not
  seen during fit** raises with ``handle_unknown="error"`` (default) and encodes as all
  zeros with ``handle_unknown="ignore"``.
* A numeric column holding **text** (e.g. a CSV column that turns into text halfway) is
  refused, naming the column and the first offending row.

Computation is float64 on the CPU, so that ``transform`` of a subset equals the subset
of ``transform`` to scikit-learn's tolerance (float32 matrix products differ with the
batch size). Training is a plain seeded PyTorch loop (mini-batches, Adam) — estimators
are fitted many times in cross-validation, where a Lightning trainer's start-up would
dominate; for large data train with ``aekit train`` instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

try:  # scikit-learn ≥ 1.6
    from sklearn.utils.validation import validate_data as _validate_data
except ImportError:  # pragma: no cover - older scikit-learn
    def _validate_data(est: Any, X: Any, **kw: Any) -> Any:
        return est._validate_data(X, **kw)

FEATURES = ("deep-stack", "bottleneck")
SCALES = ("rankgauss", "standard", "none")


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    try:
        return bool(np.isnan(v))
    except TypeError:
        return isinstance(v, str) and v.strip().lower() in {"", "nan", "na", "n/a", "null"}


class AutoencoderTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Tabular denoising autoencoder features (Jahrer's Porto Seguro recipe).

    Parameters
    ----------
    hidden : tuple of int
        Hidden layer widths (e.g. Jahrer's ``(1500, 1500, 1500)``).
    latent_dim : int or None
        Adds a bottleneck of this width in the middle (widths mirrored after it).
    features : {"deep-stack", "bottleneck"}
        ``transform`` returns all hidden activations concatenated, or the bottleneck's.
    noise : str or None
        Corruption during training (:mod:`aekit.data.corruptions`), e.g. ``"swap:0.15"``;
        ``None`` trains a plain autoencoder.
    scale : {"rankgauss", "standard", "none"}
        Normalisation of numeric columns (fitted in ``fit``).
    categorical_features : sequence of int or str, or None
        Columns to one-hot encode (indices, or names for DataFrames).
    handle_unknown : {"error", "ignore"}
        What a category not seen during ``fit`` does in later calls.
    epochs, batch_size, lr, weight_decay : training (Adam, mean squared error).
    random_state : int, RandomState or None
        Seeds weights, batch order and noise; an int makes ``fit`` reproducible.
    verbose : bool
        Print the loss after every epoch.
    """

    def __init__(self, hidden: tuple[int, ...] = (256, 256, 256), latent_dim: int | None = None,
                 features: str = "deep-stack", noise: str | None = "swap:0.15",
                 scale: str = "rankgauss", categorical_features: Any = None,
                 handle_unknown: str = "error", epochs: int = 30, batch_size: int = 128,
                 lr: float = 1e-3, weight_decay: float = 0.0, random_state: Any = None,
                 verbose: bool = False) -> None:
        self.hidden = hidden
        self.latent_dim = latent_dim
        self.features = features
        self.noise = noise
        self.scale = scale
        self.categorical_features = categorical_features
        self.handle_unknown = handle_unknown
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.verbose = verbose

    # -- scikit-learn API ---------------------------------------------------------
    def fit(self, X: Any, y: Any = None) -> AutoencoderTransformer:
        """Learn the preprocessing and train the autoencoder on ``X``; returns ``self``."""
        import torch

        from aekit.data.corruptions import parse_corruption
        from aekit.errors import AekitError
        from aekit.models import build_model
        from aekit.models.tabular import TabularConfig

        self._check_params()
        num, cat = self._split(X, reset=True)
        self._fit_preprocessing(num, cat)
        data = torch.from_numpy(self._prepare(num, cat))  # (n, d) float64
        n, d = data.shape
        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        gen = torch.Generator().manual_seed(seed)
        try:
            corruption = parse_corruption(self.noise) if self.noise else None
            cfg = TabularConfig(preset="tabular", hidden=[int(h) for h in self.hidden],
                                latent_dim=self.latent_dim, features=self.features,
                                batch_norm=False, output_activation="linear", loss="mse")
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                model = build_model(cfg, (d,)).double()
        except AekitError as exc:
            raise ValueError(str(exc)) from None
        opt = torch.optim.Adam(model.parameters(), lr=self.lr, weight_decay=self.weight_decay)
        bs = max(1, min(int(self.batch_size), n))
        self.loss_curve_: list[float] = []
        model.train()
        for epoch in range(int(self.epochs)):
            order = torch.randperm(n, generator=gen)
            total = 0.0
            for lo in range(0, n, bs):
                xb = data[order[lo:lo + bs]]  # (b, d)
                inp = corruption(xb, gen) if corruption is not None else xb
                loss = model.loss(model(inp), xb)["loss"]
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += float(loss.detach()) * xb.shape[0]
            self.loss_curve_.append(total / n)
            if not np.isfinite(self.loss_curve_[-1]):
                raise ValueError(f"training diverged (loss {self.loss_curve_[-1]}) at epoch "
                                 f"{epoch + 1}; lower lr (now {self.lr:g})")
            if self.verbose:
                print(f"epoch {epoch + 1}/{self.epochs}: loss {self.loss_curve_[-1]:.5g}")
        self.model_ = model.eval()
        with torch.no_grad():
            self._n_features_out = int(model.encode(data[:1]).shape[1])
        self.n_features_prepared_ = d
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Codes of ``X``: (n, n_features_out) float64."""
        import torch

        check_is_fitted(self, "model_")
        num, cat = self._split(X, reset=False)
        with torch.no_grad():
            return self.model_.encode(torch.from_numpy(self._prepare(num, cat))).numpy()

    def score_samples(self, X: Any) -> np.ndarray:
        """Minus each row's mean squared reconstruction error (higher = more typical)."""
        import torch

        check_is_fitted(self, "model_")
        num, cat = self._split(X, reset=False)
        x = torch.from_numpy(self._prepare(num, cat))
        with torch.no_grad():
            err = (self.model_(x)["x_hat"] - x).pow(2).mean(1)
        return -err.numpy()

    def inverse_transform(self, X: Any) -> np.ndarray:
        """Codes → rows in the original space (decoder, then undo the preprocessing).

        Numeric columns are un-normalised; a categorical column takes its most likely
        category. Returns float64, or an object array when there are categorical columns.
        """
        import torch

        check_is_fitted(self, "model_")
        z = check_array(X, dtype=np.float64)
        if z.shape[1] != self._n_features_out:
            raise ValueError(f"X has {z.shape[1]} features, but {type(self).__name__} codes "
                             f"have {self._n_features_out}")
        with torch.no_grad():
            p = self.model_.decode(torch.from_numpy(z)).numpy()  # (n, d) prepared space
        n_num = len(self.num_idx_)
        num = p[:, :n_num]
        if self.scale == "rankgauss" and n_num:
            num = self.rankgauss_.inverse_transform(num)
        elif self.scale == "standard":
            num = num * self.scale_ + self.mean_
        if not self.cat_idx_:
            return num
        out = np.empty((p.shape[0], self.n_features_in_), dtype=object)
        out[:, self.num_idx_] = num
        lo = n_num
        for j, cats in zip(self.cat_idx_, self.categories_, strict=True):
            out[:, j] = cats[np.argmax(p[:, lo:lo + len(cats)], axis=1)]
            lo += len(cats)
        return out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        if self.categorical_features is not None:
            tags.input_tags.string = True
            tags.input_tags.categorical = True
        return tags

    def _more_tags(self) -> dict[str, Any]:  # scikit-learn < 1.6
        return {"allow_nan": True}

    # -- preprocessing ------------------------------------------------------------
    def _check_params(self) -> None:
        if self.features not in FEATURES:
            raise ValueError(f"features={self.features!r}; use one of {FEATURES}")
        if self.scale not in SCALES:
            raise ValueError(f"scale={self.scale!r}; use one of {SCALES}")
        if self.handle_unknown not in ("error", "ignore"):
            raise ValueError(f"handle_unknown={self.handle_unknown!r}; use 'error' or 'ignore'")
        if int(self.epochs) < 1 or int(self.batch_size) < 1 or not self.lr > 0:
            raise ValueError("epochs and batch_size must be ≥ 1 and lr > 0")
        if not self.hidden or any(int(h) < 1 for h in self.hidden):
            raise ValueError(f"hidden={self.hidden!r}; give positive layer widths")

    def _name(self, j: int) -> str:
        names = getattr(self, "feature_names_in_", None)
        return repr(str(names[j])) if names is not None else str(j)

    def _split(self, X: Any, *, reset: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """Validate ``X`` → (numeric (n, n_num) float64 with NaN, categorical object or None)."""
        if self.categorical_features is None:
            arr = _validate_data(self, X, reset=reset, dtype=[np.float64, np.float32],
                                 ensure_all_finite="allow-nan")
            if reset:
                self.num_idx_, self.cat_idx_ = list(range(arr.shape[1])), []
            return np.asarray(arr, dtype=np.float64), None
        arr = _validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False)
        arr = np.asarray(arr, dtype=object) if arr.dtype.kind not in "fiub" else arr
        if reset:
            self.cat_idx_ = self._categorical_indices(arr.shape[1])
            self.num_idx_ = [j for j in range(arr.shape[1]) if j not in self.cat_idx_]
        num = np.empty((arr.shape[0], len(self.num_idx_)), dtype=np.float64)
        for k, j in enumerate(self.num_idx_):
            col = arr[:, j]
            for i, v in enumerate(col):
                if _is_missing(v):
                    num[i, k] = np.nan
                    continue
                try:
                    num[i, k] = float(v)
                except (TypeError, ValueError):
                    raise ValueError(f"column {self._name(j)} holds text ({v!r} in row {i}) but "
                                     f"is not in categorical_features; list it there or clean "
                                     f"the column") from None
        if np.isinf(num).any():
            raise ValueError("Input X contains infinity; replace it with a finite number or NaN")
        return num, arr[:, self.cat_idx_]

    def _categorical_indices(self, n_cols: int) -> list[int]:
        names = getattr(self, "feature_names_in_", None)
        out = []
        for c in self.categorical_features:
            if isinstance(c, str):
                if names is None or c not in list(names):
                    raise ValueError(f"categorical_features names column {c!r}, which X does "
                                     f"not have")
                out.append(int(list(names).index(c)))
            elif isinstance(c, int | np.integer) and -n_cols <= int(c) < n_cols:
                out.append(int(c) % n_cols)
            else:
                raise ValueError(f"categorical_features entry {c!r} is not a column of X "
                                 f"({n_cols} columns)")
        return sorted(set(out))

    def _fit_preprocessing(self, num: np.ndarray, cat: np.ndarray | None) -> None:
        empty = [j for k, j in enumerate(self.num_idx_) if np.isnan(num[:, k]).all()]
        if empty:
            raise ValueError(f"column {self._name(empty[0])} is entirely NaN in the data passed "
                             f"to fit; there is nothing to learn or impute — drop it")
        self.medians_ = np.nanmedian(num, axis=0) if num.shape[1] else np.zeros(0)
        filled = np.where(np.isnan(num), self.medians_, num)
        if self.scale == "rankgauss" and num.shape[1]:
            from aekit.data.rankgauss import RankGauss

            self.rankgauss_ = RankGauss().fit(filled)
        self.mean_ = filled.mean(0) if num.shape[0] else np.zeros(num.shape[1])
        std = filled.std(0)
        self.scale_ = np.where(std > 0, std, 1.0)
        self.categories_ = []
        if cat is not None:
            for k in range(cat.shape[1]):
                seen = {str(v) for v in cat[:, k] if not _is_missing(v)}
                self.categories_.append(np.array(sorted(seen), dtype=object))

    def _prepare(self, num: np.ndarray, cat: np.ndarray | None) -> np.ndarray:
        """Impute, normalise and one-hot encode → (n, d) float64."""
        filled = np.where(np.isnan(num), self.medians_, num)
        if self.scale == "rankgauss" and num.shape[1]:
            filled = self.rankgauss_.transform(filled)
        elif self.scale == "standard":
            filled = (filled - self.mean_) / self.scale_
        blocks = [filled]
        if cat is not None:
            for k, (j, cats) in enumerate(zip(self.cat_idx_, self.categories_, strict=True)):
                index = {c: i for i, c in enumerate(cats)}
                block = np.zeros((cat.shape[0], len(cats)))
                for i, v in enumerate(cat[:, k]):
                    if _is_missing(v):
                        continue
                    pos = index.get(str(v))
                    if pos is None:
                        if self.handle_unknown == "error":
                            raise ValueError(f"column {self._name(j)} has category {v!r} (row "
                                             f"{i}) not seen during fit; refit with it, or pass "
                                             f"handle_unknown='ignore' to encode it as all zeros")
                        continue
                    block[i, pos] = 1.0
                blocks.append(block)
        return np.ascontiguousarray(np.hstack(blocks), dtype=np.float64)
