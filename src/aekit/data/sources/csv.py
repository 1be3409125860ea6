"""``csv:PATH[?OPTIONS]``: a CSV table, as vectors or (with ``window``/``sequence``) sequences.

The options (``label``, ``id``, ``scale``, ``window``, ``stride``, ``sequence``) are
parsed here; the reading and encoding rules are the readers' own:
:mod:`aekit.data.tabular` for tables (numeric standardised, text one-hot, split 80/20)
and :mod:`aekit.data.timeseries` for sliding windows (split chronologically) or whole
sequences per id (seeded 80/20).
"""

from __future__ import annotations

from pathlib import Path

from aekit.data.dataset import Dataset
from aekit.data.sources.base import Source, file_fingerprint
from aekit.data.tabular import load_csv, parse_csv_options
from aekit.data.timeseries import load_sequences, load_windows
from aekit.errors import DataError
from aekit.registry import register_source


@register_source("csv")
class CsvSource(Source):
    """A CSV table (header row); ``csv:PATH?label=COL`` names an optional label column."""

    description = ("a CSV table with a header (csv:PATH?label=COL); numeric standardised, "
                   "text one-hot; split 80/20")
    takes_path = True
    kind = "vector"

    def load(self, spec: str, arg: str | None, *, image_size: int | None,
             channels: int | None) -> Dataset:
        text = arg or ""
        opts: dict[str, str] = {}
        if "?" in text:
            text, _, query = text.rpartition("?")
            opts = parse_csv_options(spec, query)
        label, scale = opts.get("label"), opts.get("scale", "standard")
        path = Path(text).expanduser()
        if path.is_dir():
            raise DataError(f"{path}: is a directory; csv: needs a .csv file")
        kind = "vector"
        if "window" in opts or "sequence" in opts:  # time series → sequence samples
            kind = "sequence"
            if "sequence" in opts:
                parts = load_sequences(path, sequence=opts["sequence"], label=label,
                                       scale=scale)
            else:
                ints = {}
                for k in ("window", "stride"):
                    try:
                        ints[k] = int(opts.get(k, "1"))
                    except ValueError:
                        raise DataError(f"csv: {k} must be an integer, got "
                                        f"{opts[k]!r}") from None
                parts = load_windows(path, window=ints["window"], stride=ints["stride"],
                                     label=label, ids=opts.get("id"), scale=scale)
        else:
            parts = load_csv(path, label, ids=opts.get("id"), scale=scale)
        extra = "&".join(f"{k}={v}" for k, v in sorted(opts.items()) if k != "label")
        fp = file_fingerprint(path, f"label={label}" + (f"&{extra}" if extra else ""))
        notes = parts["notes"]
        if image_size is not None or channels is not None:
            notes.append("image_size/channels ignored for vector data")
        return Dataset(name=spec, kind=kind, x_train=parts["x_train"],
                       y_train=parts["y_train"], x_test=parts["x_test"], y_test=parts["y_test"],
                       classes=parts["classes"], origin=str(path.resolve()),
                       checksums={path.name: "unverified"}, fingerprint=fp,
                       feature_names=parts["feature_names"], notes=notes,
                       ids_train=parts["ids_train"], ids_test=parts["ids_test"])
