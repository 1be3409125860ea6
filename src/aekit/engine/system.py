"""The Lightning "system": wraps a model (kept separate, per Lightning's style guide).

The system owns optimisation (optimizers, schedules, logging); the model owns the
architecture and its loss. Models are told apart by *capabilities*, never by name:

* ordinary models: one optimizer over all parameters, automatic optimisation;
* ``adversarial`` models (AAE, GAN): one optimizer per ``model.parameter_groups()``
  entry and manual optimisation — the model's ``adversarial_step`` runs its updates
  in order, each stepping only its own optimizer;
* ``condition`` models receive the batch labels as ``y``.

Per-step losses are summed on-device and logged once per epoch, so the loop costs no
host syncs per step (the throughput benchmark checks this against a plain loop).
"""

from __future__ import annotations

import math
import time
from typing import Any

import lightning.pytorch as pl
import torch

from aekit.capabilities import Capability
from aekit.config import OPTIMIZER_LR, OPTIMIZER_MOMENTUM, TrainConfig
from aekit.engine.batches import RawBatch, finish_batch, mix_seed
from aekit.engine.history import HistoryWriter
from aekit.errors import ConfigError, TrainingError
from aekit.models.base import Autoencoder
from aekit.tasks.pairs import Task

Tensor = torch.Tensor

NAN_CHECK_EVERY = 25  # steps between finiteness checks (each check is one host sync)


def make_optimizer(params: Any, cfg: TrainConfig, *, lr_scale: float = 1.0,
                   betas: tuple[float, float] | None = None) -> torch.optim.Optimizer:
    """adam | rmsprop | adadelta | sgd, with weight decay; momentum for sgd (and nesterov)
    and rmsprop. An unset lr or momentum takes the optimizer's default
    (:data:`aekit.config.OPTIMIZER_LR`, :data:`~aekit.config.OPTIMIZER_MOMENTUM`)."""
    base = cfg.lr if cfg.lr is not None else OPTIMIZER_LR[cfg.optimizer]
    momentum = cfg.momentum if cfg.momentum is not None else \
        OPTIMIZER_MOMENTUM.get(cfg.optimizer, 0.0)
    wd, lr = cfg.weight_decay, base * lr_scale
    if cfg.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd, betas=betas or (0.9, 0.999))
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, weight_decay=wd, momentum=momentum)
    if cfg.optimizer == "adadelta":
        return torch.optim.Adadelta(params, lr=lr, weight_decay=wd)
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=momentum,
                               nesterov=cfg.nesterov and momentum > 0, weight_decay=wd)
    raise ValueError(cfg.optimizer)  # validated in config


def _split_batch(batch: tuple[Tensor, ...]) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
    """(input, target[, labels]) → input, target, conditioning kwargs."""
    if len(batch) == 3:
        return batch[0], batch[1], {"y": batch[2]}
    return batch[0], batch[1], {}


