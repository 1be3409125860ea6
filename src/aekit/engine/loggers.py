"""Lightning's loggers, for users who follow training where they follow every training:
``--logger csv|tensorboard|mlflow`` (more than one allowed; ``train.loggers``).

``history.csv`` stays the run's own record (the report reads it); a logger is a second
view of the same numbers in its tool's place, ``RUN/logs/<name>/``:

* losses per step (``train_loss_step``, every ``log_every_n_steps``) and per epoch
  (``train_*``, ``val_*`` — every term of the family's loss), and the learning rate;
* images each epoch, for loggers that take images (TensorBoard, MLflow): a generative
  model's fixed prior draws (:func:`aekit.engine.snapshots.snapshot_grid`), any other
  image model's first validation inputs, outputs and targets as three rows.

TensorBoard and MLflow are optional packages (``pip install 'aekit[tensorboard]'`` /
``mlflow``); asking for one that is not installed is refused before anything is read or
written (:func:`aekit.engine.run.check_loggers`). MLflow writes to a file store inside
the run (``RUN/logs/mlflow``), so the run directory stays self-contained; point
``mlflow ui --backend-store-uri`` at it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from lightning.pytorch.callbacks import Callback

LOGS = "logs"


def make_loggers(names: list[str], run_dir: Path) -> list[Any]:
    """The Lightning loggers ``names`` name, each writing under ``RUN/logs/<name>``
    (CSV: one ``version_N`` folder per fit, so a resume never replaces the earlier file;
    TensorBoard: one folder, a resume adds an event file; MLflow: a run per fit)."""
    from lightning.pytorch import loggers as pl_loggers

    root = run_dir / LOGS
    out: list[Any] = []
    for name in names:
        if name == "csv":
            out.append(pl_loggers.CSVLogger(save_dir=str(root), name="csv"))
        elif name == "tensorboard":
            out.append(pl_loggers.TensorBoardLogger(save_dir=str(root), name="tensorboard",
                                                    version="", default_hp_metric=False))
        elif name == "mlflow":
            uri = (root / "mlflow").resolve().as_uri()
            out.append(pl_loggers.MLFlowLogger(experiment_name="aekit",
                                               run_name=run_dir.name, tracking_uri=uri))
    return out


class LoggerImages(Callback):
    """Images each epoch for the loggers that take them (TensorBoard, MLflow)."""

    def __init__(self, seed: int, generative: bool,
                 val_batch: tuple[torch.Tensor, ...] | None) -> None:
        self.seed, self.generative = seed, generative
        # the first 8 validation (input, target) pairs: the same ones every epoch
        self.val = None if val_batch is None else (val_batch[0][:8], val_batch[1][:8])

    def _grid(self, model: Any) -> tuple[str, np.ndarray] | None:
        from aekit.data.images import zoomed_mosaic
        from aekit.engine.snapshots import snapshot_grid

        if self.generative:
            return "samples", snapshot_grid(model, self.seed)
        if self.val is None:
            return None
        x, target = self.val
        was = model.training
        model.eval()
        try:
            with torch.no_grad():
                dev = next(model.parameters()).device
                out = model(x.to(dev))["x_hat"].float().clamp(0, 1).cpu()
        finally:
            model.train(was)
        if out.shape != target.shape:  # super-resolution input is smaller: show outputs
            rows = torch.cat([out, target.float()])
            k = 2
        else:
            rows, k = torch.cat([x.float(), out, target.float()]), 3
        zoom = max(1, -(-112 // max(1, min(rows.shape[-2:]))))
        return "reconstructions", zoomed_mosaic(rows.clamp(0, 1).numpy(), k, x.shape[0], zoom)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        """Send this epoch's image to every logger that takes images."""
        if not trainer.is_global_zero:
            return
        takers = [lg for lg in trainer.loggers
                  if type(lg).__name__ in ("TensorBoardLogger", "MLFlowLogger")]
        if not takers:
            return
        made = self._grid(pl_module.model)
        if made is None:
            return
        tag, grid = made  # (c, H, W) in [0, 1]
        epoch = trainer.current_epoch + 1
        for lg in takers:
            if type(lg).__name__ == "TensorBoardLogger":
                lg.experiment.add_image(tag, grid, global_step=epoch, dataformats="CHW")
            else:
                from aekit.data.images import to_uint8_hwc

                lg.experiment.log_image(lg.run_id, to_uint8_hwc(grid),
                                        artifact_file=f"{tag}/epoch_{epoch:03d}.png")
