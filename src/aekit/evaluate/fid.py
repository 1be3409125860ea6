"""Sample quality: a Fréchet distance in the features of a classifier aekit trains.

The usual FID (Heusel et al. 2017) embeds images with an ImageNet Inception-v3 network.
Those weights cannot be fetched on offline machines and fit MNIST-sized gray images
poorly anyway, so aekit defines the metric precisely on its own feature network:

* **Feature network** (:class:`FeatureNet`): conv(32, 3×3)–ReLU–maxpool →
  conv(64, 3×3)–ReLU–maxpool → adaptive average pool to 4×4 → Linear(1024→128)–ReLU
  (**the 128-d features**) → Linear(128→classes). Trained with Adam (lr 1e-3, batch 128,
  3 epochs, seed 0) on the dataset's training split; its test accuracy is reported next
  to every score so a reader can judge the feature space. Cached per dataset
  fingerprint in ``$AEKIT_DATA/classifiers/``.
* **Fréchet distance**: fit Gaussians (μ_r, Σ_r) to the features of the *test split*
  and (μ_g, Σ_g) to the features of the generated samples;
  FD = ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2 (Σ_r Σ_g)^{1/2}). Lower is better.
* **References beside every FD** (:func:`fd_references`), at the same number of images
  against the same test features: the *floor*, real training images vs the test split
  (what a perfect generator would score at this sample size: an FD estimated from
  finite samples is biased upwards), and, for a model that also encodes, *this model's
  decoder on draws from a full-covariance Gaussian fitted to its training codes* — the
  plain-autoencoder way to generate, which the model's own prior should beat.
* **Confidence**: the mean over samples of the classifier's largest softmax
  probability — recognisable samples score close to the classifier's own confidence on
  real test images (also reported).

**Why torchmetrics.** The FD is computed by ``torchmetrics.image.fid.
FrechetInceptionDistance`` with ``feature=`` :class:`FeatureExtractor` (a thin module
returning FeatureNet's 128-d features): a custom feature module needs neither
torch-fidelity nor the Inception download, the test split's feature statistics are
accumulated once and kept (``reset_real_features=False``) while the samples and both
references are scored against them, and Tr((Σ_r Σ_g)^{1/2}) comes from the eigenvalues
of Σ_r Σ_g in float64 torch — no scipy ``sqrtm``, which needed a regularised retry on
the near-singular covariances of ReLU features (dead units). Its numbers equal the
former scipy formula (tests: to 1e-3 relative; measured ~1e-13) and
:func:`frechet_distance` on ready-made feature arrays goes through the same metric, so
there is one formula.

Numbers are comparable only between runs using the same dataset (same fingerprint),
the same number of samples and this feature network.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from aekit.capabilities import Capability
from aekit.evaluate.registry import EvalContext, evaluator
from aekit.log import Bars, reporter
from aekit.log import bars as progress_bars

if TYPE_CHECKING:
    from torchmetrics.image.fid import FrechetInceptionDistance

    from aekit.data.dataset import Dataset

Tensor = torch.Tensor
FEATURES = 128
EPOCHS = 3


class FeatureNet(nn.Module):
    """Small CNN classifier whose penultimate layer gives the 128-d features."""

    def __init__(self, channels: int, n_classes: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4), nn.Flatten(),  # (b, 1024)
            nn.Linear(64 * 16, FEATURES), nn.ReLU(inplace=True))  # (b, 128)
        self.head = nn.Linear(FEATURES, n_classes)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(b, c, h, w) → (features (b, 128), logits (b, classes))."""
        f = self.body(x)
        return f, self.head(f)


@dataclass
class Classifier:
    """A trained feature network and what it scored on the real test split."""

    net: FeatureNet
    test_accuracy: float
    path: Path | None


