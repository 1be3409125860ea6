"""Multivariate time series from a CSV file, cut into sliding windows.

``csv:PATH?window=W[&stride=S][&id=COL][&scale=rankgauss][&label=COL]`` reads a table
whose rows are time steps (in file order) and whose columns are the variables, encodes
the columns exactly as :mod:`aekit.data.tabular` does (numeric standardised or
RankGauss-normalised, text one-hot; statistics from the train part only), and returns
windows of ``W`` consecutive rows: samples of shape ``(W, D)``, a *sequence* dataset.

Policies:

* **Chronological split**: the first 80 % of the rows are the train part, the last
  20 % the test part; windows never straddle the boundary, so no future row leaks into
  training and the test windows are the latest ones. (A random split of overlapping
  windows would put copies of test rows into training.)
* Windows start every ``S`` rows (default 1) within each part; a part shorter than one
  window is an error naming both lengths.
* ``id=COL``: a window's id is the id of its first row (else its first row's 0-based
  position in the file), so per-window scores can be traced back to time stamps.
* ``label=COL``: a window's label is the label of its last row.
* Every window has the same length ``W`` by construction.

``csv:PATH?sequence=COL`` instead reads *whole* sequences: the rows sharing a value of
``COL`` (in file order) form one sequence, its id is that value; whole sequences are
split 80/20 by the seeded permutation of :mod:`aekit.data.dataset`. Sequences of
unequal length are **refused** with one line naming the first offender and the lengths
(:func:`stack_sequences`) — aekit's sequence models take fixed-length samples, and
silent cutting or padding would change what is learned; cut windows of one length
instead (``?window=W``).

A run stores the fitted statistics with its window settings (``RUN/preprocessing.json``)
and applies them to a file given to it later, so new windows are scaled exactly as the
training windows were (:class:`aekit.data.tabular.FittedTable`).

Composite LSTM models (:mod:`aekit.models.lstm`) read the first ``W − F`` rows of a
window and reconstruct them and forecast the last ``F`` (``model.future_frames``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from aekit.errors import DataError

if TYPE_CHECKING:
    from aekit.data.tabular import FittedTable

TRAIN_FRACTION = 0.8


def _windows(x: np.ndarray, window: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, D) rows → ((m, window, D) windows, (m,) start rows)."""
    starts = np.arange(0, x.shape[0] - window + 1, stride)
    view = np.lib.stride_tricks.sliding_window_view(x, window, axis=0)  # (n-W+1, D, W)
    return np.ascontiguousarray(view[starts].transpose(0, 2, 1)), starts


def load_windows(path: Path, *, window: int, stride: int = 1, label: str | None = None,
                 ids: str | None = None, scale: str = "standard",
                 fitted: FittedTable | None = None, unseen: str | None = None,
                 optional: frozenset[str] = frozenset()) -> dict:
    """Read ``path`` and cut train / test windows; returns the pieces of a Dataset.

    The window statistics (per-column medians, means and deviations or RankGauss maps,
    one-hot categories) are fitted on the chronological train part and returned as
    ``fitted``; given a run's ``fitted`` instead, they are applied and nothing is
    refitted (``unseen`` and ``optional`` as in :func:`aekit.data.tabular.load_csv`).
    """
    from aekit.data.tabular import load_csv, read_table

    if window < 2:
        raise DataError(f"csv: window must be ≥ 2 rows, got {window}")
    if stride < 1:
        raise DataError(f"csv: stride must be ≥ 1, got {stride}")
    _, rows, _ = read_table(path)
    n = len(rows)
    n_train = int(round(n * TRAIN_FRACTION))
    if n_train < window or n - n_train < window:
        raise DataError(f"{path}: {n} rows give a train part of {n_train} and a test part of "
                        f"{n - n_train} rows (chronological 80/20), fewer than window={window}; "
                        f"use a shorter window or a longer series")
    split = (np.arange(n_train), np.arange(n_train, n))
    parts = load_csv(path, label, ids=ids, scale=scale, split=split, fitted=fitted,
                     unseen=unseen, optional=optional)
    out: dict = {"feature_names": parts["feature_names"], "classes": parts["classes"],
                 "notes": list(parts["notes"]), "fitted": parts["fitted"]}
    for part, offset in (("train", 0), ("test", n_train)):
        x, starts = _windows(parts[f"x_{part}"], window, stride)
        out[f"x_{part}"] = x.astype(np.float32)
        row_ids = parts[f"ids_{part}"]
        out[f"ids_{part}"] = (row_ids[starts] if row_ids is not None
                              else np.array([str(offset + s) for s in starts]))
        y = parts[f"y_{part}"]
        out[f"y_{part}"] = None if y is None else y[starts + window - 1]
    out["notes"].append(f"time series: {n} rows, chronological split at row {n_train}; "
                        f"windows of {window} rows every {stride}")
    return out


