"""Batched inference helpers shared by evaluate, report and the apply verbs."""

from __future__ import annotations

import numpy as np
import torch

from aekit.capabilities import Capability
from aekit.log import Progress
from aekit.tasks.pairs import Task


@torch.no_grad()
def predict(model: torch.nn.Module, x: np.ndarray, batch_size: int = 512,
            y: np.ndarray | None = None, bar: Progress | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Run ``model`` (eval mode) over ``x`` (n, …) → (x_hat (n, …), codes (n, d)).

    Models with the ``condition`` capability also get the labels ``y``; ``bar`` counts
    the samples done (:class:`aekit.log.Progress`).
    """
    from aekit.errors import ConfigError

    model.eval()
    dev = next(model.parameters()).device
    needs_y = Capability.CONDITION in getattr(model, "capabilities", ())
    if needs_y and y is None:
        raise ConfigError("this model is conditioned on class labels; the data has none")
    outs, codes = [], []
    for lo in range(0, x.shape[0], batch_size):
        xb = torch.from_numpy(np.ascontiguousarray(x[lo:lo + batch_size])).to(dev)
        cond = {"y": torch.from_numpy(y[lo:lo + batch_size]).to(dev)} if needs_y else {}
        out = model(xb, **cond)
        outs.append(out["x_hat"].float().cpu().numpy())
        codes.append(out["z"].float().flatten(1).cpu().numpy())
        if bar is not None:
            bar.update(xb.shape[0])
    return np.concatenate(outs), np.concatenate(codes)


@torch.no_grad()
def encode(model: torch.nn.Module, x: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Codes (n, d) of ``x`` via ``model.encode`` (deterministic)."""
    model.eval()
    dev = next(model.parameters()).device
    parts = [model.encode(torch.from_numpy(np.ascontiguousarray(x[lo:lo + batch_size])).to(dev))
             .float().flatten(1).cpu().numpy() for lo in range(0, x.shape[0], batch_size)]
    return np.concatenate(parts)


@torch.no_grad()
def decode(model: torch.nn.Module, z: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Decoder outputs (n, …) for codes ``z`` (n, d)."""
    model.eval()
    dev = next(model.parameters()).device
    parts = [model.decode(torch.from_numpy(np.ascontiguousarray(z[lo:lo + batch_size],
                                                                dtype=np.float32)).to(dev))
             .float().cpu().numpy() for lo in range(0, z.shape[0], batch_size)]
    return np.concatenate(parts)


def corrupted_inputs(task: Task, x: np.ndarray, seed: int, batch_size: int = 512,
                     index: np.ndarray | None = None) -> np.ndarray:
    """The task's inputs for clean ``x`` with fixed noise (identical across calls).

    Sample ``j`` gets the noise the validation loader gives the sample at index
    ``index[j]`` (default ``j``): noise is keyed per sample by (seed, index), so any
    subset, in any batches, gets exactly the noise evaluation scored.
    """
    from aekit.data.corruptions import sample_noise
    from aekit.engine.batches import mix_seed

    if not task.corrupts and task.scale == 1:
        return x
    idx = np.arange(x.shape[0]) if index is None else np.asarray(index)
    base = mix_seed(seed, 0, 2)  # = BatchSet(shuffle=False, seed=seed)'s stream
    out = [task.pair(torch.from_numpy(x[lo:lo + batch_size]),
                     sample_noise(base, torch.from_numpy(idx[lo:lo + batch_size])))[0].numpy()
           for lo in range(0, x.shape[0], batch_size)]
    return np.concatenate(out)
