"""One loaded run as a service: its operations, the functions behind them, the page's data.

Operations follow the run's *declared* capabilities (and its task), never its model
name:

========== ==========================================================================
encode     ``embed``: image(s) → code(s)
decode     ``embed`` or ``generate``: code(s) → image(s) (a conditioned model also
           takes a class label per code)
reconstruct ``embed``: image(s) → the model's reconstruction
denoise    a run trained with a corrupting task (``task.corrupts``): noisy → clean; a
           fully convolutional (``any_size``) model takes whole photos
upscale    ``upscale``: a photo → a ``scale``× larger one
score      ``embed`` and not label-conditioned: anomaly score, the run's threshold
           and the verdict
generate   ``generate``: samples from the prior
interpolate ``embed``: decode the straight line between two codes
traverse   ``embed`` or ``generate``: vary one code dimension at a time
style      ``condition``: one image's code decoded with every class label
========== ==========================================================================

Every compute function takes and returns numpy arrays with a leading batch axis, so
:class:`~aekit.serve.batching.Batcher` can concatenate concurrent requests. The page's
data (codes of the test split, its 2-D map, the anomaly list, the threshold) is made on
first use and kept; a run whose data cannot be loaded still serves every operation and
says why its map is missing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from aekit.capabilities import Capability
from aekit.errors import AekitError, ConfigError, DataError

if TYPE_CHECKING:
    from aekit.io import LoadedRun

OPERATIONS = ("encode", "decode", "reconstruct", "denoise", "upscale", "score", "generate",
              "interpolate", "traverse", "style")
MAP_SAMPLES = 2000  # test samples on the latent map (t-SNE on 2 cores: a few seconds)
DEFAULT_QUANTILE = 0.99  # the run's anomaly threshold: this quantile of validation scores


def operations_of(loaded: LoadedRun) -> list[str]:
    """The operations a run offers, from its model's capabilities and its task."""
    caps = loaded.model.capabilities
    embed, gen = Capability.EMBED in caps, Capability.GENERATE in caps
    fixed_image = len(loaded.input_shape) == 3 and Capability.ANY_SIZE not in caps
    ops = []
    if embed:
        ops += ["encode"]
    if embed or gen:
        ops += ["decode"]
    if embed:
        ops += ["reconstruct"]
    if loaded.config.task.name == "denoise":
        ops += ["denoise"]
    if Capability.UPSCALE in caps:
        ops += ["upscale"]
    if embed and Capability.CONDITION not in caps:
        ops += ["score"]
    # a discrete code (codebook indices, ``code_bits`` set) has no straight lines to walk
    continuous = getattr(loaded.model, "code_bits", None) is None
    if gen and fixed_image:
        ops += ["generate"]
    if embed and fixed_image and continuous:
        ops += ["interpolate"]
    if (embed or gen) and fixed_image and continuous:
        ops += ["traverse"]
    if Capability.CONDITION in caps and fixed_image:
        ops += ["style"]
    return ops


@dataclass
class PageData:
    """The test split as the page shows it: samples, labels, codes, class names."""

    x: np.ndarray  # (n, *input_shape) float32
    y: np.ndarray | None  # (n,) int64
    codes: np.ndarray | None  # (n, d), None for a model without codes
    classes: list[str] | None


