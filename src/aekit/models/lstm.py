"""The composite LSTM autoencoder of Srivastava, Mansimov & Salakhutdinov (2015).

*Unsupervised Learning of Video Representations using LSTMs* (ICML 2015), section 2.4:
an **encoder LSTM** reads the input frames; its final state is the representation and
is copied into two decoder LSTMs — one **reconstructs the input frames in reverse
order** (reversal makes the first target the most recent frame, "short-term
correlations" first), the other **predicts the future frames**. The decoders are
*unconditioned* (zero input at every step) or *conditional* (fed their own previous
output frame; the first step gets a blank frame). Frames enter the LSTMs flattened
(the paper's setting) or through a small convolutional frame encoder and leave through
per-decoder frame decoders (``model.frame_coder = flat | conv``).

Contract in aekit terms. A sample is a whole sequence ``(T, *frame)``; with
``F = model.future_frames`` (``None`` → ``T // 2``, the paper's 10-in/10-out for 20
frames) the model reads **only the first K = T − F frames** (it never looks at the rest;
tested) and returns ``x_hat`` for all T frames *in natural time order*: the
reverse-order reconstruction flipped back, then the F predicted frames. So the target
of the ``reconstruct`` task is the sequence itself, and every verb that compares
``x_hat`` with ``x`` (evaluate, report, encode, scores) works unchanged. ``loss``
reports the two parts as ``recon`` (input frames) and ``future`` (predicted frames);
``loss`` is their frame-weighted mean, i.e. the mean over all frames.

The code is the encoder state ``[h_T; c_T]`` of every layer, ``2·layers·hidden``
numbers, or — with ``model.latent_dim`` — a linear projection of it (and back), an
explicit bottleneck. Frames may be images ``(c, h, w)``/``(h, w)`` or vectors ``(D,)``
(time-series windows from ``csv:…?window=W``; use ``flat``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from aekit.config import ModelConfig
from aekit.errors import ConfigError
from aekit.losses import reconstruction_loss
from aekit.models.base import Autoencoder, code_activation
from aekit.nn.blocks import activation, conv_block, deconv_block
from aekit.registry import register_model, register_preset

Tensor = torch.Tensor


class _FrameHead(nn.Module):
    """LSTM output (n, H) → one frame (n, *frame_shape): flat Linear or a small deconv."""

    def __init__(self, hidden: int, frame_shape: tuple[int, ...], cfg: LSTMConfig,
                 conv: tuple[int, int, int, list[int]] | None) -> None:
        super().__init__()
        self.frame_shape = frame_shape
        if conv is None:
            self.net = nn.Sequential(nn.Linear(hidden, math.prod(frame_shape)),
                                     activation(cfg.output_activation))
        else:
            c, h, w, filters = conv
            f = 2 ** len(filters)
            back = filters[::-1]
            layers: list[nn.Module] = [nn.Linear(hidden, back[0] * (h // f) * (w // f)),
                                       nn.ReLU(inplace=True),
                                       nn.Unflatten(1, (back[0], h // f, w // f))]
            for a, b in zip(back[:-1], back[1:], strict=True):
                layers.append(deconv_block(a, b, cfg.kernel_size, cfg.batch_norm))
            k = cfg.kernel_size
            layers += [nn.ConvTranspose2d(filters[0], c, k, stride=2, padding=k // 2,
                                          output_padding=1),
                       activation(cfg.output_activation), nn.Flatten()]
            self.net = nn.Sequential(*layers)

    def forward(self, y: Tensor) -> Tensor:
        return self.net(y).reshape(y.shape[0], *self.frame_shape)  # (n, *frame)


@dataclass
class LSTMConfig(ModelConfig):
    """LSTM family: state widths, future frames, conditioning and the frame coder."""

    name: str = "lstm"
    hidden: list[int] | None = None  # LSTM state widths; None = [256]
    future_frames: int | None = None  # frames the future decoder predicts (0 = none;
    #                                   None = half the sequence, e.g. 10 of 20)
    conditional: bool = False  # decoders are fed their own previous output frame
    frame_coder: str = "flat"  # flat (frames flattened) | conv (small conv enc/decoder)
    filters: list[int] | None = None  # conv frame coder channels; None = [16, 32]
    kernel_size: int = 3
    batch_norm: bool = True

    CHOICES: ClassVar[dict[str, tuple[str | None, ...]]] = {"frame_coder": ("flat", "conv")}

    def check(self) -> None:
        super().check()
        if self.future_frames is not None and self.future_frames < 0:
            raise ConfigError(f"model.future_frames must be ≥ 0; got {self.future_frames}")


@register_model("lstm", config=LSTMConfig)
class CompositeLSTMAutoencoder(Autoencoder):
    """Encoder LSTM → state → (reverse reconstruction, future prediction) decoder LSTMs."""

    family = "lstm"
    input_kind = "sequence"

    def __init__(self, cfg: LSTMConfig, input_shape: tuple[int, ...]) -> None:
        super().__init__(cfg, input_shape)
        if len(self.input_shape) < 2:
            raise ConfigError(f"lstm models need sequences: samples of shape (steps, …); got "
                              f"{self.input_shape} — use a dense model for vectors, or cut a "
                              f"series into windows with csv:PATH?window=W")
        if cfg.contractive_weight > 0:
            raise ConfigError("model.contractive_weight is not supported for lstm models")
        steps, frame = self.input_shape[0], self.input_shape[1:]
        future = steps // 2 if cfg.future_frames is None else cfg.future_frames
        if future >= steps:
            raise ConfigError(f"model.future_frames={future} leaves no input frame in "
                              f"sequences of {steps}; use at most {steps - 1}")
        self.n_future, self.n_input = future, steps - future
        self.frame_shape = frame
        hidden = list(cfg.hidden or [256])
        if not hidden or len(set(hidden)) != 1:
            raise ConfigError(f"lstm layers share one width: model.hidden=[256] for one layer "
                              f"of 256, [256,256] for two; got {hidden}")
        self.hidden_size, self.layers = hidden[0], len(hidden)
        h_size = self.hidden_size

        conv = None
        if cfg.frame_coder == "conv":
            if len(frame) not in (2, 3):
                raise ConfigError(f"frame_coder=conv needs image frames (c, h, w) or (h, w); "
                                  f"frames here have shape {frame} — use frame_coder=flat")
            c, h, w = (1, *frame) if len(frame) == 2 else frame
            filters = list(cfg.filters or [16, 32])
            f = 2 ** len(filters)
            if h % f or w % f:
                raise ConfigError(f"frame_coder=conv with {len(filters)} stages needs frame "
                                  f"height and width divisible by {f}; got {h}×{w}")
            chans = [c, *filters]
            enc: list[nn.Module] = [nn.Unflatten(1, (1, h))] if len(frame) == 2 else []
            enc += [conv_block(a, b, cfg.kernel_size, 2, cfg.batch_norm)
                    for a, b in zip(chans[:-1], chans[1:], strict=True)]
            enc += [nn.Flatten(), nn.Linear(filters[-1] * (h // f) * (w // f), h_size),
                    nn.ReLU(inplace=True)]
            self.frame_in: nn.Module = nn.Sequential(*enc)  # (n, *frame) → (n, H)
            feat = h_size
            conv = (c, h, w, filters)
        else:
            self.frame_in = nn.Flatten()  # (n, *frame) → (n, D)
            feat = math.prod(frame)
        # conditional decoders read a frame's features; unconditioned ones a constant 0
        dec_in = feat if cfg.conditional else 1
        self.encoder_lstm = nn.LSTM(feat, h_size, self.layers, batch_first=True)
        self.recon_lstm = nn.LSTM(dec_in, h_size, self.layers, batch_first=True)
        self.recon_head = _FrameHead(h_size, frame, cfg, conv)
        if future:
            self.future_lstm = nn.LSTM(dec_in, h_size, self.layers, batch_first=True)
            self.future_head = _FrameHead(h_size, frame, cfg, conv)
        state = 2 * self.layers * h_size
        self.to_code: nn.Module | None = None
        self.from_code: nn.Module | None = None
        if cfg.latent_dim is not None:
            self.to_code = nn.Sequential(nn.Linear(state, cfg.latent_dim),
                                         activation(code_activation(cfg)))
            self.from_code = nn.Linear(cfg.latent_dim, state)

    # -- contract -----------------------------------------------------------------
    def encode(self, x: Tensor) -> Tensor:
        """(b, T, *frame) → (b, d): the encoder state after the first K = T − F frames."""
        if x.ndim != len(self.input_shape) + 1 or x.shape[1] < self.n_input:
            raise ConfigError(f"the lstm model reads {self.n_input} input frames of shape "
                              f"{self.frame_shape}; got a batch of shape {tuple(x.shape)}")
        b, k = x.shape[0], self.n_input
        frames = x[:, :k].reshape(b * k, *self.frame_shape)  # only the input frames
        feats = self.frame_in(frames).reshape(b, k, -1)  # (b, K, E)
        _, (h, c) = self.encoder_lstm(feats)  # (layers, b, H) each
        z = torch.cat([h.transpose(0, 1).reshape(b, -1), c.transpose(0, 1).reshape(b, -1)], 1)
        return self.to_code(z) if self.to_code is not None else z  # (b, d)

    def decode(self, z: Tensor) -> Tensor:
        """(b, d) → (b, T, *frame) in natural order: reconstruction, then prediction."""
        state = self._state(z)
        recon = self._unroll(self.recon_lstm, self.recon_head, state, self.n_input)
        parts = [recon.flip(1)]  # generated last-frame-first; flipped to time order
        if self.n_future:
            parts.append(self._unroll(self.future_lstm, self.future_head, state,
                                      self.n_future))
        return torch.cat(parts, 1)  # (b, T, *frame)

    def forward(self, x: Tensor, **cond: Any) -> dict[str, Tensor]:
        z = self.encode(x)
        return {"x_hat": self.decode(z), "z": z, "x": x}

    def loss(self, out: dict[str, Tensor], target: Tensor) -> dict[str, Tensor]:
        """Per-part reconstruction losses; ``loss`` = their frame-weighted mean."""
        cfg, k, f = self.cfg, self.n_input, self.n_future
        x_hat = out["x_hat"]
        terms: dict[str, Tensor] = {
            "recon": reconstruction_loss(x_hat[:, :k], target[:, :k], cfg.loss)}
        total = terms["recon"] * (k / (k + f))
        if f:
            terms["future"] = reconstruction_loss(x_hat[:, k:], target[:, k:], cfg.loss)
            total = total + terms["future"] * (f / (k + f))
        for name, (weight, value) in self.penalties(out).items():
            terms[name] = value
            total = total + weight * value
        terms["loss"] = total
        return terms

    # -- internals ----------------------------------------------------------------
    def _state(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """Code (b, d) → decoder initial state (h0, c0), each (layers, b, H)."""
        s = self.from_code(z) if self.from_code is not None else z  # (b, 2·layers·H)
        b, n = s.shape[0], self.layers * self.hidden_size
        h = s[:, :n].reshape(b, self.layers, self.hidden_size).transpose(0, 1).contiguous()
        c = s[:, n:].reshape(b, self.layers, self.hidden_size).transpose(0, 1).contiguous()
        return h, c

    def _unroll(self, lstm: nn.LSTM, head: _FrameHead, state: tuple[Tensor, Tensor],
                steps: int) -> Tensor:
        """Run a decoder for ``steps`` steps from ``state`` → (b, steps, *frame)."""
        b = state[0].shape[1]
        if not self.cfg.conditional:  # unconditioned: a constant zero input
            y, _ = lstm(state[0].new_zeros(b, steps, 1), state)  # (b, steps, H)
            return head(y.reshape(b * steps, -1)).reshape(b, steps, *self.frame_shape)
        prev = state[0].new_zeros(b, *self.frame_shape)  # blank first input frame
        frames = []
        for _ in range(steps):
            y, state = lstm(self.frame_in(prev).unsqueeze(1), state)  # (b, 1, H)
            prev = head(y[:, 0])
            frames.append(prev)
        return torch.stack(frames, 1)  # (b, steps, *frame)


register_preset("lstm", LSTMConfig(hidden=[256], loss="bce", frame_coder="flat"),
                "composite LSTM AE (Srivastava 2015): encoder LSTM 256, reverse-order "
                "reconstruction + future decoders (future = half the frames), flat frames")
register_preset("lstm-cond", LSTMConfig(hidden=[256], loss="bce", conditional=True),
                "composite LSTM AE with conditional decoders (fed their previous output)")
register_preset("lstm-conv", LSTMConfig(hidden=[256], loss="bce", frame_coder="conv",
                                        filters=[16, 32]),
                "composite LSTM AE, frames through a small conv encoder / deconv decoder")
register_preset("lstm-series", LSTMConfig(hidden=[64], output_activation="linear", loss="mse"),
                "composite LSTM AE for csv:…?window=W time series: reconstructs the "
                "first half of a window, forecasts the second")
