"""Jigsaw pretext (Noroozi & Favaro 2016): permutation set, tile shuffle, training,
the stem transfer into the classifier and ``aekit pretrain --pretext jigsaw``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import aekit.classify.jigsaw as jig
import aekit.classify.train as clf_train
from aekit.classify.jigsaw import (
    JigsawNet,
    JigsawPuzzles,
    TileGrid,
    cut_tiles,
    fit_jigsaw,
    jigsaw_accuracy,
    join_tiles,
    min_hamming,
    permutation_set,
    puzzle_stream,
    shuffle_tiles,
    unshuffle_tiles,
)
from aekit.cli import main
from aekit.errors import ConfigError
from tests.conftest import make_blobs_images, one_error_line


def test_permutation_set_is_deterministic_distinct_and_spread() -> None:
    perms = permutation_set(64)
    again = permutation_set.__wrapped__(64)  # recomputed, not the cached array
    assert np.array_equal(perms, again) and perms.shape == (64, 9)
    assert all(sorted(row) == list(range(9)) for row in perms.tolist())  # permutations
    assert len({tuple(row) for row in perms.tolist()}) == 64  # all distinct
    assert min_hamming(perms) == 7  # the minimum distance the docs state
    assert min_hamming(permutation_set(30)) == 7
    # pinned: a change would silently renumber the classes of saved jigsaw networks
    assert perms[0].tolist() == [3, 2, 4, 8, 0, 6, 1, 5, 7]
    assert perms[-1].tolist() == [5, 4, 1, 8, 2, 6, 0, 7, 3]
    assert not perms.flags.writeable
    with pytest.raises(ConfigError, match="2 to 1000 permutations"):
        permutation_set(1)


def test_unshuffling_with_the_inverse_permutation_restores_the_image() -> None:
    x = torch.rand(6, 2, 27, 27)
    tiles = cut_tiles(x)  # (6, 9, 2, 9, 9)
    assert tiles.shape == (6, 9, 2, 9, 9)
    assert torch.equal(tiles[:, 5], x[:, :, 9:18, 18:27])  # row 1, column 2
    order = torch.as_tensor(permutation_set(64)[[0, 5, 9, 17, 33, 63]])
    shuffled = shuffle_tiles(tiles, order)
    assert torch.equal(shuffled[2, 4], tiles[2, order[2, 4]])  # slot i holds tile order[i]
    assert not torch.equal(join_tiles(shuffled), x)
    assert torch.equal(join_tiles(unshuffle_tiles(shuffled, order)), x)


def test_puzzles_cut_crop_pad_and_normalise_as_documented() -> None:
    grid = TileGrid.for_image(28, 28, 2)
    assert (grid.cell, grid.tile, grid.padded) == ((9, 9), (7, 7), (8, 8))
    assert TileGrid.for_image(12, 12, 2).padded == (4, 4)
    with pytest.raises(ConfigError, match="at least 6×6"):
        TileGrid.for_image(5, 8, 2)
    perms = permutation_set(64)
    x = torch.rand(5, 1, 28, 28)
    plain = JigsawPuzzles((1, 28, 28), perms, 2, normalise=False, jitter=False, mean=0.5)
    tiles, labels = plain.make(x, torch.arange(5), puzzle_stream(0, 0))
    assert tiles.shape == (5, 9, 1, 8, 8) and labels.shape == (5,)
    back = unshuffle_tiles(tiles, plain.permutations[labels])
    # centred: the 27×27 crop at (0, 0), each tile the middle 7×7 of its 9×9 cell
    assert torch.equal(back[..., :7, :7], cut_tiles(x[:, :, :27, :27])[..., 1:8, 1:8])
    assert bool((back[..., 7, :] == 0.5).all())  # padded with the common mean
    # jittered + normalised: each tile has the training images' mean and std
    pz = JigsawPuzzles((1, 28, 28), perms, 2, mean=0.3, std=0.2)
    t, _ = pz.make(x, torch.arange(5), puzzle_stream(0, 0))
    inner = t[..., :7, :7]
    assert torch.allclose(inner.mean((2, 3, 4)), torch.full((5, 9), 0.3), atol=1e-5)
    assert torch.allclose(inner.std((2, 3, 4), correction=0), torch.full((5, 9), 0.2),
                          atol=1e-4)
    # a sample's puzzle depends on (stream, its index) only, not on its batch
    one, lab1 = pz.make(x[[3]], torch.tensor([3]), puzzle_stream(0, 0))
    assert torch.equal(one[0], t[3]) and int(lab1[0]) == int(_[3])
    other, _ = pz.make(x, torch.arange(5), puzzle_stream(0, 1))  # next epoch: new puzzles
    assert not torch.equal(other, t)


def _blob_images(n: int, size: int, seed: int) -> np.ndarray:
    """One soft blob near the centre: each tile shows a different side of it."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    c = (size - 1) / 2 + rng.uniform(-1, 1, (n, 2))
    x = np.exp(-((yy - c[:, 0, None, None]) ** 2 + (xx - c[:, 1, None, None]) ** 2)
               / (2 * (size / 4) ** 2))
    return (x + 0.05 * rng.standard_normal(x.shape))[:, None].astype(np.float32)


