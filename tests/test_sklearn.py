"""``aekit.sklearn.AutoencoderTransformer`` against scikit-learn's own estimator checks.

Every check ``parametrize_with_checks`` yields is run. The only one that does not pass
is skipped *by scikit-learn itself*: ``check_array_api_input`` runs only when the
environment variable ``SCIPY_ARRAY_API=1`` is set (and the transformer computes with
PyTorch on NumPy arrays; it does not take array-API inputs such as torch tensors or
CuPy arrays, so that check would not apply anyway).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from aekit.sklearn import AutoencoderTransformer


def _small(**kw: object) -> AutoencoderTransformer:
    params = {"hidden": (8, 4, 8), "epochs": 2, "batch_size": 16, "random_state": 0}
    params.update(kw)
    return AutoencoderTransformer(**params)


@parametrize_with_checks([_small()])
def test_sklearn_estimator_checks(estimator: AutoencoderTransformer, check) -> None:  # noqa: ANN001
    check(estimator)


def test_pipeline_clone_params_and_methods() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5))
    y = (x[:, 0] + x[:, 1] ** 2 > 1).astype(int)
    est = _small(hidden=(16, 8, 16), epochs=5)
    pipe = make_pipeline(est, LogisticRegression()).fit(x, y)
    assert pipe.predict(x).shape == (120,)
    twin = clone(est)
    assert twin.get_params() == est.get_params() and not hasattr(twin, "model_")
    twin.set_params(features="bottleneck", latent_dim=2)
    z = twin.fit_transform(x)
    assert z.shape == (120, 2)
    assert list(twin.get_feature_names_out()) == ["autoencodertransformer0",
                                                   "autoencodertransformer1"]
    back = twin.inverse_transform(z)
    assert back.shape == x.shape and np.isfinite(back).all()
    assert np.allclose(_small().fit(x).transform(x), _small().fit(x).transform(x))  # seeded
    scores = est.score_samples(np.vstack([x[:5], x[:5] * 50]))
    assert scores[5:].max() < scores[:5].min()  # far-away rows are less typical


def test_bad_inputs_are_one_clear_line() -> None:
    x = np.random.default_rng(0).normal(size=(30, 3))
    x[::4, 1] = np.nan
    est = _small().fit(x)  # missing values are imputed with the median
    assert np.isfinite(est.transform(x)).all()
    x_nan = x.copy()
    x_nan[:, 2] = np.nan
    with pytest.raises(ValueError, match=r"^column 2 is entirely NaN in the data passed to fit"):
        _small().fit(x_nan)
    x_inf = x.copy()
    x_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        est.transform(x_inf)


def test_categories_and_text_columns() -> None:
    n = 40
    x = np.empty((n, 3), dtype=object)  # size, colour, weight
    x[:, 0] = np.arange(n, dtype=float)
    x[:, 1] = ["red", "blue"] * (n // 2)
    x[:, 2] = np.linspace(0, 1, n)
    est = _small(categorical_features=[1]).fit(x)
    assert est.n_features_prepared_ == 4 and est.transform(x).shape == (n, 20)
    back = est.inverse_transform(est.transform(x))
    assert back.shape == (n, 3) and set(back[:, 1]) <= {"red", "blue"}
    new = x[:3].copy()
    new[1, 1] = "purple"
    with pytest.raises(ValueError, match="^column 1 has category 'purple' \\(row 1\\) not seen "
                                         "during fit"):
        est.transform(new)
    ignore = clone(est).set_params(handle_unknown="ignore").fit(x)
    assert np.isfinite(ignore.transform(new)).all()
    text = x.copy()
    text[25:, 2] = "n/a yet"  # a numeric column that turns into text halfway
    with pytest.raises(ValueError, match=r"^column 2 holds text \('n/a yet' in row 25\)"):
        _small(categorical_features=[1]).fit(text)
