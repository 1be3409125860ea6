"""Small building blocks shared by the model files.

Each block is a plain ``nn.Sequential``; shapes are noted as ``(b, c, h, w)``.
"""

from __future__ import annotations

from torch import nn


def activation(name: str) -> nn.Module:
    """``linear`` | ``relu`` | ``sigmoid`` | ``tanh`` as a module."""
    table: dict[str, type[nn.Module]] = {
        "linear": nn.Identity, "relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
    }
    return table[name]()


def dense_block(n_in: int, n_out: int, batch_norm: bool) -> nn.Sequential:
    """Linear → (BatchNorm) → ReLU: (b, n_in) → (b, n_out)."""
    layers: list[nn.Module] = [nn.Linear(n_in, n_out, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(n_out))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def conv_block(c_in: int, c_out: int, k: int, stride: int, batch_norm: bool) -> nn.Sequential:
    """Conv → (BN) → ReLU; 'same' padding, so (b, c_in, h, w) → (b, c_out, h/s, w/s)."""
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, k, stride=stride, padding=k // 2, bias=not batch_norm)
    ]
    if batch_norm:
        layers.append(nn.BatchNorm2d(c_out))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def deconv_block(c_in: int, c_out: int, k: int, batch_norm: bool) -> nn.Sequential:
    """Transposed conv ×2 → (BN) → ReLU: (b, c_in, h, w) → (b, c_out, 2h, 2w)."""
    layers: list[nn.Module] = [
        nn.ConvTranspose2d(c_in, c_out, k, stride=2, padding=k // 2, output_padding=1,
                           bias=not batch_norm)
    ]
    if batch_norm:
        layers.append(nn.BatchNorm2d(c_out))
    layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def upsample_block(c_in: int, c_out: int, k: int, batch_norm: bool) -> nn.Sequential:
    """Nearest ×2 upsample → conv → (BN) → ReLU: (b, c_in, h, w) → (b, c_out, 2h, 2w)."""
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="nearest"),
                         *conv_block(c_in, c_out, k, 1, batch_norm))
