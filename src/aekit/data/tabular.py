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
  ``sequence=COL`` — rows sharing a value of COL form one whole sequence;
  ``unseen=error|zeros`` — what a category outside the fitted ones becomes: all zeros
  (default) in the file's own test split, an error (default) in a file given to a
  trained run (see below).
* **Fitted state** (:class:`FittedTable`, one :class:`ColumnState` per feature column):
  column names and order, medians, means and standard deviations, RankGauss tables and
  one-hot category lists, all fitted on the train split. A run stores it
  (``RUN/preprocessing.json``, :mod:`aekit.rundata`) and *applies* it to any file given
  to the run later (:func:`apply_columns`) instead of refitting on that file, which would
  move every number the model reads. There, columns are matched by name; a trained
  column the file lacks, a text value in a numeric column and a category the run never
  saw are one-line errors (``?unseen=zeros`` encodes unseen categories as all zeros);
  columns the run did not use are ignored, said in one line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aekit.data.dataset import split_indices
from aekit.data.rankgauss import RankGauss
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


CSV_OPTIONS = ("label", "id", "scale", "window", "stride", "sequence", "unseen")
SCALES = ("standard", "rankgauss")
UNSEEN = ("error", "zeros")  # ?unseen=: what a category the run never saw becomes


def parse_csv_options(spec: str, query: str) -> dict[str, str]:
    """``label=COL&id=COL&scale=rankgauss&window=W&stride=S`` → a dict; DataError if bad."""
    opts: dict[str, str] = {}
    for item in query.split("&"):
        key, eq, value = item.partition("=")
        if key not in CSV_OPTIONS or not eq or not value:
            raise DataError(f"csv: unknown option {item!r} in {spec!r}; options are "
                            + ", ".join(f"?{k}=…" for k in CSV_OPTIONS))
        opts[key] = value
    if opts.get("unseen", "error") not in UNSEEN:
        raise DataError(f"csv: unseen={opts['unseen']!r} in {spec!r}; use unseen=zeros "
                        "or unseen=error")
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
             split: tuple[np.ndarray, np.ndarray] | None = None,
             fitted: FittedTable | None = None, unseen: str | None = None,
             optional: frozenset[str] = frozenset()) -> dict:
    """Read and encode a CSV table; returns the pieces of a vector :class:`Dataset`.

    Keys: ``x_train``, ``x_test`` (float32), ``y_train``, ``y_test`` (int64 or None),
    ``classes``, ``feature_names``, ``notes``, ``ids_train``, ``ids_test`` (str or None),
    ``fitted`` (the :class:`FittedTable` that encoded the rows).
    ``ids`` names a row-id column (not a feature); ``scale`` is ``standard`` or
    ``rankgauss`` for numeric columns; ``split`` overrides the seeded 80/20 split with
    explicit ``(train rows, test rows)`` (e.g. chronological for time series).

    Without ``fitted`` the encoding is fitted on the train rows. With ``fitted`` (a
    trained run's, see :func:`apply_columns`) nothing is refitted: columns are found by
    name, the run's statistics and categories applied, an unseen category refused
    (``unseen="error"``, the default then) or encoded as zeros (``"zeros"``, the default
    for the test split of a file fitted on itself), and the label mapped through
    the run's classes when it is the run's label column. ``optional`` names the options
    (``"label"``, ``"id"``) that came from the run rather than the user: such a column
    may be absent from the file (then there are no labels / ids, noted).
    """
    header, rows, lines = read_table(path)
    notes: list[str] = []
    for what, col in (("label", label), ("id", ids)):
        if col is not None and col not in header:
            if what in optional:
                notes.append(f"no {what} column {col!r} (the run's) in this file")
                label, ids = (None, ids) if what == "label" else (label, None)
                continue
            raise DataError(f"{path}: no {what} column {col!r}; the columns are "
                            f"{', '.join(header)}")
    if label is not None and label == ids:
        raise DataError(f"{path}: column {label!r} cannot be both the label and the row id")
    if fitted is not None:
        used = {c.name for c in fitted.columns}
        for what, col in (("label", label), ("id", ids)):
            if col in used:
                raise DataError(f"{path}: column {col!r} is a feature the run was trained on, "
                                f"so it cannot be the {what} (?{what}={col}) here")
    columns = {h: [r[j] for r in rows] for j, h in enumerate(header)}
    n = len(rows)
    train_idx, test_idx = split_indices(n) if split is None else split
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
        if fitted is not None and fitted.classes is not None \
                and label == fitted.options.get("label"):
            # the run's label column: its class indices stay the run's (a conditioned
            # model and data.train_classes read them); new values are numbered after them
            new = [c for c in classes if c not in set(fitted.classes)]
            classes = [*fitted.classes, *new]
            if new:
                notes.append(f"label values not seen in training, numbered after the run's "
                             f"{len(fitted.classes)} classes: {', '.join(new[:5])}"
                             + (f" and {len(new) - 5} more" if len(new) > 5 else ""))
        index = {c: k for k, c in enumerate(classes)}
        y = np.array([index[v] for v in raw], dtype=np.int64)
        y_train, y_test = y[train_idx], y[test_idx]
    if not columns:
        raise DataError(f"{path}: no feature columns besides the label {label!r}")

    if fitted is None:
        parsed: dict[str, np.ndarray] = {}  # numeric columns, parsed once for both steps
        states, fit_notes = fit_columns(path, columns, lines, train_idx, scale, parsed=parsed)
        fitted = FittedTable(options={}, columns=states, classes=classes)
        x, enc_notes = encode_columns(path, states, columns, lines, unseen=unseen or "zeros",
                                      parsed=parsed)
        imputed = [n for n in enc_notes if n.startswith("imputed")]
        notes += imputed + fit_notes + [n for n in enc_notes if n not in imputed]
    else:
        x, enc_notes = apply_columns(path, fitted, columns, lines, unseen=unseen or "error")
        notes += enc_notes
    names = fitted.feature_names
    return {
        "x_train": x[train_idx], "x_test": x[test_idx].reshape(len(test_idx), len(names)),
        "y_train": y_train, "y_test": y_test, "classes": classes,
        "feature_names": names, "notes": notes, "ids_train": ids_train, "ids_test": ids_test,
        "fitted": fitted,
    }


