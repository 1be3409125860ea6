"""Sample snapshots during training: the same prior draws decoded after every epoch.

A generative model (VAE, AAE, DCGAN: ``Capability.GENERATE``) learns to turn prior
draws into images; watching one fixed set of draws through the epochs shows how —
blobs, then strokes, then digits, or a GAN collapsing to one mode. After each epoch
:class:`SampleSnapshots` decodes the *same* seeded draws (8×8, or 8 per class for a
label-conditioned model, one class per row) and writes
``RUN/figures/samples_epoch_NNN.png`` (epochs from 1, pixels enlarged to a readable
size). The report shows them as an animated strip (:mod:`aekit.report.snapshots`).

The draws use their own generator, and the model is put back in training mode, so
training — and an exact ``--resume`` — is unchanged by the snapshots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from lightning.pytorch.callbacks import Callback

from aekit.capabilities import Capability
from aekit.data.images import write_image, zoomed_mosaic

FIGURES = "figures"
PATTERN = "samples_epoch_{:03d}.png"
SIDE = 8  # an 8×8 grid of samples
READABLE = 112  # pixels: enlarge each sample to at least this side (28×28 digits: 4×)


def snapshot_path(run_dir: Path, epoch: int) -> Path:
    """Where the snapshot after ``epoch`` (counted from 1) is written."""
    return run_dir / FIGURES / PATTERN.format(epoch)


def snapshot_grid(model: Any, seed: int) -> np.ndarray:
    """The fixed draws of ``seed`` decoded by ``model`` as one (c, H, W) grid in [0, 1]:
    8×8 samples, or 8 per class (one row per class) for a label-conditioned model."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            g = torch.Generator(device=next(model.parameters()).device).manual_seed(seed)
            if Capability.CONDITION in model.capabilities:
                k = int(model.n_classes)
                y = torch.arange(k, device=g.device).repeat_interleave(SIDE)
                x, rows = model.sample(k * SIDE, generator=g, y=y), k
            else:
                x, rows = model.sample(SIDE * SIDE, generator=g), SIDE
            x = x.float().clamp(0, 1).cpu().numpy()  # (rows·8, c, h, w)
    finally:
        model.train(was_training)
    zoom = max(1, -(-READABLE // max(1, min(x.shape[-2:]))))
    zoom = min(zoom, max(1, 1024 // (SIDE * x.shape[-1])))  # the grid stays ≤ ~1024 px
    return zoomed_mosaic(x, rows, SIDE, zoom)


class SampleSnapshots(Callback):
    """Write :func:`snapshot_grid` of the model after every training epoch (rank 0)."""

    def __init__(self, run_dir: Path, seed: int) -> None:
        self.run_dir, self.seed = Path(run_dir), seed

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        """Decode the fixed draws and write this epoch's snapshot."""
        if not trainer.is_global_zero or trainer.sanity_checking:
            return
        grid = snapshot_grid(pl_module.model, self.seed)
        write_image(snapshot_path(self.run_dir, trainer.current_epoch + 1), grid)
