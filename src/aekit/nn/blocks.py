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


def dense_stack(widths: list[int], batch_norm: bool) -> list[nn.Module]:
    """Dense blocks between consecutive widths: (b, widths[0]) → (b, widths[-1])."""
    return [dense_block(a, b, batch_norm) for a, b in zip(widths[:-1], widths[1:], strict=True)]


def conv_stack(chans: list[int], k: int, batch_norm: bool) -> list[nn.Module]:
    """Stride-2 conv blocks: (b, chans[0], h, w) → (b, chans[-1], h/2^n, w/2^n)."""
    return [conv_block(a, b, k, 2, batch_norm) for a, b in zip(chans[:-1], chans[1:], strict=True)]


def deconv_stack(chans: list[int], k: int, batch_norm: bool) -> list[nn.Module]:
    """Transposed-conv ×2 blocks: (b, chans[0], h, w) → (b, chans[-1], h·2^n, w·2^n)."""
    return [deconv_block(a, b, k, batch_norm)
            for a, b in zip(chans[:-1], chans[1:], strict=True)]


def deconv_out(c_in: int, c_out: int, k: int) -> nn.ConvTranspose2d:
    """Last ×2 transposed conv to the image channels (no norm, no activation)."""
    return nn.ConvTranspose2d(c_in, c_out, k, stride=2, padding=k // 2, output_padding=1)