# -- the fitted encoding: fit on the train rows, apply to any rows -----------------------
@dataclass
class ColumnState:
    """How one column of a run's training table becomes features, fitted on its train rows.

    ``kind`` is ``"numeric"`` or ``"categorical"``. Numeric: missing values become
    ``median``, then ``(v - mean) / std`` (scale=standard; ``std`` is 1 for a constant
    column) or the column's fitted ``rankgauss`` map. Categorical: one-hot over
    ``categories`` in this order. Kept explicit so that a run can store it and apply it to
    new files instead of refitting on them.
    """

    name: str
    kind: str
    median: float = 0.0
    mean: float = 0.0
    std: float = 1.0
    rankgauss: RankGauss | None = None
    categories: list[str] = field(default_factory=list)

    @property
    def feature_names(self) -> list[str]:
        """The features this column becomes: its name, or ``name=category`` per category."""
        if self.kind == "numeric":
            return [self.name]
        return [f"{self.name}={c}" for c in self.categories]


@dataclass
class FittedTable:
    """Everything a ``csv:`` run's preprocessing learned: what new data must be encoded with.

    ``options``: the training spec's csv options (``label``, ``id``, ``scale``, ``window``,
    ``stride``, ``sequence``), which new data inherits; ``columns``: the feature columns in
    feature order, each a :class:`ColumnState`; ``classes``: the label classes, whose
    indices new data keeps. :meth:`to_json` / :meth:`from_json` give the run directory's
    form (JSON plus, for RankGauss, float64 tables kept beside it as arrays, no pickle).
    """

    options: dict[str, str]
    columns: list[ColumnState]
    classes: list[str] | None = None

    @property
    def feature_names(self) -> list[str]:
        """Every feature, in the order the model reads them."""
        return [f for c in self.columns for f in c.feature_names]

    def to_json(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """``(JSON object, named float64 arrays)``: numbers exact (JSON floats round-trip
        float64); RankGauss tables, one value per distinct training value and so as long
        as the train split, go to the arrays ``rankgauss.J.values`` / ``.gauss``."""
        cols: list[dict[str, Any]] = []
        arrays: dict[str, np.ndarray] = {}
        for j, c in enumerate(self.columns):
            if c.kind == "categorical":
                cols.append({"name": c.name, "kind": c.kind, "categories": list(c.categories)})
            elif c.rankgauss is not None:
                key = f"rankgauss.{j}"
                arrays[f"{key}.values"] = np.asarray(c.rankgauss.values[0], dtype=np.float64)
                arrays[f"{key}.gauss"] = np.asarray(c.rankgauss.gauss[0], dtype=np.float64)
                cols.append({"name": c.name, "kind": c.kind, "median": c.median,
                             "scale": "rankgauss", "table": key})
            else:
                cols.append({"name": c.name, "kind": c.kind, "median": c.median,
                             "scale": "standard", "mean": c.mean, "std": c.std})
        obj = {"format": FITTED_FORMAT, "source": "csv", "options": dict(self.options),
               "classes": self.classes, "feature_names": self.feature_names, "columns": cols}
        return obj, arrays

    @classmethod
    def from_json(cls, obj: Any, arrays: dict[str, np.ndarray]) -> FittedTable:
        """The inverse of :meth:`to_json`; ValueError (one line) when anything is off."""
        try:
            if not isinstance(obj, dict) or obj.get("source") != "csv":
                raise ValueError("not a csv: preprocessing record")
            if obj.get("format") != FITTED_FORMAT:
                raise ValueError(f"format {obj.get('format')!r}, this aekit reads "
                                 f"{FITTED_FORMAT}")
            options = {str(k): str(v) for k, v in obj["options"].items()}
            classes = obj.get("classes")
            classes = None if classes is None else [str(c) for c in classes]
            columns = []
            for c in obj["columns"]:
                name, kind = str(c["name"]), c["kind"]
                if kind == "categorical":
                    columns.append(ColumnState(name, kind,
                                               categories=[str(v) for v in c["categories"]]))
                elif kind == "numeric" and c["scale"] == "rankgauss":
                    values = np.asarray(arrays[f"{c['table']}.values"], dtype=np.float64)
                    gauss = np.asarray(arrays[f"{c['table']}.gauss"], dtype=np.float64)
                    if values.ndim != 1 or values.shape != gauss.shape or not len(values):
                        raise ValueError(f"RankGauss table of column {name!r} is malformed")
                    columns.append(ColumnState(name, kind, median=float(c["median"]),
                                               rankgauss=RankGauss([values], [gauss])))
                elif kind == "numeric":
                    columns.append(ColumnState(name, kind, median=float(c["median"]),
                                               mean=float(c["mean"]), std=float(c["std"])))
                else:
                    raise ValueError(f"column {name!r} has kind {kind!r}")
        except KeyError as exc:
            raise ValueError(f"missing entry {exc}") from None
        except (TypeError, AttributeError) as exc:
            raise ValueError(f"unexpected layout ({exc})") from None
        if not columns:
            raise ValueError("no columns")
        return cls(options=options, columns=columns, classes=classes)


FITTED_FORMAT = 1  # the version of FittedTable.to_json's layout


def fit_columns(path: Path, columns: dict[str, list[str]], lines: list[int],
                train_idx: np.ndarray, scale: str,
                parsed: dict[str, np.ndarray] | None = None
                ) -> tuple[list[ColumnState], list[str]]:
    """Decide each column's kind and fit its encoding on the ``train_idx`` rows only.

    Returns the states (in column order) and notes (constant columns, many categories);
    ``parsed``, when given, receives each numeric column as float64 (NaN where missing),
    so that :func:`encode_columns` need not parse it again.
    """
    states: list[ColumnState] = []
    notes: list[str] = []
    for name, values in columns.items():
        kind = _column_kind(path, name, values, lines)
        if kind == "numeric":
            col = _numbers(path, name, values, lines)
            if parsed is not None:
                parsed[name] = col
            tr = col[train_idx]
            if np.isnan(tr).all():
                raise DataError(f"{path}: column {name!r} has no values in the train split "
                                "(80% of rows); remove the column or fill it")
            med = float(np.nanmedian(tr))
            tr = np.where(np.isnan(tr), med, tr)
            if scale == "rankgauss":
                states.append(ColumnState(name, kind, median=med,
                                          rankgauss=RankGauss().fit(tr[:, None])))
                continue
            mean, std = float(tr.mean()), float(tr.std())
            if std == 0.0:
                notes.append(f"column {name!r} is constant in the train split; centred only")
                std = 1.0
            states.append(ColumnState(name, kind, median=med, mean=mean, std=std))
        else:
            cats = sorted({values[i].strip() for i in train_idx.tolist()
                           if not _is_missing(values[i])})
            if not cats:
                raise DataError(f"{path}: column {name!r} has no values in the train split "
                                "(80% of rows); remove the column or fill it")
            states.append(ColumnState(name, kind, categories=cats))
            if len(cats) > MANY_CATEGORIES:
                notes.append(f"column {name!r} has {len(cats)} categories (one-hot); if it is "
                             "an identifier, remove it")
    return states, notes


def _numbers(path: Path, name: str, values: list[str], lines: list[int]) -> np.ndarray:
    """A numeric column as float64 (NaN where missing); text or ±inf is a DataError."""
    col = np.empty(len(values))
    for i, v in enumerate(values):
        if _is_missing(v):
            col[i] = np.nan
            continue
        f = _as_float(v)
        if f is None:
            raise DataError(f"{path}: column {name!r} is numeric in the trained run, but line "
                            f"{lines[i]} has text {v.strip()!r}; fix the value or leave it "
                            f"empty (imputed with the training median)")
        col[i] = f
    bad = np.isinf(col)
    if bad.any():
        line = lines[int(np.argmax(bad))]
        raise DataError(f"{path}: column {name!r} has an infinite value (line {line}); "
                        "replace it with a finite number or leave it empty")
    return col


def encode_columns(path: Path, states: list[ColumnState], columns: dict[str, list[str]],
                   lines: list[int], *, unseen: str = "error",
                   parsed: dict[str, np.ndarray] | None = None
                   ) -> tuple[np.ndarray, list[str]]:
    """Encode ``columns`` (name → raw values) with fitted ``states``: ``(n, D)`` float32.

    Missing numeric values get the state's median; missing categorical values encode as
    all zeros; a category outside the state's list is a DataError naming the column, the
    value and its rows (``unseen="error"``), or all zeros (``"zeros"``, the training
    file's own test split). Notes count what was imputed or zeroed. ``parsed``: numeric
    columns already parsed by :func:`fit_columns`.
    """
    blocks: list[np.ndarray] = []
    imputed: list[tuple[str, int]] = []
    zeros: list[str] = []
    for st in states:
        values = columns[st.name]
        if st.kind == "numeric":
            col = parsed[st.name] if parsed and st.name in parsed \
                else _numbers(path, st.name, values, lines)
            n_nan = int(np.isnan(col).sum())
            if n_nan:
                col = np.where(np.isnan(col), st.median, col)
                imputed.append((st.name, n_nan))
            if st.rankgauss is not None:
                blocks.append(st.rankgauss.transform(col[:, None]))
            else:
                blocks.append(((col - st.mean) / st.std)[:, None])
            continue
        index = {c: k for k, c in enumerate(st.categories)}
        out = np.zeros((len(values), len(st.categories)))
        n_missing = 0
        unknown: dict[str, list[int]] = {}
        for i, v in enumerate(values):
            if _is_missing(v):
                n_missing += 1
                continue
            k = index.get(v.strip())
            if k is None:
                unknown.setdefault(v.strip(), []).append(i)
            else:
                out[i, k] = 1.0
        if unknown and unseen == "error":
            value, where = next(iter(unknown.items()))
            more = (f"; {len(unknown) - 1} other unseen value(s) too" if len(unknown) > 1
                    else "")
            known = ", ".join(st.categories[:8]) + (", …" if len(st.categories) > 8 else "")
            raise DataError(f"{path}: column {st.name!r} has category {value!r} in "
                            f"{len(where)} row(s) (first at line {lines[where[0]]}), not among "
                            f"the categories of the training rows ({known}){more}; map it to a "
                            f"known category, leave it empty (all zeros), or add "
                            f"?unseen=zeros to encode unseen categories as all zeros")
        blocks.append(out)
        n_unseen = sum(len(w) for w in unknown.values())
        if n_missing or n_unseen:
            zeros.append(f"{st.name} ({n_missing} missing, {n_unseen} unseen in train)")
    notes: list[str] = []
    if imputed:
        cols = ", ".join(f"{name} ({k})" for name, k in imputed)
        notes.append(f"imputed {sum(k for _, k in imputed)} missing numeric values with "
                     f"the train median: {cols}")
    if zeros:
        notes.append("categorical values encoded as all zeros (missing or not seen in the "
                     f"train split): {', '.join(zeros)}")
    return np.hstack(blocks).astype(np.float32), notes


def apply_columns(path: Path, fitted: FittedTable, columns: dict[str, list[str]],
                  lines: list[int], *, unseen: str = "error") -> tuple[np.ndarray, list[str]]:
    """Encode a new file's ``columns`` with a run's ``fitted`` table, refitting nothing.

    Columns are matched by name, so their order in the file does not matter. A column the
    run was trained on that the file lacks is a DataError naming it; columns the run did
    not use are ignored (said in one log line and a note): a file with more fields than
    the model reads is common (an extra id, a timestamp) and encodes unambiguously.
    """
    from aekit.log import LOG

    missing = [c.name for c in fitted.columns if c.name not in columns]
    if missing:
        trained = ", ".join(c.name for c in fitted.columns)
        raise DataError(f"{path}: no column {', '.join(map(repr, missing))}, which the run was "
                        f"trained on (its columns: {trained}); add "
                        f"{'it' if len(missing) == 1 else 'them'} (empty fields are allowed)")
    used = {c.name for c in fitted.columns}
    extra = [name for name in columns if name not in used]
    x, notes = encode_columns(path, fitted.columns, columns, lines, unseen=unseen)
    if extra:
        line = (f"{path.name}: ignored {len(extra)} column(s) the run was not trained on: "
                f"{', '.join(extra[:10])}" + (" …" if len(extra) > 10 else ""))
        LOG.info(line)
        notes.insert(0, line)
    return x, notes