class RunService:
    """A loaded run with the numpy functions the endpoints call.

    The compute functions are plain (blocking) calls; the app runs them on its single
    model thread, so a model is never entered by two threads at once.
    """

    def __init__(self, loaded: LoadedRun, name: str, *, quantile: float = DEFAULT_QUANTILE
                 ) -> None:
        from aekit.tasks.pairs import build_task

        self.loaded = loaded
        self.name = name
        self.model = loaded.model.eval()
        self.task = build_task(loaded.config.task)
        self.operations = operations_of(loaded)
        self.quantile = quantile
        self._lock = threading.Lock()
        self._page: PageData | None = None
        self._page_error: str | None = None
        self._threshold: float | None = None
        self._test_scores: np.ndarray | None = None
        self._maps: dict[str, np.ndarray] = {}

    # -- description ------------------------------------------------------------------
    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.loaded.input_shape

    @property
    def is_image(self) -> bool:
        return len(self.input_shape) == 3

    @property
    def any_size(self) -> bool:
        return Capability.ANY_SIZE in self.model.capabilities

    @property
    def conditioned(self) -> bool:
        return Capability.CONDITION in self.model.capabilities

    @property
    def code_size(self) -> int | None:
        caps = self.model.capabilities
        if Capability.EMBED in caps:
            return int(self.model.code_size)
        if Capability.GENERATE in caps:  # a generator's noise vector
            return int(getattr(self.model, "latent", None) or self.model.cfg.latent_dim)
        return None

    @property
    def n_classes(self) -> int:
        return int(getattr(self.model, "n_classes", 0) or 0)

    def info(self) -> dict[str, Any]:
        """What ``GET /runs`` says about this run."""
        cfg = self.loaded.config
        return {
            "name": self.name,
            "path": str(self.loaded.path),
            "model": cfg.model.preset or cfg.model.name,
            "family": self.model.family,
            "task": cfg.task.name,
            "capabilities": sorted(str(c) for c in self.model.capabilities),
            "operations": self.operations,
            "input_shape": list(self.input_shape),
            "any_size": self.any_size,
            "scale": int(self.model.scale),
            "min_side": self.min_side,
            "code_size": self.code_size,
            "discrete_code": getattr(self.model, "code_bits", None) is not None,
            "n_classes": self.n_classes,
            "data": cfg.data.source,
        }

    @property
    def min_side(self) -> int:
        from aekit.tasks.restore import min_side

        return min_side(self.model) if self.any_size else 0

    # -- compute (numpy in, numpy out; leading batch axis) ------------------------------
    @torch.no_grad()
    def encode(self, x: np.ndarray) -> np.ndarray:
        """(n, *input_shape) → codes (n, d)."""
        from aekit.tasks.infer import encode

        return encode(self.model, x)

    @torch.no_grad()
    def decode(self, z: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        """Codes (n, d) (+ labels (n,) for a conditioned model) → (n, *input_shape)."""
        zt = torch.from_numpy(np.ascontiguousarray(z, dtype=np.float32))
        if self.conditioned:
            if y is None:
                raise ConfigError("this model decodes a code together with a class label; "
                                  "give one label per code")
            return self.model.decode(zt, torch.from_numpy(y.astype(np.int64))).float().numpy()
        if Capability.EMBED not in self.model.capabilities:  # a generator: z → image
            return self.model.decode(zt).float().numpy()
        from aekit.tasks.infer import decode

        return decode(self.model, z)

    @torch.no_grad()
    def reconstruct(self, x: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        """(n, *input_shape) → reconstructions, same shape."""
        from aekit.tasks.infer import predict

        return predict(self.model, x, y=y)[0]

    @torch.no_grad()
    def restore(self, x: np.ndarray) -> np.ndarray:
        """Denoise or upscale images (n, c, h, w) of one size → (n, c, h·s, w·s) in [0, 1].

        A fully convolutional model takes any size (tiled as ``aekit denoise``); a
        fixed-size denoiser takes its own input size.
        """
        from aekit.tasks.restore import restore, upscale_image

        if Capability.UPSCALE in self.model.capabilities:  # colour as `aekit upscale`
            return upscale_image(self.model, x)
        if self.any_size:  # as `aekit denoise`: the photo in the model's channels
            return np.clip(restore(self.model, x), 0.0, 1.0)
        return np.clip(self.reconstruct(x), 0.0, 1.0)

    @torch.no_grad()
    def score(self, x: np.ndarray) -> np.ndarray:
        """(n, *input_shape) → anomaly scores (n,) (a VAE's negative ELBO, else recon error)."""
        from aekit.anomaly import anomaly_scores

        return anomaly_scores(self.model, x)

    @torch.no_grad()
    def generate(self, n: int, seed: int) -> np.ndarray:
        """``n`` samples of the prior, reproducible for ``seed``: (n, c, h, w)."""
        from aekit.evaluate.fid import draw_samples

        return draw_samples(self.model, n, seed)

    def corrupt(self, x: np.ndarray, seed: int = 0) -> np.ndarray:
        """The run's own degradation of clean images (n, c, h, w): its training noise
        (denoise) or the bicubic ×s downscale (superres; sizes cropped to multiples)."""
        t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
        if self.task.corrupts or self.task.scale > 1:
            g = torch.Generator().manual_seed(seed)
            return self.task.pair(t, g)[0].clamp(0.0, 1.0).numpy()
        raise ConfigError(f"run {self.name} was not trained on degraded inputs; there is "
                          f"nothing to simulate")

    def baseline(self, x: np.ndarray) -> np.ndarray:
        """What restoration is compared with: bicubic ×s (upscale) or the input itself."""
        from aekit.data.corruptions import bicubic_up

        if self.task.scale > 1 or Capability.UPSCALE in self.model.capabilities:
            s = int(self.model.scale)
            return bicubic_up(torch.from_numpy(np.ascontiguousarray(x, np.float32)), s).numpy()
        return np.clip(x, 0.0, 1.0)

    # -- the page's data --------------------------------------------------------------
    def page_data(self) -> PageData:
        """The first :data:`MAP_SAMPLES` test samples with labels and codes (made once).

        Raises :class:`DataError` (one line) when the run's data cannot be loaded here.
        """
        with self._lock:
            if self._page is None and self._page_error is None:
                try:
                    self._page = self._load_page_data()
                except AekitError as exc:
                    self._page_error = str(exc)
            if self._page is None:
                raise DataError(f"run {self.name}: its test data cannot be shown "
                                f"({self._page_error})")
            return self._page

    def _load_page_data(self) -> PageData:
        from aekit.rundata import splits_for_run

        if not self.is_image or self.any_size:
            raise DataError("the page's map shows fixed-size image runs")
        _, splits = splits_for_run(self.loaded, verb="explore")
        x = np.asarray(splits.x_test[:MAP_SAMPLES], dtype=np.float32)
        y = None if splits.y_test is None else np.asarray(splits.y_test[:MAP_SAMPLES])
        codes = self.encode(x) if Capability.EMBED in self.model.capabilities else None
        return PageData(x=x, y=y, codes=codes, classes=splits.dataset.classes)

    def latent_map(self, method: str) -> np.ndarray:
        """2-D points (n, 2) of the test codes: the codes themselves (2-D codes), ``pca``
        or ``tsne`` (scikit-learn, seeded; made once per method)."""
        page = self.page_data()
        if page.codes is None:
            raise ConfigError(f"run {self.name} has no codes to map")
        d = page.codes.shape[1]
        if method == "auto":
            method = "codes" if d == 2 else "pca"
        if method == "codes" and d != 2:
            raise ConfigError(f"the codes of run {self.name} have {d} dimensions; map them "
                              f"with method=pca or method=tsne")
        if method not in ("codes", "pca", "tsne"):
            raise ConfigError(f"unknown map method {method!r}; use codes, pca or tsne")
        with self._lock:
            if method not in self._maps:
                self._maps[method] = _project(page.codes, method)
            return self._maps[method]

    def test_scores(self) -> np.ndarray:
        """Anomaly scores (n,) of the page's test samples, made once."""
        page = self.page_data()
        with self._lock:
            if self._test_scores is None:
                self._test_scores = self.score(page.x)
            return self._test_scores

    def threshold(self) -> float:
        """The run's anomaly threshold: the :attr:`quantile` of the scores of its own
        validation split (normal data the model never trained on), made once."""
        from aekit.data.splits import make_splits
        from aekit.rundata import check_data_trusted

        with self._lock:
            if self._threshold is None:
                cfg = self.loaded.config
                try:
                    check_data_trusted(cfg.data, self.loaded.path)
                    val = make_splits(cfg.data, cfg.train.seed).x_val
                except AekitError as exc:
                    raise DataError(f"run {self.name}: no threshold, its validation data "
                                    f"cannot be loaded ({exc})") from None
                if isinstance(val, list) or len(val) == 0:
                    raise DataError(f"run {self.name}: no threshold, it has no fixed-size "
                                    f"validation samples")
                scores = self.score(np.asarray(val, dtype=np.float32))
                self._threshold = float(np.quantile(scores, self.quantile))
            return self._threshold


def _project(codes: np.ndarray, method: str) -> np.ndarray:
    """(n, d) → (n, 2) float32: as is, PCA, or t-SNE (perplexity capped for small n)."""
    if method == "codes":
        return codes[:, :2].astype(np.float32)
    if codes.shape[0] < 3 or codes.shape[1] < 2:
        return np.pad(codes[:, :2], ((0, 0), (0, max(0, 2 - codes.shape[1])))).astype(
            np.float32)
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(2, random_state=0).fit_transform(codes).astype(np.float32)
    from sklearn.manifold import TSNE

    perplexity = float(min(30.0, max(2.0, (codes.shape[0] - 1) / 3)))
    return TSNE(2, perplexity=perplexity, init="pca", random_state=0).fit_transform(
        codes).astype(np.float32)


def service_names(paths: list[str]) -> list[str]:
    """URL names of runs (the directory names), made unique with ``-2``, ``-3``, …"""
    from pathlib import Path

    from aekit.io import safe_name

    names: list[str] = []
    for p in paths:
        base = safe_name(Path(p).resolve().name, "run")
        name, k = base, 2
        while name in names:
            name, k = f"{base}-{k}", k + 1
        names.append(name)
    return names
