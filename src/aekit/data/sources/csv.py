"""``csv:PATH[?OPTIONS]``: a CSV table, as vectors or (with ``window``/``sequence``) sequences.

The options (``label``, ``id``, ``scale``, ``window``, ``stride``, ``sequence``,
``unseen``) are parsed here; the reading and encoding rules are the readers' own:
:mod:`aekit.data.tabular` for tables (numeric standardised, text one-hot, split 80/20)
and :mod:`aekit.data.timeseries` for sliding windows (split chronologically) or whole
sequences per id (seeded 80/20).

Every csv dataset carries the preprocessing fitted on its train split
(:attr:`CsvDataset.fitted`), which a run stores; :func:`load_for_run` reads another file
with a run's stored preprocessing *applied* (nothing refitted) and the run's options
inherited.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from aekit.data.dataset import Dataset
from aekit.data.sources.base import Source, file_fingerprint
from aekit.data.tabular import FittedTable, load_csv, parse_csv_options
from aekit.data.timeseries import load_sequences, load_windows
from aekit.errors import DataError
from aekit.registry import register_source

# options a file given to a run takes from the run's own spec unless it names them
INHERITED = ("label", "id", "scale", "window", "stride", "sequence")


@dataclass
class CsvDataset(Dataset):
    """A ``csv:`` dataset and the preprocessing that encoded it (fitted on its train
    split, or a run's applied to it): what a run must store to read new files alike."""

    fitted: FittedTable | None = None


def _split_spec(spec: str, arg: str | None) -> tuple[Path, dict[str, str]]:
    text = arg or ""
    opts: dict[str, str] = {}
    if "?" in text:
        text, _, query = text.rpartition("?")
        opts = parse_csv_options(spec, query)
    path = Path(text).expanduser()
    if path.is_dir():
        raise DataError(f"{path}: is a directory; csv: needs a .csv file")
    return path, opts


def _load(spec: str, path: Path, opts: dict[str, str], *, fitted: FittedTable | None,
          optional: frozenset[str], notes: list[str]) -> CsvDataset:
    label, scale = opts.get("label"), opts.get("scale", "standard")
    unseen = opts.get("unseen")
    kind = "vector"
    if "window" in opts or "sequence" in opts:  # time series → sequence samples
        kind = "sequence"
        if "sequence" in opts:
            parts = load_sequences(path, sequence=opts["sequence"], label=label,
                                   scale=scale, fitted=fitted, unseen=unseen,
                                   optional=optional)
        else:
            ints = {}
            for k in ("window", "stride"):
                try:
                    ints[k] = int(opts.get(k, "1"))
                except ValueError:
                    raise DataError(f"csv: {k} must be an integer, got "
                                    f"{opts[k]!r}") from None
            parts = load_windows(path, window=ints["window"], stride=ints["stride"],
                                 label=label, ids=opts.get("id"), scale=scale,
                                 fitted=fitted, unseen=unseen, optional=optional)
    else:
        parts = load_csv(path, label, ids=opts.get("id"), scale=scale, fitted=fitted,
                         unseen=unseen, optional=optional)
    extra = "&".join(f"{k}={v}" for k, v in sorted(opts.items()) if k != "label")
    fp = file_fingerprint(path, f"label={label}" + (f"&{extra}" if extra else ""))
    state = parts["fitted"]
    if fitted is None:  # what this file's training would store: the options it was read with
        state = replace(state, options={k: v for k, v in opts.items() if k in INHERITED})
    return CsvDataset(name=spec, kind=kind, x_train=parts["x_train"],
                      y_train=parts["y_train"], x_test=parts["x_test"], y_test=parts["y_test"],
                      classes=parts["classes"], origin=str(path.resolve()),
                      checksums={path.name: "unverified"}, fingerprint=fp,
                      feature_names=parts["feature_names"], notes=notes + parts["notes"],
                      ids_train=parts["ids_train"], ids_test=parts["ids_test"], fitted=state)


@register_source("csv")
class CsvSource(Source):
    """A CSV table (header row); ``csv:PATH?label=COL`` names an optional label column."""

    description = ("a CSV table with a header (csv:PATH?label=COL); numeric standardised, "
                   "text one-hot; split 80/20")
    takes_path = True
    kind = "vector"

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        path, opts = _split_spec(spec, arg)
        notes = []
        if image_size is not None or channels is not None:
            notes.append("image_size/channels ignored for vector data")
        return _load(spec, path, opts, fitted=None, optional=frozenset(), notes=notes)


def _layout(opts: dict[str, str]) -> str:
    if "window" in opts:
        return f"windows of {opts['window']} rows (?window={opts['window']})"
    if "sequence" in opts:
        return f"whole sequences (?sequence={opts['sequence']})"
    return "table rows (no ?window or ?sequence)"


def load_for_run(spec: str, fitted: FittedTable, *, run: str) -> CsvDataset:
    """Read ``spec`` (a ``csv:`` spec) with a run's ``fitted`` preprocessing applied.

    Options the spec does not give are the run's (``label``, ``id``, ``scale``,
    ``window``, ``stride``, ``sequence``); a ``scale`` or a layout (``window`` length,
    ``sequence`` instead of windows or rows) other than the run's is refused in one line,
    since the model reads those numbers; ``stride`` and the label / id column may differ.
    An inherited label or id column may be missing from the file (then it has none).
    ``run`` names the run in messages.
    """
    from aekit.data.sources import parse_spec

    name, arg, _ = parse_spec(spec)
    if name != "csv":
        raise DataError(f"{spec}: not a csv: spec")
    path, given = _split_spec(spec, arg)
    trained = fitted.options
    if given.get("scale", trained.get("scale", "standard")) != trained.get("scale", "standard"):
        raise DataError(f"{spec}: scale={given['scale']} differs from the run's scale="
                        f"{trained.get('scale', 'standard')} of the run in {run}; its fitted "
                        f"scaling is applied to new data: drop ?scale")
    layout = {k: given[k] for k in ("window", "sequence") if k in given}
    mine = {k: trained[k] for k in ("window", "sequence") if k in trained}
    if layout and (set(layout) != set(mine) or layout.get("window") != mine.get("window")):
        raise DataError(f"{spec}: the run in {run} was trained on {_layout(trained)}; this spec "
                        f"asks for {_layout(given)}, which its model cannot read: drop "
                        f"?window/?sequence to use the run's")
    inherited = {k: v for k, v in trained.items() if k in INHERITED and k not in given}
    opts = {**inherited, **given}
    optional = frozenset(k for k in ("label", "id") if k in inherited)
    return _load(spec, path, opts, fitted=fitted, optional=optional,
                 notes=[f"preprocessing of run {run} applied (not refitted)"])
