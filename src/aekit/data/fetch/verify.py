"""Checksums of cached files, and the record that spares re-hashing them.

Every cached file with a known sha256 is checked against it; a file without one (the
CIFAR batches) is trusted only if it came out of an md5-checked official archive.
Results are remembered in ``.verified.json`` in the dataset's cache folder, keyed by
size and mtime, so repeated loads do not re-hash tens of megabytes; a changed file
is hashed again. The record is written atomically and a read-only cache still loads
(it is simply re-hashed next time).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from aekit.data.fetch.cache import default_file_mode
from aekit.errors import DataError

VERIFIED = ".verified.json"


def sha256_file(path: Path) -> str:
    """sha256 hex digest of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def md5_file(path: Path) -> str:
    """md5 hex digest of a file, streamed (official archives publish md5 only)."""
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def load_records(directory: Path) -> dict[str, dict]:
    """The verification records of ``directory`` (``{}`` when absent or unreadable)."""
    try:
        data = json.loads((directory / VERIFIED).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_record(directory: Path, name: str, record: dict | None) -> None:
    """Store (or, with ``None``, forget) the record of file ``name``, atomically."""
    records = load_records(directory)
    if record is None:
        records.pop(name, None)
    else:
        records[name] = record
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".verified.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(records, f, indent=1, sort_keys=True)
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, directory / VERIFIED)
    except OSError:  # a read-only cache still loads; it just re-hashes next time
        Path(tmp).unlink(missing_ok=True)


def checksum_status(path: Path, expected: str | None, data: bytes | None = None,
                    dataset: str = "") -> str:
    """``"ok"`` or ``"unverified"`` for a cached file; :class:`DataError` on a mismatch.

    A file with a known digest is hashed (``data``, if given, must be its bytes) unless
    ``.verified.json`` already records this size and mtime as verified. A file without
    a known digest is ``"ok"`` only if it was vouched for at fetch time (extracted from
    an md5-checked official archive) and is unchanged since.
    """
    st = path.stat()
    rec = load_records(path.parent).get(path.name)
    same = bool(rec) and rec.get("size") == st.st_size and rec.get("mtime_ns") == st.st_mtime_ns
    if same and (expected is None or rec.get("sha256") == expected):
        return str(rec.get("status", "unverified"))
    reference = expected or (rec or {}).get("sha256")
    if reference is None:
        return "unverified"
    h = hashlib.sha256(data).hexdigest() if data is not None else sha256_file(path)
    if h != reference:
        fetch_cmd = f"`aekit data fetch {dataset}`" if dataset else "a fresh copy"
        raise DataError(f"{path}: sha256 mismatch (got {h[:16]}…, expected {reference[:16]}…): "
                        f"the file is corrupt or modified; delete it and get {fetch_cmd}")
    status = "ok" if expected or (rec or {}).get("status") == "ok" else "unverified"
    save_record(path.parent, path.name, {"size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                         "sha256": h, "status": status})
    return status
