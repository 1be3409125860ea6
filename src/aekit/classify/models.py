"""Small image classifiers: the Fashion-MNIST baselines and the pretraining target.

Every model maps (b, c, h, w) images in [0, 1] to (b, n_classes) **logits**; the loss
is ``cross_entropy(logits, y)`` (it applies log-softmax itself — a softmax layer in the
model would apply it twice, a common bug in LeNet-5 ports).

* :class:`MLP` — one hidden layer of 128 ReLU units (the Fashion-MNIST benchmark's
  "MLPClassifier, hidden 128"; published 88.7 %).
* :class:`LeNet5` — LeCun, Bottou, Bengio & Haffner 1998, "Gradient-based learning
  applied to document recognition": 28×28 inputs zero-padded to 32×32, C1 6@5×5, S2
  average pooling, C3 16@5×5, S4, C5 120, F6 84, tanh activations (published 89.2 % on
  Fashion-MNIST).
* :class:`StemClassifier` — a conv stem (Conv–BN–ReLU–MaxPool stages, shared with the
  ``stem`` autoencoder, :mod:`aekit.models.stem`) + a dense head; the target of
  pretext pretraining.
* MobileNetV2 lives in :mod:`aekit.classify.mobilenet`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from aekit.errors import ConfigError
from aekit.models.stem import check_stem_size, stem_stages

Tensor = torch.Tensor


class MLP(nn.Module):
    """Flatten → Linear(d, hidden) → ReLU → Linear(hidden, n_classes)."""

    def __init__(self, input_shape: tuple[int, ...], n_classes: int, hidden: int = 128) -> None:
        super().__init__()
        d = math.prod(input_shape)
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(d, hidden), nn.ReLU(inplace=True),
                                 nn.Linear(hidden, n_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)  # (b, n_classes) logits


class LeNet5(nn.Module):
    """LeNet-5 (LeCun et al. 1998) with tanh and average pooling; returns logits.

    Inputs of 28×28 are zero-padded to the original 32×32; other sizes are resized to
    32×32 bilinearly so C5 sees a 5×5 map, as in the paper.
    """

    def __init__(self, input_shape: tuple[int, ...], n_classes: int) -> None:
        super().__init__()
        c = input_shape[0]
        self.features = nn.Sequential(
            nn.Conv2d(c, 6, 5), nn.Tanh(), nn.AvgPool2d(2),  # (b, 6, 14, 14)
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),  # (b, 16, 5, 5)
            nn.Conv2d(16, 120, 5), nn.Tanh(),  # C5: (b, 120, 1, 1)
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(120, 84), nn.Tanh(),
                                        nn.Linear(84, n_classes))  # F6 → logits

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        if (h, w) == (28, 28):
            x = F.pad(x, (2, 2, 2, 2))  # (b, c, 32, 32)
        elif (h, w) != (32, 32):
            x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
        return self.classifier(self.features(x))


class StemClassifier(nn.Module):
    """Conv stem (Conv–BN–ReLU–MaxPool × n) → Flatten → Dropout → Linear → ReLU → Linear.

    ``self.stem`` has exactly the layout of :class:`aekit.models.stem.StemAutoencoder`'s
    ``stem``, so ``clf.stem.load_state_dict(ae.stem.state_dict())`` copies weights in
    either direction.
    """

    def __init__(self, input_shape: tuple[int, ...], n_classes: int,
                 filters: list[int] | None = None, hidden: int = 128, dropout: float = 0.3,
                 kernel_size: int = 3) -> None:
        super().__init__()
        c, h, w = input_shape
        filters = list(filters or [32, 64])
        check_stem_size(h, w, len(filters))
        self.filters = filters
        self.stem = stem_stages(c, filters, kernel_size, True)  # (b, f_last, h/2^n, w/2^n)
        feat = filters[-1] * (h // 2 ** len(filters)) * (w // 2 ** len(filters))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(feat, hidden),
                                  nn.ReLU(inplace=True), nn.Dropout(dropout),
                                  nn.Linear(hidden, n_classes))

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.stem(x))  # (b, n_classes) logits


def _mobilenet(input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    from aekit.classify.mobilenet import MobileNetV2

    return MobileNetV2(input_shape, n_classes)


# name -> factory(input_shape, n_classes)
CLASSIFIERS: dict[str, Callable[[tuple[int, ...], int], nn.Module]] = {
    "mlp": MLP,
    "lenet5": LeNet5,
    "stem": StemClassifier,
    "mobilenetv2": _mobilenet,
}


def build_classifier(name: str, input_shape: tuple[int, ...], n_classes: int) -> nn.Module:
    """Instantiate a classifier by name (one-line ConfigError for unknown names)."""
    if name not in CLASSIFIERS:
        raise ConfigError(f"unknown classifier {name!r}; choose one of: "
                          + ", ".join(sorted(CLASSIFIERS)))
    if len(input_shape) != 3:
        raise ConfigError(f"classifiers take images (channels, height, width); got samples "
                          f"of shape {tuple(input_shape)}")
    return CLASSIFIERS[name](tuple(input_shape), n_classes)
