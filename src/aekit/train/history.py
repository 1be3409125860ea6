"""``history.csv``: one row per epoch, rewritten atomically after each epoch."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from aekit.io import atomic_write_text


class HistoryWriter:
    """Accumulates per-epoch rows and keeps ``history.csv`` in sync with them."""

    FIRST = ["epoch", "train_loss", "val_loss", "seconds", "samples_per_s", "lr"]

    def __init__(self, path: Path, keep_epochs: int | None = None) -> None:
        self.path = path
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
