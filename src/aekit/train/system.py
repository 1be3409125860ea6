"""The Lightning "system": wraps a model (kept separate, per Lightning's style guide).

The system owns optimisation (optimizer, schedule, logging); the model owns the
architecture and its loss. Per-step losses are summed on-device and logged once per
epoch, so the loop costs no host syncs per step (the throughput benchmark checks this
against a plain PyTorch loop).
"""

from __future__ import annotations

import math
import time
from typing import Any

import lightning.pytorch as pl
import torch

from aekit.config import TrainConfig
from aekit.errors import TrainingError
from aekit.models.base import Autoencoder
from aekit.train.history import HistoryWriter

Tensor = torch.Tensor

NAN_CHECK_EVERY = 25  # steps between finiteness checks (each check is one host sync)


def make_optimizer(params: Any, cfg: TrainConfig) -> torch.optim.Optimizer:
    """adam | rmsprop | adadelta | sgd (momentum, nesterov), with weight decay."""
    wd = cfg.weight_decay
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=cfg.lr, weight_decay=wd)
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr, weight_decay=wd, momentum=0.0)
    if cfg.optimizer == "adadelta":
        return torch.optim.Adadelta(params, lr=cfg.lr, weight_decay=wd)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum,
                               nesterov=cfg.nesterov and cfg.momentum > 0, weight_decay=wd)
    raise ValueError(cfg.optimizer)  # validated in config


class AutoencoderSystem(pl.LightningModule):
    """Fits any :class:`~aekit.models.base.Autoencoder` on (input, target) batches."""

    def __init__(self, model: Autoencoder, cfg: TrainConfig,
                 history: HistoryWriter | None = None) -> None:
        super().__init__()
        self.model = model
        self.cfg = cfg
        self.history = history
        self._t_epoch = 0.0
        self._t_train = 0.0
        self._sums: dict[str, Tensor] = {}
        self._count = 0
        self._val_sums: dict[str, Tensor] = {}
        self._val_count = 0

    def forward(self, x: Tensor) -> dict[str, Tensor]:
        return self.model(x)

    # -- training -----------------------------------------------------------------
    def on_train_epoch_start(self) -> None:
        self._sums, self._count = {}, 0
        self._t_epoch = time.perf_counter()
        self._t_train = 0.0
        loader = self.trainer.train_dataloader
        if loader is not None and hasattr(loader, "dataset") and hasattr(loader.dataset,
                                                                          "set_epoch"):
            loader.dataset.set_epoch(self.current_epoch)

    def training_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> Tensor:
        x, target = batch
        terms = self.model.loss(self.model(x), target)
        self._accumulate(self._sums, terms, x.shape[0])
        self._count += x.shape[0]
        if batch_idx % NAN_CHECK_EVERY == 0 and not torch.isfinite(terms["loss"]).item():
            self._diverged(batch_idx)
        return terms["loss"]

    def _diverged(self, batch_idx: int) -> None:
        where = f"step {batch_idx}" if batch_idx >= 0 else "the end of the epoch"
        raise TrainingError(
            f"loss became NaN/inf at epoch {self.current_epoch + 1}, {where}; "
            f"lower the learning rate (now {self.cfg.lr:g}), try --loss mse, or set "
            f"train.grad_clip")

    def on_train_epoch_end(self) -> None:
        means = self._means(self._sums, self._count)
        if means and not math.isfinite(means["loss"]):
            self._diverged(-1)
        for k, v in means.items():
            self.log(f"train_{k}", v, on_epoch=True, sync_dist=True)
        opt = self.optimizers()
        lr = opt[0].param_groups[0]["lr"] if isinstance(opt, list) else opt.param_groups[0]["lr"]
        self.log("lr", lr, on_epoch=True)
        if self.history is not None and self.trainer.is_global_zero:
            train_s = self._t_train or (time.perf_counter() - self._t_epoch)
            row: dict[str, float | int] = {"epoch": self.current_epoch + 1}
            row.update({f"train_{k}": v for k, v in means.items()})
            row.update({k: float(v) for k, v in self.trainer.callback_metrics.items()
                        if k.startswith("val_")})
            row.update({"lr": lr, "seconds": time.perf_counter() - self._t_epoch,
                        "samples_per_s": self._count * self.trainer.world_size / train_s})
            self.history.append(row)

    # -- validation ---------------------------------------------------------------
    def on_validation_epoch_start(self) -> None:
        self._val_sums, self._val_count = {}, 0
        if self.trainer.training and self._t_epoch:
            self._t_train = time.perf_counter() - self._t_epoch

    def validation_step(self, batch: tuple[Tensor, Tensor], batch_idx: int) -> None:
        x, target = batch
        terms = self.model.loss(self.model(x), target)
        self._accumulate(self._val_sums, terms, x.shape[0])
        self._val_count += x.shape[0]

    def on_validation_epoch_end(self) -> None:
        means = self._means(self._val_sums, self._val_count)
        if means and not math.isfinite(means["loss"]) and not self.trainer.sanity_checking:
            self._diverged(-1)
        for k, v in means.items():
            self.log(f"val_{k}", v, on_epoch=True, prog_bar=(k == "loss"), sync_dist=True)

    # -- helpers ------------------------------------------------------------------
    @staticmethod
    def _accumulate(sums: dict[str, Tensor], terms: dict[str, Tensor], n: int) -> None:
        for k, v in terms.items():
            v = v.detach().float() * n
            sums[k] = sums[k] + v if k in sums else v

    @staticmethod
    def _means(sums: dict[str, Tensor], count: int) -> dict[str, float]:
        if count == 0:
            return {}
        return {k: float(v) / count for k, v in sums.items()}

    def configure_optimizers(self) -> Any:
        opt = make_optimizer(self.model.parameters(), self.cfg)
        sched = self.cfg.lr_schedule
        if sched == "none":
            return opt
        if sched == "cosine":
            s: Any = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.cfg.epochs)
        elif sched == "step":
            s = torch.optim.lr_scheduler.StepLR(opt, step_size=self.cfg.lr_step,
                                                gamma=self.cfg.lr_gamma)
        else:  # plateau
            s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=self.cfg.lr_gamma,
                                                           patience=2)
            return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "monitor": "val_loss"}}
        return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "epoch"}}
