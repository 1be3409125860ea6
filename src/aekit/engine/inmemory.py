"""Fit an autoencoder on arrays already in memory, with the same engine as ``aekit train``.

``train_run`` starts from a data *spec* and owns a run directory; some callers hold the
arrays and a model already — the PyOD-style :class:`aekit.anomaly.AutoencoderDetector`
(``fit(X)``) and pretext pretraining (the autoencoder starts from a classifier's
weights). They use :func:`fit_arrays`: the same :class:`~aekit.engine.system.AutoencoderSystem`,
:class:`~aekit.engine.batches.BatchSet` batching and Lightning trainer, without
checkpoints; the weights of the last epoch are returned.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from aekit.config import TaskConfig, TrainConfig
from aekit.log import reporter
from aekit.models.base import Autoencoder


def fit_arrays(model: Autoencoder, x_train: np.ndarray, train_cfg: TrainConfig, *,
               task_cfg: TaskConfig | None = None, x_val: np.ndarray | None = None,
               history_path: str | Path | None = None, quiet: bool = True) -> Autoencoder:
    """Train ``model`` in place on ``x_train`` (n, …) for ``train_cfg.epochs`` epochs.

    ``task_cfg`` picks the pairs (default: reconstruct); ``x_val`` adds a validation loss
    to the history; ``history_path`` writes ``history.csv`` there. Returns ``model`` in
    eval mode.
    """
    import lightning.pytorch as pl

    from aekit.engine.batches import BatchSet, batch_loader, batch_tensor
    from aekit.engine.history import HistoryWriter
    from aekit.engine.run import quiet_lightning, resolve_precision
    from aekit.engine.system import AutoencoderSystem
    from aekit.tasks.pairs import build_task

    quiet_lightning()
    t = train_cfg
    pl.seed_everything(t.seed, verbose=False)
    task = build_task(task_cfg or TaskConfig())
    xt = batch_tensor(x_train)  # (n, …) uint8 or float32
    train = BatchSet(xt, task, t.batch_size, shuffle=True, seed=t.seed,
                     drop_last=xt.shape[0] > t.batch_size)
    has_val = x_val is not None and len(x_val) > 0
    val = None
    if has_val:
        val = BatchSet(batch_tensor(x_val), task,
                       max(t.batch_size, 256), shuffle=False,
                       seed=(task_cfg or TaskConfig()).eval_seed)
    history = None
    if history_path is not None:
        echo = None if quiet else reporter("train")
        history = HistoryWriter(Path(history_path), echo=echo, total_epochs=t.epochs)
    system = AutoencoderSystem(model, t, history=history)
    trainer = pl.Trainer(
        max_epochs=t.epochs, accelerator=t.accelerator, devices=1,
        precision=resolve_precision(t.precision, t.accelerator), logger=False,
        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        num_sanity_val_steps=0, gradient_clip_val=t.grad_clip,
        limit_val_batches=1.0 if has_val else 0)
    trainer.fit(system, train_dataloaders=batch_loader(train),
                val_dataloaders=batch_loader(val) if val is not None else None)
    model.cpu().eval()
    return model
