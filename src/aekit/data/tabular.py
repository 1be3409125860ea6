"""CSV tables → standardised float vectors, with every policy stated.

Policies (applied in this order; statistics come from the TRAIN split only, so the
test split never leaks into preprocessing):

* The first row is the header. Every row must have as many fields as the header.
* Missing values are empty fields and ``NA``, ``N/A``, ``NaN``, ``nan``, ``null``,
  ``None``, ``?`` (case-insensitive, surrounding spaces ignored).
* A column whose present values all parse as numbers is *numeric*; one where none do
  is *categorical*; a mix is an error naming the column and the first odd row.
  A column with no values at all (or none in the train split) is an error too.
  ``inf``/``-inf`` in a numeric column is an error (non-finite data).
* Numeric: missing values are imputed with the train-split median (counted per
  column in ``Dataset.notes``), then standardised with the train mean and standard
  deviation (a constant column, std 0, is only centred; noted).
* Categorical: one-hot over the categories seen in the train split, in sorted order;
  feature names are ``column=value``. A missing value, or a category that appears
  only in the test split, encodes as all zeros (counted in ``notes``).
* Label column (``csv:PATH?label=COL``): not a feature; its distinct values (sorted,
  numerically when all are integers) become ``classes``; a row without a label is an
  error (rows are never dropped silently).
* Split: 80/20 by the seeded permutation in :mod:`aekit.data.dataset` (time-series
  windows, :mod:`aekit.data.timeseries`, split chronologically instead).
* Options (``csv:PATH?key=value&…``, :func:`parse_csv_options`): ``label=COL``;
  ``id=COL`` — a row-id column, not a feature, kept next to the rows (``aekit encode``
  writes it); ``scale=standard|rankgauss`` — numeric columns standardised (default) or
  RankGauss-normalised (:mod:`aekit.data.rankgauss`, fitted on the train split);
  ``window=W[&stride=S]`` — sliding windows of W rows of a multivariate time series;
  ``sequence=COL`` — rows sharing a value of COL form one whole sequence.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from aekit.data.dataset import split_indices
from aekit.errors import DataError

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
MANY_CATEGORIES = 100


def _is_missing(v: str) -> bool:
    return v.strip().lower() in MISSING


def _as_float(v: str) -> float | None:
    try:
        return float(v)
    except ValueError:
        return None


def read_table(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    """Read a CSV file: ``(header, rows, line numbers)``; every row must match the header."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            first = f.readline()
            f.seek(0)
            # the delimiter is the most frequent of , ; TAB in the header line (default ,)
            delim = max(",;\t", key=lambda d: (first.count(d), d == ","))
            rows = list(csv.reader(f, delimiter=delim))
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a UTF-8 text file; save the table as UTF-8 CSV") from None
    except (OSError, csv.Error) as exc:
        raise DataError(f"{path}: cannot read CSV ({exc})") from None
    # drop only completely blank lines (no fields), which carry no data
    numbered = [(i + 1, r) for i, r in enumerate(rows) if r]
    if not numbered:
        raise DataError(f"{path}: the CSV file is empty; it needs a header row and data rows")
    header = [h.strip() for h in numbered[0][1]]
    if any(not h for h in header):
        raise DataError(f"{path}: the header row has an empty column name (column "
                        f"{header.index('') + 1}); name every column")
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise DataError(f"{path}: duplicate column names in the header: {', '.join(dup)}")
    body = numbered[1:]
    if not body:
        raise DataError(f"{path}: the CSV file has a header but no data rows")
    for line, r in body:
        if len(r) != len(header):
            raise DataError(f"{path}: line {line} has {len(r)} fields, the header has "
                            f"{len(header)}; fix that row")
    return header, [r for _, r in body], [line for line, _ in body]


