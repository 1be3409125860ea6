"""Streaming a folder from its prepared cache: the same data, the same training, exact
resume, nothing half-written, and one line for what cannot be done."""

from __future__ import annotations

import csv
import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from aekit.config import RunConfig, set_key
from aekit.data import load_dataset
from aekit.data.cache import prepared_root
from aekit.data.dataset import U8Images
from aekit.errors import ConfigError, DataError


@pytest.fixture
def photo_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two classes of 20 small JPEGs each (a bright channel per class) and one file that
    is not an image; the aekit cache moved into ``tmp_path``."""
    monkeypatch.setenv("AEKIT_DATA", str(tmp_path / "cache"))
    rng = np.random.default_rng(0)
    root = tmp_path / "imgs"
    for k, c in enumerate(("red", "blue")):
        (root / c).mkdir(parents=True)
        for i in range(20):
            px = rng.integers(0, 60, (12, 12, 3)).astype(np.uint8)
            px[..., 2 * k] += 180
            Image.fromarray(px).save(root / c / f"{i:02d}.jpg")
    (root / "red" / "notes.jpg").write_text("not a picture")
    return root


def _caches() -> list[Path]:
    root = prepared_root()
    return sorted(p for p in root.iterdir()) if root.exists() else []


def test_a_streamed_folder_holds_the_same_data_as_the_one_in_memory(photo_folder: Path
                                                                    ) -> None:
    spec = f"folder:{photo_folder}"
    mem = load_dataset(spec, image_size=8)
    assert not _caches() and not mem.x_train.mapped  # under the budget: decoded into RAM
    streamed = load_dataset(spec, image_size=8, memory_budget="0")
    assert streamed.x_train.mapped and streamed.x_test.mapped
    assert streamed.fingerprint == mem.fingerprint  # a run records the same data
    for a, b in ((mem.x_train, streamed.x_train), (mem.x_test, streamed.x_test)):
        assert np.array_equal(np.asarray(a), np.asarray(b))
        assert np.array_equal(a.raw, b.raw)
    assert np.array_equal(mem.y_train, streamed.y_train)
    assert np.array_equal(mem.y_test, streamed.y_test)
    assert streamed.classes == mem.classes == ["blue", "red"]
    assert any("notes.jpg" in n for n in streamed.notes)  # skipped, and said so
    # one complete cache; a prepared folder is read from it whatever the budget
    (cache,) = _caches()
    assert sorted(p.name for p in cache.iterdir()) == ["images.npy", "meta.json"]
    again = load_dataset(spec, image_size=8, memory_budget="inf")
    assert again.x_train.mapped and again.fingerprint == mem.fingerprint


def test_the_cache_is_read_without_decoding_and_rebuilt_when_a_file_changes(
        photo_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit.data.catalog import prepare

    spec = f"folder:{photo_folder}"
    first, written = prepare(spec, image_size=8, workers=1)
    assert written and not prepare(spec, image_size=8, workers=1)[1]
    prepare(spec, image_size=6, workers=1)  # another size is another cache, kept
    assert len(_caches()) == 2

    def no_decoding(*args: object, **kw: object) -> None:
        raise AssertionError("decoded an image although the cache is complete")

    monkeypatch.setattr("aekit.data.sources.folder.read_image", no_decoding)
    assert load_dataset(spec, image_size=8).x_train.mapped
    monkeypatch.undo()
    monkeypatch.setenv("AEKIT_DATA", str(first.path.parents[1]))
    img = photo_folder / "blue" / "03.jpg"
    os.utime(img, ns=(img.stat().st_atime_ns, img.stat().st_mtime_ns + 10**9))
    second, written = prepare(spec, image_size=8, workers=2)  # worker processes
    assert written and second.path != first.path
    assert not first.path.exists() and len(_caches()) == 2  # the outdated one is gone
    assert second.meta["parts"] == json.loads((second.path / "meta.json").read_text())["parts"]
    # a new modification time, the same bytes: the same data to a run
    assert load_dataset(spec, image_size=8).fingerprint == \
        load_dataset(spec, image_size=8, memory_budget="inf").fingerprint
    assert second.meta["parts"] == first.meta["parts"]


def test_an_interrupted_or_failing_write_leaves_no_cache(photo_folder: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    from aekit.data.sources import folder

    real = folder.read_image
    seen: list[str] = []

    def interrupted(path: str, rel: str, **kw: object) -> object:
        seen.append(rel)
        if len(seen) == 7:
            raise KeyboardInterrupt
        return real(path, rel, **kw)

    monkeypatch.setattr(folder, "read_image", interrupted)
    monkeypatch.setattr(folder, "usable_cores", lambda: 1)  # decode in this process
    with pytest.raises(KeyboardInterrupt):
        load_dataset(f"folder:{photo_folder}", image_size=8, memory_budget="0")
    assert _caches() == []  # neither a cache nor its staging folder
    monkeypatch.setattr(folder, "read_image", real)
    monkeypatch.setattr("aekit.data.cache.shutil.disk_usage",
                        lambda p: type("U", (), {"free": 100})())
    with pytest.raises(DataError, match=r"needs 0\.00 GB .* has 0\.00 GB free; .*AEKIT_DATA"):
        load_dataset(f"folder:{photo_folder}", image_size=8, memory_budget="0")
    assert _caches() == []


def test_mapped_images_pick_rows_without_copying_and_pickle_as_their_path(
        photo_folder: Path) -> None:
    ds = load_dataset(f"folder:{photo_folder}", image_size=8, memory_budget="0")
    x = ds.x_train
    ref = np.asarray(x)
    part = x.take(np.array([5, 0, 2]))
    assert part.mapped and part.store is x.store  # rows over the same mapped file
    assert np.array_equal(np.asarray(part), ref[[5, 0, 2]])
    assert np.array_equal(part[1:], ref[[0, 2]])
    assert np.array_equal(part[:, 0, 1], ref[[5, 0, 2], 0, 1])
    assert np.array_equal(x.take(slice(3))[np.array([2, 0])], ref[[2, 0]])
    assert part.min() == ref[[5, 0, 2]].min() and x.max() == ref.max()
    sub = ref[[5, 0, 2]]  # every kind of NumPy key reads what the float array holds
    for key in (0, -1, slice(1, 3), [2, 0], np.array([True, False, True]), (slice(None), 0),
                (0, Ellipsis, 1), (Ellipsis, 0), (None, 0), (slice(None, 2), [0, 1]),
                (slice(None), [0, 2]), sub > 0.5, ([0, 1], [0, 1]), (), Ellipsis,
                (-2, slice(None), 1), (slice(None, None, -1), 1, 2)):
        got, want = part[key], sub[key]
        assert got.shape == want.shape and np.array_equal(got, want), key
    blob = pickle.dumps(x)
    assert len(blob) < x.nbytes // 4 + 4096  # the path and the rows, not the pixels
    back = pickle.loads(blob)
    assert back.mapped and np.array_equal(np.asarray(back), ref)
    assert U8Images(x.store).nbytes == x.store.nbytes


def _cfg(source: str, **over: object) -> RunConfig:
    cfg = RunConfig()
    for key, value in {"data.source": source, "data.image_size": 8, "model.name": "conv",
                       "model.latent_dim": 4, "train.epochs": 3, "train.batch_size": 8,
                       "data.val_fraction": 0.25, "task.name": "denoise", **over}.items():
        set_key(cfg, key, value)
    return cfg


def test_streamed_training_with_loader_workers_matches_memory_and_resumes_exactly(
        photo_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Order and noise are a function of (seed, epoch, sample): worker processes reading
    the mapped file give the same losses as batches cut in RAM, and a run interrupted in
    its second epoch and resumed ends with the same weights."""
    from aekit.api import resume as resume_run
    from aekit.api import train as train_run
    from tests.conftest import interrupt_training

    def losses(run: Path) -> list[tuple[str, str]]:
        return [(r["train_loss"], r["val_loss"])
                for r in csv.DictReader((run / "history.csv").open())]

    spec = f"folder:{photo_folder}"
    mem = train_run(_cfg(spec), tmp_path / "mem", quiet=True, evaluate=False)
    held = train_run(_cfg(spec, **{"train.num_workers": 1}), tmp_path / "held", quiet=True,
                     evaluate=False)  # in RAM, batches cut in a worker
    assert _caches() == []
    streamed_cfg = _cfg(spec, **{"data.memory_budget": "0", "train.num_workers": 2})
    streamed = train_run(streamed_cfg, tmp_path / "streamed", quiet=True, evaluate=False)
    assert len(_caches()) == 1

    assert losses(streamed) == losses(mem) and len(losses(mem)) == 3
    assert losses(held) == losses(mem)
    restore = interrupt_training(monkeypatch, epoch=1, batch=1)
    with pytest.raises(KeyboardInterrupt):
        train_run(_cfg(spec, **{"data.memory_budget": "0", "train.num_workers": 2}),
                  tmp_path / "cut", quiet=True, evaluate=False)
    restore()
    resumed = resume_run(tmp_path / "cut", quiet=True, evaluate=False)
    a, b = (load_file(str(r / "model.safetensors")) for r in (streamed, resumed))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert losses(resumed) == losses(streamed)


