"""Checkpoints that a failed save cannot destroy and a moved run directory cannot confuse.

Lightning's own writer stages a checkpoint in ``$TMPDIR`` and moves it into place; when
the run directory is on another filesystem the move is a copy over ``last.ckpt``, so a
kill or a full disk during it left an empty or truncated file — the only resumable
checkpoint gone. Here the new file is written beside the old one (same directory, so the
same filesystem), flushed to disk, and renamed over it with ``os.replace``, which is
atomic: a reader sees the old checkpoint or the new one, never a part. A failed write
removes its temporary file and keeps the previous checkpoint.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from lightning.fabric.plugins.io.torch_io import TorchCheckpointIO
from lightning.pytorch.callbacks import ModelCheckpoint


class AtomicCheckpointIO(TorchCheckpointIO):
    """TorchCheckpointIO whose saves are a same-directory temp file + ``os.replace``."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any,
                        storage_options: Any | None = None) -> None:
        if storage_options is not None:
            raise TypeError("AtomicCheckpointIO takes no storage_options")
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as f:
                torch.save(checkpoint, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise



class RunCheckpoint(ModelCheckpoint):
    """ModelCheckpoint whose state follows the run directory.

    Lightning forgets the best score when the checkpoint folder's path differs from the
    one it recorded (``mv runs/x runs/y`` between an interrupt and the resume): the next
    epoch then counted as the best whatever its loss, and ``model.safetensors`` held a
    worse epoch than ``history.csv`` marks. The files live in this folder under the same
    names, so their recorded paths are mapped into it and the state is restored in full.
    The state key stays ModelCheckpoint's, so checkpoints written before still resume.
    """

    @property
    def state_key(self) -> str:
        return "ModelCheckpoint" + repr({
            "monitor": self.monitor, "mode": self.mode,
            "every_n_train_steps": self._every_n_train_steps,
            "every_n_epochs": self._every_n_epochs,
            "train_time_interval": self._train_time_interval})

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        old, new = state_dict.get("dirpath"), self.dirpath
        if old and new and os.path.normpath(str(old)) != os.path.normpath(str(new)):

            def here(p: Any) -> Any:
                return os.path.join(str(new), os.path.basename(str(p))) if p else p

            state_dict = {**state_dict, "dirpath": new}
            for key in ("best_model_path", "kth_best_model_path", "last_model_path"):
                if key in state_dict:
                    state_dict[key] = here(state_dict[key])
            if "best_k_models" in state_dict:
                state_dict["best_k_models"] = {here(k): v for k, v in
                                               state_dict["best_k_models"].items()}
        super().load_state_dict(state_dict)
