"""``aekit models`` without importing torch: the preset table, cached per source state.

Every model family is one module of :mod:`aekit.models` that imports torch, so listing
the registered presets means importing torch — 1.6 s on an idle machine, 12 s on a
loaded one, for a table of names. The table only changes when those modules change, so
the first listing writes it to the cache (``$AEKIT_DATA/listing/``), keyed by aekit's
version and the name, size and modification time of every module of the models
package; later listings read it and import neither torch nor the models. A missing,
stale or unreadable cache falls back to importing the models, never to a wrong table.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

FIELDS = ("name", "family", "input", "description")


def _models_key() -> str | None:
    """A digest of the state of the models package's modules, or ``None`` if it cannot
    be found as plain files (a zip import: no caching then)."""
    import aekit

    spec = importlib.util.find_spec("aekit.models")
    places = list(spec.submodule_search_locations or []) if spec else []
    if not places:
        return None
    h = hashlib.sha256(aekit.__version__.encode())
    for place in places:
        for f in sorted(Path(place).rglob("*.py")):
            st = f.stat()
            h.update(f"{f.relative_to(place)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


def _cache_file(key: str) -> Path:
    from aekit.data.fetch.cache import cache_dir

    return cache_dir() / "listing" / f"models-{key}.json"


def _read(path: Path) -> list[dict[str, str]] | None:
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(rows, list) and rows and all(
        isinstance(r, dict) and all(isinstance(r.get(k), str) for k in FIELDS) for r in rows)
    return rows if ok else None


def model_rows() -> list[dict[str, str]]:
    """Every registered preset as ``{name, family, input, description}``, from the
    cache when the models package is unchanged since it was written."""
    key = _models_key()
    path = _cache_file(key) if key else None
    rows = _read(path) if path is not None else None
    if rows is not None:
        return rows
    from aekit.models import describe_models

    rows = [{k: str(r[k]) for k in FIELDS} for r in describe_models()]
    if path is not None:
        try:  # a read-only cache only costs the next listing its speed
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(json.dumps(rows), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass
    return rows


def format_rows(rows: list[dict[str, str]]) -> list[str]:
    """The table's lines, each column as wide as its longest entry plus two spaces."""
    widths = {k: max(len(r[k]) for r in rows) for k in FIELDS[:-1]}
    return ["  ".join(f"{r[k]:<{widths[k]}}" for k in FIELDS[:-1]) + "  " + r["description"]
            for r in rows]
