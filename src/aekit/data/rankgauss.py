"""RankGauss: map each column to a standard normal through its ranks.

The normalisation behind Michael Jahrer's first-place denoising autoencoder in the
Porto Seguro Safe Driver Prediction competition (Kaggle, 2017; his write-up "1st place
with representation learning"): "rank gauss" replaces every value by the normal
quantile of its rank, so a skewed or heavy-tailed column becomes bell-shaped and no
value is far out in the tails — linear layers and swap noise then behave well.

Definition used here (NumPy only, statistics from the *fitting* rows):

* the distinct values ``v_1 < … < v_m`` of a column get the mid-rank probability
  ``p_k = (rows below v_k + count(v_k) / 2) / n`` (ties share one value);
* ``g_k = Φ⁻¹(p_k)`` (``= √2·erfinv(2p − 1)``, Jahrer's erfinv form up to the factor √2,
  which makes the result a *standard* normal), then centred on the fitting rows;
* new values are interpolated linearly between the ``v_k`` and clamped at the ends,
  so a value beyond the training range maps to the most extreme training quantile.

A constant column maps to 0. Missing values (NaN) must be imputed before.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from aekit.errors import DataError


def _ndtri(p: np.ndarray) -> np.ndarray:
    from scipy.special import ndtri

    return ndtri(p)


@dataclass
class RankGauss:
    """Fitted per-column RankGauss maps (``values[j]`` → ``gauss[j]``)."""

    values: list[np.ndarray] = field(default_factory=list)
    gauss: list[np.ndarray] = field(default_factory=list)

    def fit(self, x: np.ndarray) -> RankGauss:
        """Learn the maps from ``x`` (n, d); returns ``self``."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] == 0:
            raise DataError(f"RankGauss needs a non-empty (n, d) table; got shape {x.shape}")
        if np.isnan(x).any():
            raise DataError("RankGauss got missing values (NaN); impute them first")
        n = x.shape[0]
        self.values, self.gauss = [], []
        for col in x.T:
            v, counts = np.unique(col, return_counts=True)
            below = np.concatenate([[0], np.cumsum(counts)[:-1]])
            p = (below + counts / 2.0) / n  # mid-rank, strictly inside (0, 1)
            g = _ndtri(p)
            g = g - float((g * counts).sum() / n)  # centred on the fitting rows
            self.values.append(v)
            self.gauss.append(g)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Map ``x`` (n, d) column by column; values outside the fitted range are clamped."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != len(self.values):
            raise DataError(f"RankGauss was fitted on {len(self.values)} columns; got shape "
                            f"{x.shape}")
        out = np.empty_like(x)
        for j, (v, g) in enumerate(zip(self.values, self.gauss, strict=True)):
            out[:, j] = np.interp(x[:, j], v, g) if len(v) > 1 else 0.0
        return out

    def inverse_transform(self, g: np.ndarray) -> np.ndarray:
        """Approximate inverse (interpolation back onto the fitted values)."""
        g = np.asarray(g, dtype=np.float64)
        out = np.empty_like(g)
        for j, (v, q) in enumerate(zip(self.values, self.gauss, strict=True)):
            out[:, j] = np.interp(g[:, j], q, v) if len(v) > 1 else v[0]
        return out
