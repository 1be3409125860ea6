"""A compact MobileNetV2 (Sandler, Howard, Zhu, Zhmoginov & Chen 2018, "MobileNetV2:
Inverted residuals and linear bottlenecks"), written here because torchvision is not a
dependency.

Parameter names follow torchvision's ``mobilenet_v2`` exactly (``features.N.conv.…``,
``classifier.1``), so an ImageNet state dict saved from torchvision loads with
:func:`load_pretrained`: the first convolution's RGB filters are summed into one
grayscale filter when the data has one channel, and the classifier is replaced when the
number of classes differs.

``small_input=True`` (the default for 28×28 data) sets the stem and the first
stride-2 stage to stride 1, so the total stride is 8 instead of 32 (28×28 → 4×4 before
pooling, as in CIFAR-style ports); strides do not change weight shapes, so transfer
works either way. ``width_mult`` scales every layer (0.35–1.4 in the paper).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from aekit.errors import ConfigError, DataError

Tensor = torch.Tensor

# (expansion t, output channels c, repeats n, stride s) — Table 2 of the paper
SETTING = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
           (6, 160, 3, 2), (6, 320, 1, 1)]
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _divisible(v: float, divisor: int = 8) -> int:
    """Round channels to a multiple of 8, never below 90 % of ``v`` (as the reference)."""
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def _conv_bn_relu6(c_in: int, c_out: int, k: int = 3, stride: int = 1, groups: int = 1
                   ) -> nn.Sequential:
    """Conv → BN → ReLU6 (torchvision's Conv2dNormActivation layout: keys 0, 1, 2)."""
    return nn.Sequential(nn.Conv2d(c_in, c_out, k, stride, (k - 1) // 2, groups=groups,
                                   bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU6(inplace=True))


class InvertedResidual(nn.Module):
    """1×1 expand (t>1) → 3×3 depthwise (stride s) → 1×1 linear projection; skip if s=1, c=c'."""

    def __init__(self, c_in: int, c_out: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = int(round(c_in * expand))
        self.use_res_connect = stride == 1 and c_in == c_out
        layers: list[nn.Module] = []
        if expand != 1:
            layers.append(_conv_bn_relu6(c_in, hidden, k=1))  # (b, hidden, h, w)
        layers += [_conv_bn_relu6(hidden, hidden, stride=stride, groups=hidden),  # depthwise
                   nn.Conv2d(hidden, c_out, 1, bias=False), nn.BatchNorm2d(c_out)]  # linear
        self.conv = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    """MobileNetV2 for (b, c, h, w) images → (b, n_classes) logits."""

    def __init__(self, input_shape: tuple[int, ...], n_classes: int, width_mult: float = 1.0,
                 small_input: bool = True, dropout: float = 0.2, resize: int | None = None,
                 imagenet_norm: bool = False) -> None:
        super().__init__()
        c = input_shape[0]
        self.resize = resize
        self.imagenet_norm = imagenet_norm  # normalise like ImageNet (for transferred weights)
        ch = _divisible(32 * width_mult)
        self.last_channel = _divisible(1280 * max(1.0, width_mult))
        features: list[nn.Module] = [_conv_bn_relu6(c, ch, stride=1 if small_input else 2)]
        first_down = True
        for t, co, n, s in SETTING:
            out = _divisible(co * width_mult)
            if s == 2 and small_input and first_down:
                s, first_down = 1, False  # keep 28×28 resolution one stage longer
            for i in range(n):
                features.append(InvertedResidual(ch, out, s if i == 0 else 1, t))
                ch = out
        features.append(_conv_bn_relu6(ch, self.last_channel, k=1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.last_channel,
                                                                       n_classes))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: Tensor) -> Tensor:
        if self.resize is not None and x.shape[-1] != self.resize:
            x = F.interpolate(x, size=(self.resize, self.resize), mode="bilinear",
                              align_corners=False)
        if self.imagenet_norm:
            c = x.shape[1]
            mean = x.new_tensor(IMAGENET_MEAN[:c] if c == 3 else [sum(IMAGENET_MEAN) / 3])
            std = x.new_tensor(IMAGENET_STD[:c] if c == 3 else [sum(IMAGENET_STD) / 3])
            x = (x - mean[:, None, None]) / std[:, None, None]
        x = self.features(x)  # (b, last_channel, h/stride, w/stride)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)  # (b, last_channel)
        return self.classifier(x)


def load_pretrained(model: MobileNetV2, path: str | Path) -> dict[str, list[str]]:
    """Load a (torchvision-layout) MobileNetV2 state dict from ``.safetensors``/``.pt``.

    Adapts RGB first-layer filters to grayscale (sum over input channels, which keeps the
    response to a gray image identical) and skips the classifier when its shape differs.
    Returns ``{"loaded": [...], "skipped": [...]}``; a file of another width or model is a
    one-line :class:`DataError`.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such weights file")
    try:
        if p.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(p))
        else:
            state = torch.load(p, map_location="cpu", weights_only=True)
            if isinstance(state, dict) and "state_dict" in state:
                state = state["state_dict"]
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's to fix
        raise DataError(f"{p} is not a readable state dict ({type(exc).__name__}: {exc})"
                        ) from None
    if not isinstance(state, dict):
        raise DataError(f"{p} does not hold a state dict (a mapping of tensor names)")
    own = model.state_dict()
    loaded, skipped, new = [], [], {}
    for k, v in own.items():
        w = state.get(k)
        if w is None:
            if k.startswith("features."):
                raise DataError(f"{p} lacks {k}: not a MobileNetV2 state dict of this width "
                                f"(torchvision layout expected)")
            skipped.append(k)
            continue
        if k == "features.0.0.weight" and w.shape[1] == 3 and v.shape[1] == 1:
            w = w.sum(1, keepdim=True)  # RGB filters → one gray filter
        if w.shape != v.shape:
            if k.startswith("classifier."):
                skipped.append(k)
                continue
            raise DataError(f"{p}: {k} has shape {tuple(w.shape)}, this MobileNetV2 needs "
                            f"{tuple(v.shape)} (another width_mult?)")
        new[k] = w
        loaded.append(k)
    model.load_state_dict({**own, **new})
    return {"loaded": loaded, "skipped": skipped}


def check_width(width_mult: float) -> None:
    """Widths outside the paper's range are almost always a typo."""
    if not 0.1 <= width_mult <= 2.0:
        raise ConfigError(f"MobileNetV2 width_mult should be in [0.1, 2.0]; got {width_mult}")
