"""``history.csv``: one row per epoch, rewritten atomically after each epoch."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from aekit.io import atomic_write_text


class HistoryWriter:
    """Accumulates per-epoch rows and keeps ``history.csv`` in sync with them."""

    FIRST = ["epoch", "train_loss", "val_loss", "seconds", "samples_per_s", "lr"]

    def __init__(self, path: Path, keep_epochs: int | None = None,
                 echo: Callable[[str], None] | None = None, total_epochs: int | None = None
                 ) -> None:
        self.path = path
        self.echo = echo
        self.total_epochs = total_epochs
        self.rows: list[dict[str, float | int]] = []
        if keep_epochs is not None and path.is_file():
            # resume: keep the rows of epochs the checkpoint already covers
            with path.open() as f:
                for row in csv.DictReader(f):
                    if int(row["epoch"]) <= keep_epochs:
                        self.rows.append({k: float(v) if v != "" else float("nan")
                                          for k, v in row.items()} | {"epoch": int(row["epoch"])})

    def append(self, row: dict[str, float | int]) -> None:
        self.rows = [r for r in self.rows if r["epoch"] != row["epoch"]] + [row]
        self._write()
        if self.echo is not None:
            of = f"/{self.total_epochs}" if self.total_epochs else ""
            parts = [f"epoch {row['epoch']}{of}"]
            parts += [f"{k}={row[k]:.5g}" for k in ("train_loss", "val_loss") if k in row]
            parts += [f"{row['seconds']:.1f}s", f"{row['samples_per_s']:,.0f} samples/s"]
            left = self.eta(int(row["epoch"]))
            if left:
                parts.append(left)
            self.echo("  ".join(parts))

    def eta(self, epoch: int) -> str:
        """``"0:42 left"`` for the epochs after ``epoch``, from the mean time of the
        epochs recorded so far; ``""`` after the last one (or without a total). Early
        stopping can end a run sooner than this says."""
        if not self.total_epochs or epoch >= self.total_epochs:
            return ""
        from aekit.log import eta_text

        seconds = [float(r["seconds"]) for r in self.rows if r.get("seconds") == r.get("seconds")]
        if not seconds:
            return ""
        mean = sum(seconds) / len(seconds)
        return eta_text(epoch, self.total_epochs, mean * epoch)

    def _write(self) -> None:
        keys = [k for k in self.FIRST if any(k in r for r in self.rows)]
        keys += sorted({k for r in self.rows for k in r} - set(keys))
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=keys, restval="")
        w.writeheader()
        for r in self.rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
        atomic_write_text(self.path, buf.getvalue())


def read_history(path: Path) -> list[dict[str, float]]:
    """Rows of ``history.csv`` as floats (empty cells → NaN)."""
    with path.open() as f:
        return [{k: float(v) if v != "" else float("nan") for k, v in row.items()}
                for row in csv.DictReader(f)]