def test_streamed_evaluation_fits_pca_on_a_subset(photo_folder: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit.evaluate import baselines

    monkeypatch.setattr(baselines, "PCA_MAX_STREAMED", 10)
    x = load_dataset(f"folder:{photo_folder}", image_size=8, memory_budget="0").x_train
    fit = baselines.pca_fit_rows(x, seed=0)
    assert fit.shape == (10, 3, 8, 8) and np.array_equal(fit, baselines.pca_fit_rows(x, 0))
    held = np.asarray(x)
    assert baselines.pca_fit_rows(held) is held  # data in RAM: the whole split, as before


def test_prepare_verb_says_what_it_made_and_refuses_what_it_cannot(
        photo_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from aekit.cli import main
    from tests.conftest import one_error_line

    spec = f"folder:{photo_folder}"
    assert main(["data", "prepare", spec, "--image-size", "8", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "40 images of 3×8×8" in out and "prepared in" in out and str(prepared_root()) in out
    assert main(["data", "prepare", spec, "--image-size", "8"]) == 0
    assert "already prepared" in capsys.readouterr().out
    assert main(["data", "prepare", "mnist"]) == 2
    assert "only folder:PATH can be prepared" in one_error_line(capsys)
    assert main(["data", "prepare", f"photos:{photo_folder}"]) == 2
    assert "native sizes" in one_error_line(capsys)
    assert main(["data", "prepare", f"folder:{photo_folder / 'nope'}"]) == 2
    assert "no such directory" in one_error_line(capsys)


@pytest.mark.parametrize("bad", ["lots", "-1GB", "120%", "4XB"])
def test_a_memory_budget_that_is_not_a_size_is_refused(bad: str) -> None:
    from aekit.config import validate

    cfg = RunConfig()
    set_key(cfg, "data.memory_budget", bad)
    with pytest.raises(ConfigError, match="is not a size; write e.g. 50%"):
        validate(cfg)
    set_key(cfg, "data.memory_budget", "2GiB")
    set_key(cfg, "train.num_workers", 99)
    with pytest.raises(ConfigError, match="train.num_workers must be 0…64"):
        validate(cfg)


PROBE = '''
import json, os, sys
from aekit.engine import batches

real = batches.BatchSet.raw

def raw(self, key):
    out = real(self, key)
    if self.shuffle:  # training batches: which samples this rank cut, in which epoch
        epoch = key[0] if isinstance(key, tuple) else self.epoch
        with open(os.path.join(sys.argv[1], f"rank{os.environ.get('LOCAL_RANK', '0')}.jsonl"),
                  "a") as f:
            f.write(json.dumps([epoch, out.idx.tolist()]) + "\\n")
    return out

batches.BatchSet.raw = raw
from aekit.cli import main
sys.exit(main(sys.argv[2:]))
'''


def test_two_ddp_ranks_stream_disjoint_samples_whose_union_is_the_epoch(
        photo_folder: Path, tmp_path: Path) -> None:
    """2 CPU processes (gloo) over one prepared cache, a loader worker each: in every
    epoch the ranks cut disjoint samples, together every training sample once, in a
    new order each epoch."""
    import subprocess
    import sys

    from aekit.data.catalog import prepare

    prepare(f"folder:{photo_folder}", image_size=8, workers=1)
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    seen = tmp_path / "seen"
    seen.mkdir()
    # 24 training samples in 6 batches of 4: 3 per rank, so the distributed sampler
    # needs no padding (it repeats batches to even out an odd count)
    cmd = [sys.executable, str(probe), str(seen), "train", "--model", "dense", "--data",
           f"folder:{photo_folder}", "--set", "data.image_size=8", "--latent-dim", "4",
           "--accelerator", "cpu", "--devices", "2", "--strategy", "ddp", "--epochs", "2",
           "--batch-size", "4", "--set", "data.val_fraction=0.25", "--set",
           "train.num_workers=1", "--no-eval", "--quiet", "--out", str(tmp_path / "ddp")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ranks = [[json.loads(ln) for ln in (seen / f"rank{r}.jsonl").read_text().splitlines()]
             for r in (0, 1)]
    n_train = 24  # 40 readable images: 8 test, 32 train, 8 of them validation
    orders = []
    for epoch in (0, 1):
        got = [sorted(i for e, idx in rank if e == epoch for i in idx) for rank in ranks]
        assert len(got[0]) == len(got[1]) == n_train // 2, got
        assert not set(got[0]) & set(got[1])  # disjoint
        assert sorted(got[0] + got[1]) == list(range(n_train))  # the whole epoch
        orders.append([i for e, idx in ranks[0] if e == epoch for i in idx])
    assert orders[0] != orders[1]  # reshuffled


def test_loader_workers_default_to_none_on_the_cpu_and_from_the_cores_on_a_gpu(
        photo_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit.engine.batches import batch_tensor, is_streamed, loader_workers

    mapped = batch_tensor(load_dataset(f"folder:{photo_folder}", image_size=8,
                                       memory_budget="0").x_train)
    held = batch_tensor(load_dataset(f"folder:{photo_folder}", image_size=6).x_train)
    assert is_streamed(mapped) and not is_streamed(held)  # split rows, in RAM
    monkeypatch.setattr("aekit.machine.usable_cores", lambda: 16)
    assert loader_workers(None, mapped, on_gpu=False) == 0  # the cores are the compute
    assert loader_workers(None, mapped, on_gpu=True) == 4
    assert loader_workers(None, held, on_gpu=True) == 0  # in RAM: cut in-process
    assert loader_workers(3, held, on_gpu=False) == 3  # asked for: given
    monkeypatch.setattr("aekit.machine.usable_cores", lambda: 1)
    assert loader_workers(None, mapped, on_gpu=True) == 1


def test_a_cache_folder_that_cannot_be_made_is_one_line(photo_folder: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("AEKIT_DATA points under a file")
    monkeypatch.setenv("AEKIT_DATA", str(blocker / "cache"))
    with pytest.raises(DataError, match="cannot write the prepared cache in .*; set AEKIT_DATA"):
        load_dataset(f"folder:{photo_folder}", image_size=8, memory_budget="0")


def test_a_full_disk_or_a_killed_writer_leaves_no_staging_folder(
        photo_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from aekit.data import cache

    root = prepared_root()
    root.mkdir(parents=True)
    dead = root / ".0123456789abcdef.partial-999999999"  # no such process
    dead.mkdir()
    (dead / "images.npy").write_bytes(b"half")

    def full(fd: int, offset: int, length: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache.os, "posix_fallocate", full, raising=False)
    with pytest.raises(DataError, match="No space left on device.*AEKIT_DATA"):
        load_dataset(f"folder:{photo_folder}", image_size=8, memory_budget="0")
    assert list(root.iterdir()) == []  # the dead writer's folder and ours are gone
