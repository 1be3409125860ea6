"""Every textbook recipe runs end to end at tiny size; stated parameter counts hold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from aekit.cli import main
from aekit.config import parse_override
from aekit.recipes import RECIPES, recipe_config
from tests.conftest import make_blobs_images, one_error_line


def _npz(path: Path, size: int, channels: int) -> str:
    x_tr, y_tr = make_blobs_images(64, size=size, channels=channels, seed=1)
    x_te, y_te = make_blobs_images(24, size=size, channels=channels, seed=2)
    np.savez(path, x_train=x_tr, y_train=y_tr, x_test=x_te, y_test=y_te)
    return f"npz:{path}"


def _images(root: Path, n: int, side: int) -> Path:
    from aekit.data.images import write_image

    root.mkdir()
    x, _ = make_blobs_images(n, size=side, channels=3, seed=3)
    for i, img in enumerate(x):
        write_image(root / f"img{i:02d}.png", img)
    return root


def _data_for(name: str, tmp_path: Path) -> list[str]:
    """Tiny stand-ins for the recipe's data (no downloads), and settings that shrink it."""
    recipe = RECIPES.get(name)
    settings = dict(s.split("=", 1) for s in recipe.settings)
    source = settings.get("data.source")
    if recipe.needs_data:
        return ["--data", f"folder:{_images(tmp_path / 'imgs', 12, 20)}"]
    if source == "natural-images":
        return ["--data", f"photos:{_images(tmp_path / 'photos', 6, 40)}",
                "--set", "data.patch_size=16", "--set", "data.patches=24"]
    if source == "cifar10":
        return ["--data", _npz(tmp_path / "c.npz", 32, 3)]
    assert source == "mnist", name
    return ["--data", _npz(tmp_path / "m.npz", 28, 1)]


@pytest.mark.parametrize("name", list(RECIPES))
def test_every_recipe_runs_end_to_end_at_tiny_size(name: str, tmp_path: Path) -> None:
    out = tmp_path / "run"
    generative = any(s in RECIPES.get(name).settings for s in ("model.name=aae",
                                                                "model.name=aae-style",
                                                                "model.name=dcgan"))
    args = ["train", "--recipe", name, *_data_for(name, tmp_path), "--limit", "24",
            "--epochs", "1", "--quiet", "--out", str(out)]
    if generative:  # their evaluation trains a feature classifier: too slow for a test
        args.append("--no-eval")
    assert main(args) == 0
    saved = json.loads((out / "config.json").read_text())
    for item in RECIPES.get(name).settings:  # every recipe setting reached config.json
        key, value = parse_override(item)
        sec, field = key.split(".")
        if key in ("model.name", "data.source", "train.epochs"):
            continue  # the family, the tiny stand-in data, one epoch
        assert saved[sec][field] == value, (key, saved[sec][field], value)
    assert (out / "model.safetensors").is_file()
    if not generative:
        assert (out / "metrics.json").is_file() and (out / "report.html").is_file()


def _parameters(name: str, **extra: str) -> int:
    from aekit.models import build_model

    recipe = RECIPES.get(name)
    cfg = recipe_config(name, [f"{k}={v}" for k, v in extra.items()])
    cfg.model.bind_data("x", 10, cfg.task)
    model = build_model(cfg.model, recipe.shape)
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", [n for n in RECIPES if RECIPES.get(n).parameters])
def test_stated_parameter_counts(name: str) -> None:
    extra = {"model.batch_norm": "false"} if name == "srcnn-textbook" else {}
    assert _parameters(name, **extra) == RECIPES.get(name).parameters


def test_srcnn_textbook_batch_norm_adds_its_scales_and_shifts() -> None:
    assert _parameters("srcnn-textbook") == 20_099 + 2 * (64 + 32)


def test_recipes_lists_every_recipe(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recipes"]) == 0
    text = capsys.readouterr().out
    assert all(name in text for name in RECIPES) and "50,992 parameters" in text
    assert main(["recipes", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["name"] for r in rows} == set(RECIPES)


def test_recipe_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--recipe", "nope", "--out", str(tmp_path / "a")]) == 2
    assert "unknown recipe 'nope'; choose one of:" in one_error_line(capsys)
    assert main(["train", "--recipe", "dense-mnist", "--model", "conv",
                 "--out", str(tmp_path / "b")]) == 2
    assert "fixes the model" in one_error_line(capsys)
    assert main(["train", "--recipe", "deep-folder", "--out", str(tmp_path / "c")]) == 2
    assert "give --data folder:DIR" in one_error_line(capsys)
    assert not any(tmp_path.iterdir())  # nothing written


def test_user_settings_win_over_the_recipe() -> None:
    cfg = recipe_config("sparse-shallow-mnist", ["train.epochs=3", "model.sparsity_weight=0"])
    assert (cfg.train.epochs, cfg.model.sparsity_weight, cfg.train.lr) == (3, 0.0, 1.0)
    assert cfg.train.optimizer == "adadelta" and cfg.model.preset == "shallow"


def test_print_config_shows_the_resolved_config_and_trains_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import yaml

    from aekit.config import RunConfig

    assert main(["train", "--recipe", "sparse-shallow-mnist", "--set", "train.epochs=3",
                 "--print-config"]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)
    assert printed["train"]["lr"] == 1.0 and printed["train"]["epochs"] == 3
    assert printed["model"]["preset"] == "shallow" and printed["model"]["latent_dim"] == 32
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text(yaml.safe_dump(printed))
    again = RunConfig.from_file(cfg_file)  # what it prints is a config file
    assert again.to_dict() == printed
    assert list(tmp_path.iterdir()) == [cfg_file]