def _train(x: np.ndarray, y: np.ndarray, n_classes: int, say: Callable[[str], None],
           bars: Bars | None = None) -> FeatureNet:
    """The seeded training of :class:`FeatureNet` (Adam 1e-3, batch 128, EPOCHS epochs).

    One :class:`~aekit.log.Progress` ("feature classifier", in batches) runs over all
    epochs' batches, so a long training (minutes on a CPU for 60,000 images) shows
    periodic lines with an ETA; ``say`` adds one line per epoch. ``bars`` is the
    caller's maker of progress bars (an evaluation's, quiet when it is); by default
    topic ``quality``.
    """
    bars = bars or progress_bars("quality")
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    net = FeatureNet(x.shape[1], n_classes)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt = torch.from_numpy(np.asarray(x, dtype=np.float32))  # (n, c, h, w) (U8Images: read)
    yt = torch.from_numpy(y).long()  # (n,)
    n = xt.shape[0]
    batches = -(-n // 128)  # per epoch
    with bars("feature classifier", EPOCHS * batches, "batches") as bar:
        for epoch in range(EPOCHS):
            perm = torch.randperm(n, generator=gen)
            net.train()
            for lo in range(0, n, 128):
                idx = perm[lo:lo + 128]
                loss = nn.functional.cross_entropy(net(xt[idx])[1], yt[idx])  # logits → CE
                opt.zero_grad()
                loss.backward()
                opt.step()
                bar.update(1)
            say(f"feature classifier: epoch {epoch + 1}/{EPOCHS} done")
    return net.eval()


@torch.no_grad()
def embed(net: FeatureNet, x: np.ndarray | Tensor, batch: int = 1000
          ) -> tuple[np.ndarray, np.ndarray]:
    """Features (n, 128) and softmax probabilities (n, classes) of images in [0, 1]."""
    net.eval()
    xt = x if isinstance(x, Tensor) else torch.from_numpy(np.asarray(x, dtype=np.float32))
    feats, probs = [], []
    for lo in range(0, xt.shape[0], batch):
        f, logits = net(xt[lo:lo + batch].clamp(0, 1))
        feats.append(f.double().numpy())
        probs.append(torch.softmax(logits.double(), 1).numpy())
    return np.concatenate(feats), np.concatenate(probs)


# a streamed training split (larger than RAM as float32) trains the feature classifier
# on this many samples, and fits the code Gaussian on this many
CLASSIFIER_MAX_STREAMED = 20_000
CODES_MAX_STREAMED = 10_000


def classifier_for(dataset: Dataset, *, cache: Path | None = None,
                   say: Callable[[str], None] | None = None,
                   bars: Bars | None = None) -> Classifier:
    """The feature classifier of ``dataset`` (trained once, cached by fingerprint);
    ``say``/``bars`` report the training (default: topic ``quality``)."""
    from safetensors.torch import load_file, save_file

    from aekit.data.fetch import cache_dir
    from aekit.errors import DataError

    say = say or reporter("quality")
    if dataset.y_train is None or dataset.y_test is None:
        raise DataError(f"{dataset.name} has no labels: the sample-quality metric needs a "
                        f"classifier trained on labelled data")
    from aekit.evaluate.baselines import streamed_pick

    # a streamed training split (larger than RAM as float32) trains it on a subset
    pick = streamed_pick(dataset.x_train, CLASSIFIER_MAX_STREAMED)
    x_tr = np.asarray(dataset.x_train if pick is None else dataset.x_train[pick],
                      dtype=np.float32)
    y_tr = dataset.y_train if pick is None else dataset.y_train[pick]
    n_classes = int(max(dataset.y_train.max(), dataset.y_test.max())) + 1
    folder = (cache or cache_dir()) / "classifiers"
    stem = f"{dataset.name.replace(':', '_').replace('/', '_')}-{dataset.fingerprint}"
    wpath, ipath = folder / f"{stem}.safetensors", folder / f"{stem}.json"
    net = FeatureNet(x_tr.shape[1], n_classes)
    if wpath.is_file() and ipath.is_file():
        net.load_state_dict(load_file(str(wpath)))
        info = json.loads(ipath.read_text())
        return Classifier(net.eval(), float(info["test_accuracy"]), wpath)
    say(f"training the feature classifier for {dataset.name} ({EPOCHS} epochs, once)")
    net = _train(x_tr, y_tr, n_classes, say, bars)
    _, probs = embed(net, np.asarray(dataset.x_test, dtype=np.float32))
    acc = float((probs.argmax(1) == dataset.y_test).mean())
    folder.mkdir(parents=True, exist_ok=True)
    tmp = wpath.with_name(f".{wpath.name}.tmp")
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(tmp))
    tmp.replace(wpath)
    ipath.write_text(json.dumps({"test_accuracy": acc, "epochs": EPOCHS}))
    say(f"feature classifier test accuracy {acc:.4f}")
    return Classifier(net, acc, wpath)


class FeatureExtractor(nn.Module):
    """FeatureNet's 128-d features in the form torchmetrics' FID takes as ``feature=``:
    (b, c, h, w) images in [0, 1] (clamped) → (b, 128) float64 features.

    float64 out, so the metric's result keeps float64 (it casts it to the features'
    dtype); ``num_features`` spares it a dummy forward pass to find the width; the
    wrapped network stays in eval mode whatever ``train()`` asks (it is a fixed ruler).
    """

    num_features = FEATURES

    def __init__(self, net: FeatureNet) -> None:
        super().__init__()
        self.net = net.eval()

    def train(self, mode: bool = True) -> FeatureExtractor:
        """Always eval mode: the feature network is never trained through the metric."""
        return super().train(False)

    @torch.no_grad()
    def forward(self, x: Tensor) -> Tensor:
        """(b, c, h, w) → (b, 128) float64."""
        return self.net(x.float().clamp(0, 1))[0].double()