class AutoencoderSystem(pl.LightningModule):
    """Fits any :class:`~aekit.models.base.Autoencoder` on (input, target) batches."""

    def __init__(self, model: Autoencoder, cfg: TrainConfig,
                 history: HistoryWriter | None = None, task: Task | None = None) -> None:
        super().__init__()
        self.model = model
        self.task = task  # pairs the batches loader workers send as they are stored
        self.cfg = cfg
        self.history = history
        self.adversarial = Capability.ADVERSARIAL in model.capabilities
        if self.adversarial:
            self.automatic_optimization = False
            if cfg.grad_clip is not None:
                raise ConfigError("train.grad_clip is not supported for adversarial models "
                                  "(each update has its own optimizer)")
            if cfg.lr_schedule == "plateau":
                raise ConfigError("lr_schedule=plateau needs one validation loss to follow; "
                                  "use cosine or step for adversarial models")
        self._t_epoch = 0.0
        self._step_logging = False
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
        self._step_logging = bool(self.trainer.loggers)
        # the rate used *during* this epoch: read before any epoch-end schedule steps it
        opts = self.optimizers()
        self._epoch_lr = float((opts if isinstance(opts, list) else [opts])[0]
                               .param_groups[0]["lr"])
        loader = self.trainer.train_dataloader
        if loader is not None and hasattr(loader, "dataset") and hasattr(loader.dataset,
                                                                          "set_epoch"):
            loader.dataset.set_epoch(self.current_epoch)
        self.model.on_train_epoch_start(self.current_epoch, self.trainer.max_epochs or 1)

    def on_before_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        """Pair a batch a loader worker sent as stored (:class:`RawBatch`), here in the
        trainer process and before it moves to the device."""
        if isinstance(batch, RawBatch):
            if self.task is None:  # pragma: no cover - a wiring bug
                raise RuntimeError("AutoencoderSystem needs its task to pair worker batches")
            return finish_batch(batch, self.task)
        return batch

    def training_step(self, batch: tuple[Tensor, ...], batch_idx: int) -> Tensor | None:
        x, target, cond = _split_batch(batch)
        if self.adversarial:
            # prior / latent draws are a pure function of (seed, epoch, batch): exact resume
            gen = torch.Generator(device=x.device).manual_seed(
                mix_seed(self.cfg.seed, self.current_epoch, batch_idx, 3))
            opts = self.optimizers()
            opts = opts if isinstance(opts, list) else [opts]
            named = dict(zip(self.model.parameter_groups(), opts, strict=True))
            terms = self.model.adversarial_step(x, target, named, self.manual_backward,
                                                generator=gen, **cond)
        else:
            terms = self.model.loss(self.model(x, **cond), target)
        self._accumulate(self._sums, terms, x.shape[0])
        self._count += x.shape[0]
        if self._step_logging:  # --logger: the loss per step too (Lightning thins it out)
            self.log("train_loss_step", terms["loss"].detach(), on_step=True, on_epoch=False)
        if batch_idx % NAN_CHECK_EVERY == 0 and not torch.isfinite(terms["loss"]).item():
            self._diverged(batch_idx)
        return None if self.adversarial else terms["loss"]

    def _diverged(self, batch_idx: int) -> None:
        where = f"step {batch_idx}" if batch_idx >= 0 else "the end of the epoch"
        lr = self.cfg.lr if self.cfg.lr is not None else OPTIMIZER_LR[self.cfg.optimizer]
        raise TrainingError(
            f"loss became NaN/inf at epoch {self.current_epoch + 1}, {where}; "
            f"lower the learning rate (now {lr:g}), try --loss mse, or set "
            f"train.grad_clip")

    def on_train_epoch_end(self) -> None:
        means = self._means(self._sums, self._count)
        if means and not math.isfinite(means["loss"]):
            self._diverged(-1)
        for k, v in means.items():
            self.log(f"train_{k}", v, on_epoch=True, prog_bar=(k == "loss"), sync_dist=True)
        lr = self._epoch_lr
        self.log("lr", lr, on_epoch=True, sync_dist=True)
        if self.adversarial:  # manual optimisation: step epoch schedules ourselves
            scheds = self.lr_schedulers()
            for s in scheds if isinstance(scheds, list) else [scheds] if scheds else []:
                s.step()
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

    def validation_step(self, batch: tuple[Tensor, ...], batch_idx: int) -> None:
        x, target, cond = _split_batch(batch)
        terms = self.model.step_terms(x, target, **cond)
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

    def _schedule(self, opt: torch.optim.Optimizer) -> Any:
        sched = self.cfg.lr_schedule
        if sched == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.cfg.epochs)
        if sched == "step":
            return torch.optim.lr_scheduler.StepLR(opt, step_size=self.cfg.lr_step,
                                                   gamma=self.cfg.lr_gamma)
        return torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=self.cfg.lr_gamma,
                                                          patience=2)

    def configure_optimizers(self) -> Any:
        if self.adversarial:
            opts = [make_optimizer(g["params"], self.cfg, lr_scale=g.get("lr_scale", 1.0),
                                   betas=g.get("betas"))
                    for g in self.model.parameter_groups().values()]
            if self.cfg.lr_schedule == "none":
                return opts
            return opts, [self._schedule(o) for o in opts]
        opt = make_optimizer(self.model.parameters(), self.cfg)
        if self.cfg.lr_schedule == "none":
            return opt
        s = self._schedule(opt)
        if self.cfg.lr_schedule == "plateau":
            return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "monitor": "val_loss"}}
        return {"optimizer": opt, "lr_scheduler": {"scheduler": s, "interval": "epoch"}}