def test_jigsaw_learns_an_easy_set_above_chance() -> None:
    x_train, x_test = _blob_images(256, 12, 0), _blob_images(64, 12, 1)
    pz = JigsawPuzzles((1, 12, 12), permutation_set(8), 2, mean=float(x_train.mean()),
                       std=float(x_train.std()))
    torch.manual_seed(0)
    net = JigsawNet(pz.tile_shape, pz.n_permutations, filters=[4, 8])
    fit = fit_jigsaw(net, pz, x_train, epochs=3, batch_size=32, lr=3e-3, seed=0)
    assert fit.train_loss[-1] < 0.5 * fit.train_loss[0]
    acc = jigsaw_accuracy(net, pz, x_test)
    assert acc > 0.5 > 1 / 8  # chance is 1/8
    assert acc == jigsaw_accuracy(net, pz, x_test)  # held-out puzzles are fixed


@pytest.fixture
def npz12(tmp_path: Path) -> str:
    """96 train / 32 test 1×12×12 four-class blob images."""
    x_tr, y_tr = make_blobs_images(96, size=12, seed=1)
    x_te, y_te = make_blobs_images(32, size=12, seed=2)
    path = tmp_path / "tiny12.npz"
    np.savez(path, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    return f"npz:{path}"


def _stem(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.stem.state_dict().items()}


def test_pretrain_jigsaw_end_to_end_and_the_stem_transfers(
        npz12: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    seen: dict[str, Any] = {"fit_classifier": []}
    real_fit_classifier, real_fit_jigsaw = clf_train.fit_classifier, jig.fit_jigsaw

    def spy_classifier(model: torch.nn.Module, *a: Any, **k: Any) -> Any:
        seen["fit_classifier"].append(_stem(model))  # the stem each supervised phase starts from
        out = real_fit_classifier(model, *a, **k)
        seen.setdefault("after_warmup", _stem(model))
        return out

    def spy_jigsaw(net: JigsawNet, *a: Any, **k: Any) -> Any:
        seen["jigsaw_start"] = _stem(net)
        out = real_fit_jigsaw(net, *a, **k)
        seen["jigsaw_end"] = _stem(net)
        return out

    monkeypatch.setattr(clf_train, "fit_classifier", spy_classifier)
    monkeypatch.setattr(jig, "fit_jigsaw", spy_jigsaw)
    out = tmp_path / "pre"
    assert main(["pretrain", "--data", npz12, "--labels", "0.25", "--filters", "4,8",
                 "--pretext", "jigsaw", "--pretext-epochs", "1", "--epochs", "1",
                 "--batch-size", "16", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "pretrained: test accuracy" in printed and "from scratch" in printed
    res = json.loads((out / "results.json").read_text())
    assert res["config"]["pretext"] == "jigsaw" and res["n_labelled"] == 24
    assert 0.0 <= res["pretext_accuracy"] <= 1.0 and res["pretext_chance"] == 1 / 64
    assert res["pretext_permutations"] == 64 and res["pretext_min_hamming"] == 7
    assert res["pretext_tiles"]["padded"] == [4, 4] and len(res["pretext_train_loss"]) == 1
    # step 3: the jigsaw stem starts from the warmed-up classifier's; step 5: the
    # fine-tuning starts from the stem the jigsaw pretext trained, tensor for tensor
    warm, start, end = seen["after_warmup"], seen["jigsaw_start"], seen["jigsaw_end"]
    finetune_start = seen["fit_classifier"][1]  # [0] warm-up, [1] fine-tune, [2] scratch
    assert all(torch.equal(warm[k], start[k]) for k in warm)
    assert any(not torch.equal(start[k], end[k]) for k in start)  # the pretext trained it
    assert set(finetune_start) == set(end)
    assert all(torch.equal(finetune_start[k], end[k]) for k in end)
    from safetensors.torch import load_file

    saved = load_file(str(out / "pretext" / "jigsaw.safetensors"))
    assert all(torch.equal(saved[f"stem.{k}"], end[k]) for k in end)
    perms = json.loads((out / "pretext" / "permutations.json").read_text())["permutations"]
    assert perms == permutation_set(64).tolist()


def test_unknown_pretext_is_one_line(npz12: str, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pre"
    assert main(["pretrain", "--data", npz12, "--pretext", "rotation", "--out", str(out)]) == 2
    line = one_error_line(capsys)
    assert "--pretext must be" in line and "jigsaw" in line and "'rotation'" in line
    assert not out.exists()
