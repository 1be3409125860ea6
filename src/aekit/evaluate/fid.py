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
  FD = ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2 (Σ_r Σ_g)^{1/2}). Lower is better; the test
  split against the training split gives the floor.
* **Confidence**: the mean over samples of the classifier's largest softmax
  probability — recognisable samples score close to the classifier's own confidence on
  real test images (also reported).

Numbers are comparable only between runs using the same dataset (same fingerprint),
the same number of samples and this feature network.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from aekit.capabilities import Capability
from aekit.evaluate.registry import EvalContext, evaluator
from aekit.log import reporter

if TYPE_CHECKING:
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


def _train(x: np.ndarray, y: np.ndarray, n_classes: int, say: Callable[[str], None]
           ) -> FeatureNet:
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    net = FeatureNet(x.shape[1], n_classes)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).long()
    n = xt.shape[0]
    for epoch in range(EPOCHS):
        perm = torch.randperm(n, generator=gen)
        net.train()
        for lo in range(0, n, 128):
            idx = perm[lo:lo + 128]
            loss = nn.functional.cross_entropy(net(xt[idx])[1], yt[idx])  # logits → CE
            opt.zero_grad()
            loss.backward()
            opt.step()
        say(f"feature classifier: epoch {epoch + 1}/{EPOCHS} done")
    return net.eval()


@torch.no_grad()
def embed(net: FeatureNet, x: np.ndarray | Tensor, batch: int = 1000
          ) -> tuple[np.ndarray, np.ndarray]:
    """Features (n, 128) and softmax probabilities (n, classes) of images in [0, 1]."""
    net.eval()
    xt = torch.as_tensor(x, dtype=torch.float32)
    feats, probs = [], []
    for lo in range(0, xt.shape[0], batch):
        f, logits = net(xt[lo:lo + batch].clamp(0, 1))
        feats.append(f.double().numpy())
        probs.append(torch.softmax(logits.double(), 1).numpy())
    return np.concatenate(feats), np.concatenate(probs)


def classifier_for(dataset: Dataset, *, cache: Path | None = None,
                   say: Callable[[str], None] | None = None) -> Classifier:
    """The feature classifier of ``dataset`` (trained once, cached by fingerprint)."""
    from safetensors.torch import load_file, save_file

    from aekit.data.fetch import cache_dir
    from aekit.errors import DataError

    say = say or reporter("quality")
    if dataset.y_train is None or dataset.y_test is None:
        raise DataError(f"{dataset.name} has no labels: the sample-quality metric needs a "
                        f"classifier trained on labelled data")
    x_tr = np.asarray(dataset.x_train, dtype=np.float32)
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
    net = _train(x_tr, dataset.y_train, n_classes, say)
    _, probs = embed(net, np.asarray(dataset.x_test, dtype=np.float32))
    acc = float((probs.argmax(1) == dataset.y_test).mean())
    folder.mkdir(parents=True, exist_ok=True)
    tmp = wpath.with_name(f".{wpath.name}.tmp")
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(tmp))
    tmp.replace(wpath)
    ipath.write_text(json.dumps({"test_accuracy": acc, "epochs": EPOCHS}))
    say(f"feature classifier test accuracy {acc:.4f}")
    return Classifier(net, acc, wpath)


def frechet_distance(f1: np.ndarray, f2: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (n, d)."""
    from scipy import linalg

    mu1, mu2 = f1.mean(0), f2.mean(0)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy warns on near-singular products
        covmean = linalg.sqrtm(s1 @ s2)
    if not np.isfinite(covmean).all():  # near-singular product: regularise (as in TTUR)
        eps = 1e-6 * np.eye(s1.shape[0])
        covmean = linalg.sqrtm((s1 + eps) @ (s2 + eps))
    covmean = np.real(covmean)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


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


def sample_quality(samples: np.ndarray, reference: np.ndarray, clf: Classifier
                   ) -> dict[str, float]:
    """FD of ``samples`` against ``reference`` images, plus classifier confidence."""
    f_s, p_s = embed(clf.net, samples)
    f_r, p_r = embed(clf.net, reference)
    hist = np.bincount(p_s.argmax(1), minlength=p_s.shape[1]) / len(p_s)
    return {"frechet_distance": frechet_distance(f_r, f_s),
            "confidence": float(p_s.max(1).mean()),
            "reference_confidence": float(p_r.max(1).mean()),
            "class_coverage": float((hist > 0.01).mean()),  # share of classes generated
            "n_samples": int(len(samples)),
            "classifier_test_accuracy": clf.test_accuracy}


@evaluator("sample-quality", order=100, exclusive=False, requires={Capability.GENERATE},
           when=lambda ctx: np.ndim(ctx.x_test) == 4)
def _sample_quality(ctx: EvalContext) -> dict[str, Any]:
    """Generative image models: Fréchet distance of samples in a trained classifier's
    features (needs labels to train it)."""
    if ctx.splits.dataset.y_train is None:
        ctx.say("no labels: skipping the sample-quality metric (needs a feature classifier)")
        return {}
    clf = classifier_for(ctx.splits.dataset, say=ctx.say)
    ctx.say(f"sample quality: {ctx.x_test.shape[0]} samples vs the test split")
    samples = draw_samples(ctx.model, ctx.x_test.shape[0], seed=ctx.cfg.task.eval_seed)
    return {"generation": sample_quality(samples, ctx.x_test, clf)}
