"""WebDataset shards (``aekit data shard``, ``shards:DIR``): the same pixels and labels as
the source, a shard-major order in which DDP ranks read disjoint shards, exact resume,
nothing half-written, and one line for what cannot be done."""

from __future__ import annotations

import csv
import json
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from aekit.cli import main
from aekit.config import RunConfig, set_key
from aekit.data import load_dataset
from aekit.data.shards import ShardStore
from aekit.errors import DataError
from tests.conftest import interrupt_training, make_blobs_images, one_error_line


@pytest.fixture
def source(tmp_path: Path) -> str:
    """100 train / 20 test uint8 blob images (1×8×8, 4 classes) as an ``npz:`` spec."""
    x_tr, y_tr = make_blobs_images(100, seed=1)
    x_te, y_te = make_blobs_images(20, seed=2)
    path = tmp_path / "blobs.npz"
    np.savez(path, x_train=np.round(x_tr * 255).astype(np.uint8), y_train=y_tr,
             x_test=np.round(x_te * 255).astype(np.uint8), y_test=y_te)
    return f"npz:{path}"


def _shard(source: str, out: Path, size: int = 10, **kw: object) -> dict:
    from aekit.data.catalog import shard

    return shard(source, out, shard_size=size, **kw)


def test_shards_hold_the_source_pixels_labels_and_a_fixed_validation_split(
        source: str, tmp_path: Path) -> None:
    from aekit.data.splits import hold_out, make_splits

    meta = _shard(source, tmp_path / "sh", val_fraction=0.1, seed=3)
    src = load_dataset(source)
    got = load_dataset(f"shards:{tmp_path / 'sh'}")
    assert [meta["splits"][s]["count"] for s in ("train", "val", "test")] == [90, 10, 20]
    assert [len(meta["splits"][s]["shards"]) for s in ("train", "val", "test")] == [9, 1, 2]
    assert got.x_train.mapped and got.x_test.mapped and got.classes == src.classes
    tr, va = hold_out(100, 0.1, 3, 1, "")
    order = np.random.default_rng([3, 1]).permutation(tr)  # training written shuffled
    rows = np.concatenate([order, va])
    assert np.array_equal(np.asarray(got.x_train), np.asarray(src.x_train)[rows])
    assert np.array_equal(got.y_train, src.y_train[rows])
    assert np.array_equal(np.asarray(got.x_test), np.asarray(src.x_test))
    assert np.array_equal(got.y_test, src.y_test)
    assert load_dataset(f"shards:{tmp_path / 'sh'}").fingerprint == got.fingerprint
    cfg = RunConfig()
    set_key(cfg, "data.source", f"shards:{tmp_path / 'sh'}")
    splits = make_splits(cfg.data, seed=0)  # the training seed does not move validation
    assert np.array_equal(np.asarray(splits.x_val), np.asarray(src.x_train)[np.sort(va)])
    assert len(splits.x_train) == 90 and splits.x_train.mapped
    # the tars are plain WebDataset: its own pipeline reads them
    import webdataset as wds

    first = next(iter(wds.WebDataset(str(tmp_path / "sh" / "train-000000.tar"),
                                     shardshuffle=False).decode()))
    assert first["__key__"] == "000000000" and int(first["cls"]) == src.y_train[order[0]]
    assert np.array_equal(first["npy"], np.asarray(src.x_train.raw)[order[0]])