def load_sequences(path: Path, *, sequence: str, label: str | None = None,
                   scale: str = "standard", fitted: FittedTable | None = None,
                   unseen: str | None = None, optional: frozenset[str] = frozenset()
                   ) -> dict:
    """Whole sequences, one per distinct value of column ``sequence``; equal lengths only.

    Statistics are fitted on the train sequences' rows (returned as ``fitted``), or a
    run's ``fitted`` is applied, as in :func:`load_windows`.
    """
    from aekit.data.dataset import split_indices
    from aekit.data.tabular import load_csv, read_table

    header, rows, _ = read_table(path)
    if sequence not in header:
        raise DataError(f"{path}: no sequence column {sequence!r}; the columns are "
                        f"{', '.join(header)}")
    j = header.index(sequence)
    keys = [r[j].strip() for r in rows]
    order = list(dict.fromkeys(keys))  # sequence ids in order of first appearance
    members = {k: [] for k in order}
    for i, k in enumerate(keys):
        members[k].append(i)
    if len(order) < 2:
        raise DataError(f"{path}: column {sequence!r} holds {len(order)} sequence; need at "
                        "least 2 (one for the test split)")
    first = len(members[order[0]])
    for k in order:
        if len(members[k]) != first:
            lengths = sorted({len(v) for v in members.values()})
            raise DataError(f"{path}: sequences in column {sequence!r} have unequal lengths "
                            f"({k!r} has {len(members[k])} rows, {order[0]!r} has {first}; "
                            f"lengths {lengths[0]}..{lengths[-1]}); cut them into windows of "
                            f"one length with ?window=W (one series per file) or pad them")
    tr_seq, te_seq = split_indices(len(order))
    groups = {"train": [order[i] for i in tr_seq], "test": [order[i] for i in te_seq]}
    rows_of = {p: np.array([i for k in g for i in members[k]], dtype=np.int64)
               for p, g in groups.items()}
    parts = load_csv(path, label, ids=sequence, scale=scale,
                     split=(rows_of["train"], rows_of["test"]), fitted=fitted,
                     unseen=unseen, optional=optional - {"id"})
    out: dict = {"feature_names": parts["feature_names"], "classes": parts["classes"],
                 "notes": list(parts["notes"]), "fitted": parts["fitted"]}
    for part, names in groups.items():
        x, y, lo = parts[f"x_{part}"], parts[f"y_{part}"], 0
        seqs, labels = [], []
        for k in names:
            m = len(members[k])
            seqs.append(x[lo:lo + m])
            if y is not None:
                labels.append(y[lo + m - 1])
            lo += m
        out[f"x_{part}"] = stack_sequences(seqs, f"{path} (column {sequence!r})")
        out[f"ids_{part}"] = np.array(names)
        out[f"y_{part}"] = None if y is None else np.array(labels, dtype=np.int64)
    out["notes"].append(f"{len(order)} sequences from column {sequence!r}, split "
                        f"{len(groups['train'])}/{len(groups['test'])}")
    return out


def stack_sequences(seqs: Sequence[np.ndarray], what: str = "sequences") -> np.ndarray:
    """Stack sequences (each (T, …)) into one (N, T, …) array; all must have one length.

    aekit's sequence models take fixed-length samples, so sequences of unequal length
    are refused rather than silently cut or padded: the error names the first
    offender and says what to do (cut windows of one length, e.g. ``csv:…?window=W``).
    """
    if not seqs:
        raise DataError(f"{what}: no sequences given")
    arrs = [np.asarray(s) for s in seqs]
    first = arrs[0].shape
    for i, a in enumerate(arrs):
        if a.shape[1:] != first[1:]:
            raise DataError(f"{what}: sequence {i} has steps of shape {a.shape[1:]}, "
                            f"sequence 0 has {first[1:]}; every step needs the same variables")
        if a.shape[0] != first[0]:
            lengths = sorted({int(b.shape[0]) for b in arrs})
            raise DataError(f"{what}: sequences have unequal lengths (sequence {i} has "
                            f"{a.shape[0]} steps, sequence 0 has {first[0]}; lengths "
                            f"{lengths[0]}..{lengths[-1]}); cut them into windows of one length "
                            f"(e.g. csv:PATH?window={lengths[0]}) or pad them yourself")
    return np.stack(arrs).astype(np.float32)