def _column_kind(path: Path, name: str, values: list[str], lines: list[int]) -> str:
    """``"numeric"`` or ``"categorical"``; DataError for empty or mixed columns."""
    present = [(i, v) for i, v in enumerate(values) if not _is_missing(v)]
    if not present:
        raise DataError(f"{path}: column {name!r} has no values (all empty or NaN); "
                        "remove the column")
    numeric = [_as_float(v) is not None for _, v in present]
    n_num = sum(numeric)
    if 0 < n_num < len(present):
        majority_numeric = n_num * 2 >= len(present)
        i, v = next(p for p, ok in zip(present, numeric, strict=True) if ok != majority_numeric)
        what = "text" if majority_numeric else "a number"
        raise DataError(f"{path}: column {name!r} mixes numbers and text (line {lines[i]} has "
                        f"{what} {v.strip()!r}); make the column all numbers or all text")
    return "numeric" if n_num else "categorical"


def _sort_labels(values: list[str]) -> list[str]:
    try:
        return sorted(values, key=lambda v: (float(v), v))
    except ValueError:
        return sorted(values)


CSV_OPTIONS = ("label", "id", "scale", "window", "stride", "sequence")
SCALES = ("standard", "rankgauss")


def parse_csv_options(spec: str, query: str) -> dict[str, str]:
    """``label=COL&id=COL&scale=rankgauss&window=W&stride=S`` → a dict; DataError if bad."""
    opts: dict[str, str] = {}
    for item in query.split("&"):
        key, eq, value = item.partition("=")
        if key not in CSV_OPTIONS or not eq or not value:
            raise DataError(f"csv: unknown option {item!r} in {spec!r}; options are "
                            + ", ".join(f"?{k}=…" for k in CSV_OPTIONS))
        opts[key] = value
    if opts.get("scale", "standard") not in SCALES:
        raise DataError(f"csv: scale={opts['scale']!r} in {spec!r}; use scale=standard or "
                        "scale=rankgauss")
    if "sequence" in opts and ("window" in opts or "id" in opts):
        raise DataError(f"csv: ?sequence=COL cannot be combined with ?window or ?id (the "
                        f"sequence column is the id) in {spec!r}")
    if "stride" in opts and "window" not in opts:
        raise DataError(f"csv: ?stride needs ?window (sliding windows) in {spec!r}")
    return opts