def test_a_shard_store_indexes_like_an_array_and_reads_each_shard_once(
        source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit.data import shards

    _shard(source, tmp_path / "sh", size=7)
    store = load_dataset(f"shards:{tmp_path / 'sh'}").x_test.store
    ref = np.asarray(load_dataset(source).x_test.raw)
    assert isinstance(store, ShardStore) and store.shape == ref.shape
    reads: list[int] = []
    real = shards.read_shard
    monkeypatch.setattr(shards, "read_shard",
                        lambda s, *a: reads.append(s.first) or real(s, *a))
    for key in (0, -1, 19, slice(3, 17, 2), slice(None), np.array([19, 0, 7, 7, 13]),
                ref[:, 0, 0, 0] > 100, np.array([], dtype=np.int64), [-1, 2]):
        assert np.array_equal(store[key], ref[key]), key
    assert sorted(reads) == [0, 7, 14]  # kept decoded: no shard read twice
    for bad in (20, -21, np.array([0, 20]), 1.5):
        with pytest.raises(IndexError):
            store[bad]
    back = pickle.loads(pickle.dumps(store))
    assert not back._kept and np.array_equal(back[:], ref)  # pickles as its shard list


def _order(counts: list[int], world: int, epoch: int = 0, b: int = 4
           ) -> tuple[np.ndarray, int, np.ndarray]:
    from aekit.engine.batches import shard_major_order

    ids = np.repeat(np.arange(len(counts)), counts)
    order, per_rank = shard_major_order(ids, seed=5, epoch=epoch, world=world,
                                        batch_size=b, window=2)
    return order, per_rank, ids


def test_the_shard_major_order_gives_each_rank_its_own_shards_and_equal_batches() -> None:
    order, n_batches, _ = _order([8, 8, 8, 5], world=1)
    assert sorted(order.tolist()) == list(range(29)) and n_batches == 8  # all, last partial
    for epoch in (0, 1, 2):
        order, per_rank, ids = _order([8] * 6 + [5], world=2, epoch=epoch)
        # a rank may get 3 shards, the short one among them: 21 samples, 5 batches of 4
        assert per_rank == 5
        batches = order.reshape(-1, 4)  # batch k is rank k % 2's
        mine = [batches[r::2].reshape(-1) for r in (0, 1)]
        assert len(mine[0]) == len(mine[1]) == 20
        shards = [set(ids[m].tolist()) for m in mine]
        assert not shards[0] & shards[1]  # disjoint shards, so disjoint samples
        assert len(set(order.tolist())) == len(order)
    assert not np.array_equal(_order([8] * 4, 2, 0)[0], _order([8] * 4, 2, 1)[0])
    order, per_rank, _ = _order([8] * 4, world=2)
    assert sorted(order.tolist()) == list(range(32))  # equal shards: the whole epoch


def test_more_ranks_than_shards_is_one_line(source: str, tmp_path: Path) -> None:
    from aekit.engine.batches import BatchSet, batch_tensor
    from aekit.tasks.pairs import build_task

    _shard(source, tmp_path / "sh", size=40)  # 90 training samples in 3 shards
    x = load_dataset(f"shards:{tmp_path / 'sh'}").x_train.take(np.arange(90))
    train = BatchSet(batch_tensor(x), build_task(RunConfig().task), 8, shuffle=True,
                     seed=0, drop_last=True)
    train.set_world(3)  # shards of 40, 40 and 10: one each, the smallest fills 1 batch
    assert len(train) == 3 * 1
    with pytest.raises(DataError, match="3 shards for 4 ranks; write smaller shards"):
        train.set_world(4)


def _cfg(spec: str, **over: object) -> RunConfig:
    cfg = RunConfig()
    for key, value in {"data.source": spec, "model.name": "conv", "model.latent_dim": 4,
                       "train.epochs": 3, "train.batch_size": 8, "task.name": "denoise",
                       **over}.items():
        set_key(cfg, key, value)
    return cfg


def test_training_on_shards_is_reproducible_and_resumes_exactly(
        source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit.api import resume as resume_run
    from aekit.api import train as train_run

    def losses(run: Path) -> list[tuple[str, str]]:
        return [(r["train_loss"], r["val_loss"])
                for r in csv.DictReader((run / "history.csv").open())]

    _shard(source, tmp_path / "sh")
    spec = f"shards:{tmp_path / 'sh'}"
    full = train_run(_cfg(spec), tmp_path / "full", quiet=True, evaluate=False)
    workers = train_run(_cfg(spec, **{"train.num_workers": 2}), tmp_path / "workers",
                        quiet=True, evaluate=False)
    assert losses(workers) == losses(full) and len(losses(full)) == 3
    restore = interrupt_training(monkeypatch, epoch=1, batch=2)
    with pytest.raises(KeyboardInterrupt):
        train_run(_cfg(spec, **{"train.num_workers": 2}), tmp_path / "cut", quiet=True,
                  evaluate=False)
    restore()
    resumed = resume_run(tmp_path / "cut", quiet=True, evaluate=False)
    a, b = (load_file(str(r / "model.safetensors")) for r in (full, resumed))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert losses(resumed) == losses(full)


def test_a_sharded_run_evaluates_and_its_limit_and_classes_apply(source: str,
                                                                 tmp_path: Path) -> None:
    from aekit.data.splits import make_splits

    _shard(source, tmp_path / "sh")
    spec = f"shards:{tmp_path / 'sh'}"
    run = tmp_path / "run"
    assert main(["train", "--model", "dense", "--data", spec, "--latent-dim", "4",
                 "--epochs", "1", "--quiet", "--out", str(run)]) == 0
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["n"] == 20 and metrics["metrics"]["psnr"] > 0 and "pca" in metrics["baselines"]
    cfg = RunConfig()
    set_key(cfg, "data.source", spec)
    set_key(cfg, "data.limit", 30)
    part = make_splits(cfg.data, 0)
    assert (len(part.x_train), len(part.x_val)) == (27, 3)
    set_key(cfg, "data.limit", None)
    set_key(cfg, "data.train_classes", [2])
    part = make_splits(cfg.data, 0)
    assert set(part.y_train.tolist()) == set(part.y_val.tolist()) == {2}
    assert len(part.x_test) == 20  # the test split is never filtered


PROBE = '''
import json, os, sys
from aekit.engine import batches

real = batches.BatchSet.raw

def raw(self, key):
    out = real(self, key)
    if self.shuffle:  # training batches: which samples (and shards) this rank read
        with open(os.path.join(sys.argv[1], f"rank{os.environ.get('LOCAL_RANK', '0')}.jsonl"),
                  "a") as f:
            f.write(json.dumps([key[0], out.idx.tolist(),
                                self.shard_ids[out.idx.numpy()].tolist()]) + "\\n")
    return out

batches.BatchSet.raw = raw
from aekit.cli import main
sys.exit(main(sys.argv[2:]))
'''


def test_two_ddp_ranks_read_disjoint_shards_whose_union_is_the_epoch(
        source: str, tmp_path: Path) -> None:
    """2 CPU processes (gloo), a loader worker each, over 9 training shards of 10: in
    every epoch each rank reads its own shards only, the ranks read the same number of
    samples, disjoint, and together all but the shard the odd count leaves over."""
    _shard(source, tmp_path / "sh")
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    seen = tmp_path / "seen"
    seen.mkdir()
    cmd = [sys.executable, str(probe), str(seen), "train", "--model", "dense", "--data",
           f"shards:{tmp_path / 'sh'}", "--latent-dim", "4", "--accelerator", "cpu",
           "--devices", "2", "--strategy", "ddp", "--epochs", "2", "--batch-size", "5",
           "--set", "train.num_workers=1", "--no-eval", "--out", str(tmp_path / "ddp")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "2 ranks read disjoint shards (4–5 of 9 each" in proc.stderr
    assert "80 of 90 training samples per epoch" in proc.stderr
    ranks = [[json.loads(ln) for ln in (seen / f"rank{r}.jsonl").read_text().splitlines()]
             for r in (0, 1)]
    orders = []
    for epoch in (0, 1):
        got = [[i for e, idx, _ in rank if e == epoch for i in idx] for rank in ranks]
        shards = [{s for e, _, sh in rank if e == epoch for s in sh} for rank in ranks]
        assert len(got[0]) == len(got[1]) == 40, got  # 4 shards' worth, 8 batches each
        assert not shards[0] & shards[1]  # each rank reads only its own shards
        assert not set(got[0]) & set(got[1])  # so disjoint samples
        assert len(shards[0] | shards[1]) == 8 and len(set(got[0] + got[1])) == 80
        orders.append(shards)
    assert orders[0] != orders[1]  # the shards are dealt anew each epoch


def test_what_cannot_be_sharded_or_read_is_one_line(
        source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sh = tmp_path / "sh"
    assert main(["data", "shard", source, "--out", str(sh), "--shard-size", "10"]) == 0
    capsys.readouterr()
    assert main(["data", "shard", source, "--out", str(sh)]) == 2
    assert "already exists; shards are written into a new folder" in one_error_line(capsys)
    floats = tmp_path / "floats.npy"
    np.save(floats, np.random.default_rng(0).random((10, 1, 4, 4)).astype(np.float32))
    assert main(["data", "shard", f"npy:{floats}", "--out", str(tmp_path / "f")]) == 2
    assert "holds float values; shards hold 8-bit images" in one_error_line(capsys)
    assert main(["data", "shard", f"shards:{sh}", "--out", str(tmp_path / "again")]) == 2
    assert "is sharded already" in one_error_line(capsys)
    assert main(["data", "shard", source, "--out", str(tmp_path / "z"), "--shard-size",
                 "0"]) == 2
    assert "--shard-size must be at least 1" in one_error_line(capsys)
    assert not (tmp_path / "z").exists() and not (tmp_path / "f").exists()

    def train(spec: str, *more: str) -> str:
        out = tmp_path / f"run{len(list(tmp_path.iterdir()))}"
        assert main(["train", "--data", spec, "--model", "dense", "--epochs", "1",
                     "--quiet", "--out", str(out), *more]) == 2
        assert not out.exists()  # refused before the run directory is made
        return one_error_line(capsys)

    assert "no such directory" in train(f"shards:{tmp_path / 'nope'}")
    assert "no meta.json" in train(f"shards:{tmp_path}")
    assert "fixed validation split (0.1 of its training samples); set " \
           "data.val_fraction=0.1" in train(f"shards:{sh}", "--set", "data.val_fraction=0.2")
    assert "holds 8x8 images; remove data.image_size" in train(
        f"shards:{sh}", "--set", "data.image_size=16")
    _shard(source, tmp_path / "one", size=100)  # 90 training samples in one shard
    assert "1 shards for 2 ranks; write smaller shards" in train(
        f"shards:{tmp_path / 'one'}", "--accelerator", "cpu", "--devices", "1",
        "--num-nodes", "2")
    (sh / "train-000003.tar").write_bytes((sh / "train-000003.tar").read_bytes()[:-1024])
    assert "the shard was changed or cut short" in train(f"shards:{sh}")
    (sh / "train-000003.tar").unlink()
    assert "train-000003.tar: shard missing" in train(f"shards:{sh}")


def test_a_damaged_shard_is_one_line_when_it_is_read(source: str, tmp_path: Path) -> None:
    _shard(source, tmp_path / "sh")
    path = tmp_path / "sh" / "test-000001.tar"
    blob = bytearray(path.read_bytes())
    blob[600:700] = b"x" * 100  # same size, broken content
    path.write_bytes(bytes(blob))
    x = load_dataset(f"shards:{tmp_path / 'sh'}").x_test
    assert x[3].shape == (1, 8, 8)  # the first shard is fine
    with pytest.raises(DataError, match="test-000001.tar: damaged shard .its sha256 differs"):
        x[15]
    from aekit.data.shards import read_shard

    broken = x.store.shards[1]  # unchecked, WebDataset's tar reader meets the damage
    blob[0:100] = b"x" * 100
    path.write_bytes(bytes(blob))
    with pytest.raises(DataError, match="test-000001.tar: damaged shard .*write the shards"):
        read_shard(broken, (1, 8, 8), verify=False)


def test_an_interrupted_shard_write_leaves_nothing(source: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from aekit.data import shards

    calls = []
    real = shards._write_tar

    def write(*args: object) -> None:
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real(*args)

    monkeypatch.setattr(shards, "_write_tar", write)
    with pytest.raises(KeyboardInterrupt):
        _shard(source, tmp_path / "sh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blobs.npz"]
    killed = tmp_path / ".sh.partial-999999999"  # a writer that was killed (no such pid)
    killed.mkdir()
    monkeypatch.setattr(shards, "_write_tar", real)
    _shard(source, tmp_path / "sh")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blobs.npz", "sh"]


def test_without_webdataset_sharding_says_how_to_install_it(
        source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "webdataset", None)
    assert main(["data", "shard", source, "--out", str(tmp_path / "sh")]) == 2
    assert "pip install 'aekit[shards]'" in one_error_line(capsys)
