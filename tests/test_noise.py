"""Noise is keyed per sample: batch size and batch composition do not change it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from aekit.config import TaskConfig
from aekit.data.corruptions import parse_corruption, sample_noise
from aekit.engine.batches import BatchSet
from aekit.tasks.infer import corrupted_inputs
from aekit.tasks.pairs import build_task


@pytest.mark.parametrize("spec", ["gaussian:0.35", "salt-pepper:0.2", "mask:0.3",
                                  "gaussian-add:0.5,0.5"])
def test_evaluation_noise_does_not_depend_on_the_batch_size(spec: str) -> None:
    task = build_task(TaskConfig(name="denoise", noise=spec))
    x = np.random.default_rng(0).random((37, 1, 6, 6), dtype=np.float32)
    big = corrupted_inputs(task, x, seed=5, batch_size=512)
    small = corrupted_inputs(task, x, seed=5, batch_size=7)
    assert np.array_equal(big, small) and not np.array_equal(big, x)
    idx = np.array([30, 2, 17])  # a subset, out of order: each keeps its own noise
    assert np.array_equal(corrupted_inputs(task, x[idx], seed=5, index=idx), big[idx])
    assert not np.array_equal(corrupted_inputs(task, x, seed=6), big)  # the seed matters


def test_validation_batches_carry_the_evaluation_noise() -> None:
    task = build_task(TaskConfig(name="denoise", noise="gaussian:0.35"))
    x = np.random.default_rng(1).random((20, 1, 4, 4), dtype=np.float32)
    val = BatchSet(torch.from_numpy(x), task, 6, shuffle=False, seed=9)
    loader = np.concatenate([val[i][0].numpy() for i in range(len(val))])
    assert np.array_equal(loader, corrupted_inputs(task, x, seed=9))


def test_training_noise_follows_the_sample_not_its_position() -> None:
    """Shuffled training: sample j's noise in epoch e is the same whatever batch it is in."""
    task = build_task(TaskConfig(name="denoise", noise="gaussian-add:0,1"))
    x = torch.zeros(24, 3)
    a = BatchSet(x, task, 5, shuffle=True, seed=3)
    b = BatchSet(x, task, 8, shuffle=True, seed=3)
    for bs in (a, b):
        bs.set_epoch(2)

    def by_sample(bs: BatchSet) -> torch.Tensor:
        out = torch.empty(24, 3)
        for i in range(len(bs)):
            out[bs.raw(i).idx] = bs[i][0]  # each sample's row, wherever its batch put it
        return out

    assert torch.equal(by_sample(a), by_sample(b))
    b.set_epoch(3)
    assert not torch.equal(by_sample(a), by_sample(b))  # fresh noise each epoch


def test_sample_noise_statistics() -> None:
    zeros = torch.zeros(2000, 500)
    n = sample_noise(11, torch.arange(2000)).randn(zeros)
    u = sample_noise(12, torch.arange(2000)).rand(zeros)
    assert abs(float(n.mean())) < 0.01 and abs(float(n.std()) - 1) < 0.01
    assert abs(float((n.abs() > 1.96).float().mean()) - 0.05) < 0.003  # the normal's tails
    assert abs(float(u.mean()) - 0.5) < 0.005 and float(u.min()) >= 0 and float(u.max()) < 1
    flat = n.flatten()
    assert abs(float(torch.corrcoef(torch.stack([flat[:-1], flat[1:]]))[0, 1])) < 0.01
    k = sample_noise(13, torch.arange(2000)).randint(1, 4, zeros)
    assert set(k.unique().tolist()) == {1, 2, 3}


def test_swap_noise_with_sample_noise_keeps_each_column_marginal() -> None:
    swap = parse_corruption("swap:0.5")
    x = torch.arange(40.0).reshape(10, 4)
    out = swap(x, sample_noise(1, torch.arange(10)))
    for j in range(4):
        assert set(out[:, j].tolist()) <= set(x[:, j].tolist())
    assert not torch.equal(out, x)