def load_csv(path: Path, label: str | None = None, *, ids: str | None = None,
             scale: str = "standard",
             split: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
    """Read and encode a CSV table; returns the pieces of a vector :class:`Dataset`.

    Keys: ``x_train``, ``x_test`` (float32), ``y_train``, ``y_test`` (int64 or None),
    ``classes``, ``feature_names``, ``notes``, ``ids_train``, ``ids_test`` (str or None).
    ``ids`` names a row-id column (not a feature); ``scale`` is ``standard`` or
    ``rankgauss`` for numeric columns; ``split`` overrides the seeded 80/20 split with
    explicit ``(train rows, test rows)`` (e.g. chronological for time series).
    """
    header, rows, lines = read_table(path)
    for what, col in (("label", label), ("id", ids)):
        if col is not None and col not in header:
            raise DataError(f"{path}: no {what} column {col!r}; the columns are "
                            f"{', '.join(header)}")
    if label is not None and label == ids:
        raise DataError(f"{path}: column {label!r} cannot be both the label and the row id")
    columns = {h: [r[j] for r in rows] for j, h in enumerate(header)}
    n = len(rows)
    train_idx, test_idx = split_indices(n) if split is None else split
    notes: list[str] = []
    ids_train = ids_test = None
    if ids is not None:
        raw_ids = np.array([v.strip() for v in columns.pop(ids)])
        ids_train, ids_test = raw_ids[train_idx], raw_ids[test_idx]

    y_train = y_test = None
    classes = None
    if label is not None:
        raw = [v.strip() for v in columns.pop(label)]
        bad = [lines[i] for i, v in enumerate(raw) if _is_missing(v)]
        if bad:
            raise DataError(f"{path}: {len(bad)} rows have no value in label column "
                            f"{label!r} (first at line {bad[0]}); fill or remove them")
        classes = _sort_labels(sorted(set(raw)))
        index = {c: k for k, c in enumerate(classes)}
        y = np.array([index[v] for v in raw], dtype=np.int64)
        y_train, y_test = y[train_idx], y[test_idx]
    if not columns:
        raise DataError(f"{path}: no feature columns besides the label {label!r}")

    blocks_train: list[np.ndarray] = []
    blocks_test: list[np.ndarray] = []
    names: list[str] = []
    imputed: list[tuple[str, int]] = []
    zeros: list[str] = []
    for name, values in columns.items():
        kind = _column_kind(path, name, values, lines)
        if kind == "numeric":
            col = np.array([np.nan if _is_missing(v) else float(v) for v in values])
            bad = np.isinf(col)
            if bad.any():
                line = lines[int(np.argmax(bad))]
                raise DataError(f"{path}: column {name!r} has an infinite value (line {line}); "
                                "replace it with a finite number or leave it empty")
            tr, te = col[train_idx], col[test_idx]
            if np.isnan(tr).all():
                raise DataError(f"{path}: column {name!r} has no values in the train split "
                                "(80% of rows); remove the column or fill it")
            n_nan = int(np.isnan(col).sum())
            if n_nan:
                med = float(np.nanmedian(tr))
                tr = np.where(np.isnan(tr), med, tr)
                te = np.where(np.isnan(te), med, te)
                imputed.append((name, n_nan))
            if scale == "rankgauss":
                from aekit.data.rankgauss import RankGauss

                rg = RankGauss().fit(tr[:, None])
                blocks_train.append(rg.transform(tr[:, None]))
                blocks_test.append(rg.transform(te[:, None]))
                names.append(name)
                continue
            mean, std = float(tr.mean()), float(tr.std())
            if std == 0.0:
                notes.append(f"column {name!r} is constant in the train split; centred only")
                std = 1.0
            blocks_train.append(((tr - mean) / std)[:, None])
            blocks_test.append(((te - mean) / std)[:, None])
            names.append(name)
        else:
            vals = np.array([None if _is_missing(v) else v.strip() for v in values], dtype=object)
            cats = sorted({v for v in vals[train_idx] if v is not None})
            if not cats:
                raise DataError(f"{path}: column {name!r} has no values in the train split "
                                "(80% of rows); remove the column or fill it")
            index = {c: k for k, c in enumerate(cats)}

            def onehot(part: np.ndarray, cats: list[str] = cats,
                       index: dict[str, int] = index) -> np.ndarray:
                out = np.zeros((len(part), len(cats)))
                for i, v in enumerate(part):
                    k = index.get(v) if v is not None else None
                    if k is not None:
                        out[i, k] = 1.0
                return out

            tr, te = vals[train_idx], vals[test_idx]
            blocks_train.append(onehot(tr))
            blocks_test.append(onehot(te))
            names.extend(f"{name}={c}" for c in cats)
            n_missing = sum(v is None for v in vals)
            n_unseen = sum(v is not None and v not in index for v in te)
            if n_missing or n_unseen:
                zeros.append(f"{name} ({n_missing} missing, {n_unseen} unseen in train)")
            if len(cats) > MANY_CATEGORIES:
                notes.append(f"column {name!r} has {len(cats)} categories (one-hot); if it is "
                             "an identifier, remove it")
    if imputed:
        cols = ", ".join(f"{name} ({k})" for name, k in imputed)
        notes.insert(0, f"imputed {sum(k for _, k in imputed)} missing numeric values with "
                        f"the train median: {cols}")
    if zeros:
        notes.append("categorical values encoded as all zeros (missing or not seen in the "
                     f"train split): {', '.join(zeros)}")
    return {
        "x_train": np.hstack(blocks_train).astype(np.float32),
        "x_test": np.hstack(blocks_test).astype(np.float32).reshape(len(test_idx), len(names)),
        "y_train": y_train, "y_test": y_test, "classes": classes,
        "feature_names": names, "notes": notes, "ids_train": ids_train, "ids_test": ids_test,
    }