class _GivenFeatures(nn.Module):
    """Identity "feature network" for features computed elsewhere: (b, d) → (b, d)."""

    def __init__(self, d: int) -> None:
        super().__init__()
        self.num_features = d

    def forward(self, f: Tensor) -> Tensor:
        return f.double()


def _fid_metric(feature: nn.Module) -> FrechetInceptionDistance:
    """torchmetrics' FID on ``feature``, keeping the real side's statistics across
    ``reset()``; never synchronised across processes (evaluation runs in one)."""
    from torchmetrics.image.fid import FrechetInceptionDistance

    return FrechetInceptionDistance(feature=feature, reset_real_features=False,
                                    sync_on_compute=False)


def frechet_distance(f1: np.ndarray, f2: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (n, d), (m, d)
    (unbiased covariances); NaN when either set has fewer than two rows."""
    if len(f1) < 2 or len(f2) < 2:
        return float("nan")
    metric = _fid_metric(_GivenFeatures(f1.shape[1]))
    with torch.no_grad():
        metric.update(torch.as_tensor(np.asarray(f1), dtype=torch.float64), real=True)
        metric.update(torch.as_tensor(np.asarray(f2), dtype=torch.float64), real=False)
        return float(metric.compute())


class FrechetScorer:
    """FDs of image sets against one reference set whose features are computed once.

    ``scorer(images)`` is the FD of ``images`` (n, c, h, w) against ``reference`` in the
    feature network's 128-d features, through torchmetrics' FID with
    :class:`FeatureExtractor`; the samples and each reference are scored against the
    same test-split statistics.
    """

    def __init__(self, net: FeatureNet, reference: np.ndarray, batch: int = 1000) -> None:
        self.batch = batch
        self.n_reference = len(reference)
        self.metric = _fid_metric(FeatureExtractor(net))
        self._feed(reference, real=True)

    def _feed(self, images: np.ndarray, real: bool) -> None:
        with torch.no_grad():
            for lo in range(0, len(images), self.batch):
                xb = np.asarray(images[lo:lo + self.batch], dtype=np.float32)  # (b, c, h, w)
                self.metric.update(torch.from_numpy(xb), real=real)

    def __call__(self, images: np.ndarray) -> float:
        """FD of ``images`` (n, c, h, w) in [0, 1] against the reference; NaN for n < 2."""
        if len(images) < 2 or self.n_reference < 2:
            return float("nan")
        self.metric.reset()  # the generated side only (reset_real_features=False)
        self._feed(images, real=False)
        return float(self.metric.compute())


@torch.no_grad()
def draw_samples(model: nn.Module, n: int, seed: int, batch: int = 500) -> np.ndarray:
    """n samples from a generative model's prior, reproducible for a seed: (n, c, h, w)."""
    model.eval()
    dev = next(model.parameters()).device
    g = torch.Generator(device=dev).manual_seed(seed)
    parts = []
    for lo in range(0, n, batch):
        k = min(batch, n - lo)
        parts.append(model.sample(k, generator=g).float().clamp(0, 1).cpu().numpy())
    return np.concatenate(parts)


def sample_quality(samples: np.ndarray, reference: np.ndarray, clf: Classifier, *,
                   scorer: FrechetScorer | None = None) -> dict[str, float]:
    """FD of ``samples`` against ``reference`` images, plus classifier confidence.

    ``scorer`` (a :class:`FrechetScorer` already holding ``reference``) saves computing
    the reference's features again when several sets are scored against it.
    """
    scorer = scorer or FrechetScorer(clf.net, reference)
    _, p_s = embed(clf.net, samples)  # (n, classes)
    _, p_r = embed(clf.net, reference)
    hist = np.bincount(p_s.argmax(1), minlength=p_s.shape[1]) / len(p_s)
    return {"frechet_distance": scorer(samples),
            "confidence": float(p_s.max(1).mean()),
            "reference_confidence": float(p_r.max(1).mean()),
            "class_coverage": float((hist > 0.01).mean()),  # share of classes generated
            "n_samples": int(len(samples)),
            "classifier_test_accuracy": clf.test_accuracy}


@torch.no_grad()
def gaussian_code_samples(model: nn.Module, x_train: np.ndarray, n: int, seed: int,
                          batch: int = 500) -> np.ndarray:
    """``model``'s decoder on n draws from N(mean, full covariance) fitted to its codes of
    ``x_train``: (n, c, h, w) in [0, 1], reproducible for a seed.

    How a plain autoencoder generates; a generative model's own prior should beat it. A
    model conditioned on labels decodes draw i with label i mod classes, as its
    ``sample`` labels prior draws.
    """
    from aekit.evaluate.baselines import streamed_subset
    from aekit.tasks.infer import decode, encode

    x_fit = streamed_subset(x_train, CODES_MAX_STREAMED, seed)  # streamed: a subset
    z = encode(model, np.asarray(x_fit, dtype=np.float32)).astype(np.float64)  # (N, d)
    cov = np.atleast_2d(np.cov(z, rowvar=False))  # (d, d)
    draws = np.random.default_rng(seed).multivariate_normal(z.mean(0), cov, size=n)
    draws = draws.astype(np.float32)  # (n, d)
    if Capability.CONDITION not in model.capabilities:
        return np.clip(decode(model, draws, batch), 0, 1)
    dev = next(model.parameters()).device
    y = torch.arange(n) % int(model.n_classes)  # (n,)
    parts = [model.decode(torch.from_numpy(draws[lo:lo + batch]).to(dev),
                          y[lo:lo + batch].to(dev)).float().clamp(0, 1).cpu().numpy()
             for lo in range(0, n, batch)]
    return np.concatenate(parts)


FLOOR_WHAT = ("real training images vs the test split: the floor, what a perfect "
              "generator would score with this many images")
CODES_WHAT = ("this model's decoder on draws from a full-covariance Gaussian fitted to "
              "its training codes (how a plain autoencoder generates)")


def fd_references(model: nn.Module, scorer: FrechetScorer, real_train: np.ndarray,
                  model_train: np.ndarray, n: int, seed: int,
                  say: Callable[[str], None] | None = None) -> dict[str, dict[str, Any]]:
    """The references every FD is read against, scored by ``scorer`` (the test split):

    * ``real_floor``: n real images drawn (seeded, without replacement) from
      ``real_train`` — the dataset's training split — vs the test split;
    * ``codes_gaussian`` (models with the ``embed`` capability): n images from
      :func:`gaussian_code_samples` on ``model_train``, the run's own training split.

    Each is ``{"frechet_distance", "n_samples", "what"}``; lower is better for all.
    """
    say = say or reporter("quality")
    rng = np.random.default_rng([seed, 1])  # its own stream: not the samples' draws
    k = min(n, len(real_train))
    rows = np.sort(rng.choice(len(real_train), size=k, replace=False))
    real = np.asarray(real_train[rows], dtype=np.float32)  # (k, c, h, w)
    out = {"real_floor": {"frechet_distance": scorer(real), "n_samples": k,
                          "what": FLOOR_WHAT}}
    if Capability.EMBED in model.capabilities:
        say(f"sample quality: references (the floor; decodes of a Gaussian fitted to "
            f"{len(model_train)} training codes)")
        x = gaussian_code_samples(model, model_train, n, seed)
        out["codes_gaussian"] = {"frechet_distance": scorer(x), "n_samples": int(len(x)),
                                 "what": CODES_WHAT}
    return out


@evaluator("sample-quality", order=100, exclusive=False, requires={Capability.GENERATE},
           when=lambda ctx: np.ndim(ctx.x_test) == 4)
def _sample_quality(ctx: EvalContext) -> dict[str, Any]:
    """Generative image models: Fréchet distance of samples in a trained classifier's
    features (needs labels to train it), with its references beside it."""
    dataset = ctx.splits.dataset
    if dataset.y_train is None:
        ctx.say("no labels: skipping the sample-quality metric (needs a feature classifier)")
        return {}
    clf = classifier_for(dataset, say=ctx.say, bars=ctx.bars)  # quiet when evaluation is
    n, seed = ctx.x_test.shape[0], ctx.cfg.task.eval_seed
    ctx.say(f"sample quality: {n} samples vs the test split")
    samples = draw_samples(ctx.model, n, seed=seed)
    scorer = FrechetScorer(clf.net, ctx.x_test)
    quality: dict[str, Any] = sample_quality(samples, ctx.x_test, clf, scorer=scorer)
    quality["references"] = fd_references(ctx.model, scorer, dataset.x_train,
                                          ctx.splits.x_train, n, seed, ctx.say)
    return {"generation": quality}
