"""Checkpoints written so that a failed save never destroys the previous one.

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
