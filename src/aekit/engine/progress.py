"""How training shows its progress: epochs counted from 1 out of the total, both losses,
and an ETA — a bar on a terminal, lines in a log.

* On a terminal, :class:`EpochBar` is Lightning's tqdm bar with aekit's wording:
  ``epoch 3/20`` (Lightning counts from 0 and shows no total), the batch count and
  tqdm's own time left in the epoch, and the previous epoch's ``train_loss`` and
  ``val_loss``.
* Without one (logs, CI, a notebook's captured stderr), :class:`EpochLines` says, at
  most every :data:`EVERY` seconds, how far a long epoch is with its ETA; the
  per-epoch line (:class:`aekit.engine.history.HistoryWriter`) then gives the losses,
  the speed and the time left for the whole run.
"""

from __future__ import annotations

import time
from typing import Any

from lightning.pytorch.callbacks import Callback, TQDMProgressBar

from aekit.log import Progress, eta_text

EVERY = 30.0  # seconds between progress lines within one epoch, without a terminal


class EpochBar(TQDMProgressBar):
    """Lightning's tqdm bar, with epochs counted from 1 of the total and, from the second
    epoch on, the time left for the whole run (tqdm's own ETA is the epoch's)."""

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        """Note when (and at which epoch: a resume starts later) this fit started."""
        super().on_train_start(trainer, pl_module)
        self._t0, self._first = time.perf_counter(), trainer.current_epoch

    def on_train_epoch_start(self, trainer: Any, *args: Any) -> None:
        """Start the epoch's bar as ``epoch N/TOTAL · run M:SS left``."""
        super().on_train_epoch_start(trainer, *args)
        epoch, total = trainer.current_epoch, trainer.max_epochs
        text = f"epoch {epoch + 1}/{total}"
        done = epoch - getattr(self, "_first", epoch)
        left = eta_text(done, total - getattr(self, "_first", epoch),
                        time.perf_counter() - getattr(self, "_t0", time.perf_counter()))
        self.train_progress_bar.set_description(f"{text} · run {left}" if left else text)


class EpochLines(Callback):
    """Periodic ``[train] epoch 3/20: 1,200/3,750 batches, 1:10 left`` lines within an
    epoch longer than :data:`EVERY` seconds (shorter epochs say nothing here)."""

    def __init__(self, every: float | None = None) -> None:
        self.every = EVERY if every is None else every
        self.bar: Progress | None = None

    def on_train_epoch_start(self, trainer: Any, pl_module: Any) -> None:
        """Open the epoch's progress over its batches."""
        total = trainer.num_training_batches
        total = int(total) if total != float("inf") else 0
        self.bar = Progress("train", f"epoch {trainer.current_epoch + 1}/{trainer.max_epochs}",
                            total, "batches", every=self.every,
                            enabled=trainer.is_global_zero, lines=True)

    def on_train_batch_end(self, trainer: Any, *args: Any) -> None:
        """Count one batch."""
        if self.bar is not None:
            self.bar.update(1)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        """Close the epoch's progress."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
