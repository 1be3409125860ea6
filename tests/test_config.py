"""Strict, typed configuration."""

from __future__ import annotations

import json

import pytest

from aekit.config import RunConfig, apply_overrides, preset_config, validate
from aekit.errors import ConfigError


def test_set_parses_types_and_lists() -> None:
    cfg = RunConfig()
    apply_overrides(cfg, ["train.lr=0.01", "model.hidden=[64, 32]", "train.patience=3",
                          "model.batch_norm=false", "data.limit=none"])
    assert cfg.train.lr == 0.01 and cfg.model.hidden == [64, 32]
    assert cfg.train.patience == 3 and cfg.model.batch_norm is False and cfg.data.limit is None


@pytest.mark.parametrize("item, message", [
    ("train.lrr=1", "unknown key 'train.lrr'; valid train keys: train.epochs"),
    ("optim.lr=1", "unknown section 'optim'"),
    ("lr=1", "must look like section.name"),
    ("train.epochs=2.5", "train.epochs expects an integer"),
    ("train.lr=fast", "train.lr expects a number"),
    ("model.hidden=abc", "model.hidden expects a list"),
    ("train.epochs", "--set expects KEY=VALUE"),
])
def test_bad_overrides_are_one_line_errors(item: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("[", r"\[")) as e:
        apply_overrides(RunConfig(), [item])
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("key, value, message", [
    ("train.optimizer", "adamw", "choose one of: adam, rmsprop, adadelta, sgd"),
    ("model.loss", "huber", "choose one of: mse, bce, l1"),
    ("train.epochs", 0, "train.epochs must be ≥ 1"),
    ("data.val_fraction", 1.5, "data.val_fraction must be in"),
])
def test_validate_rejects_bad_values(key: str, value: object, message: str) -> None:
    cfg = RunConfig()
    sec, name = key.split(".")
    setattr(getattr(cfg, sec), name, value)
    with pytest.raises(ConfigError, match=message):
        validate(cfg)


def test_json_round_trip_and_saved_config_loads(tmp_path) -> None:
    cfg = RunConfig()
    apply_overrides(cfg, ["model.name=conv", "train.epochs=7", "task.name=denoise"])
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"aekit_version": "x", "input_shape": [1, 8, 8], **cfg.to_dict()}))
    assert RunConfig.from_file(path) == cfg
    yml = tmp_path / "c.yaml"
    yml.write_text("train:\n  epochs: 3\nmodel:\n  name: dense\n  hidden: [8]\n")
    loaded = RunConfig.from_file(yml)
    assert loaded.train.epochs == 3 and loaded.model.hidden == [8]


def test_config_file_with_unknown_key_names_the_file(tmp_path) -> None:
    yml = tmp_path / "c.yaml"
    yml.write_text("train:\n  epoch: 3\n")
    with pytest.raises(ConfigError, match=r"c.yaml: unknown key 'train.epoch'"):
        RunConfig.from_file(yml)


def _cli_cfg(*argv: str) -> RunConfig:
    from aekit.cli import build_parser, config_from_cli

    return config_from_cli(build_parser().parse_args(["train", *argv, "--out", "unused"]))


def test_explicit_values_win_over_presets_even_when_equal_to_defaults() -> None:
    shallow = _cli_cfg("--model", "shallow")
    assert (shallow.model.name, shallow.model.preset, shallow.model.sparsity) == \
        ("dense", "shallow", "l1")
    off = _cli_cfg("--model", "shallow", "--set", "model.sparsity=none")
    assert off.model.sparsity == "none"  # "none" is the dataclass default, still honoured
    assert _cli_cfg("--model", "vae", "--loss", "mse").model.loss == "mse"
    assert _cli_cfg("--model", "vae").model.loss == "bce"


def test_a_saved_config_json_is_a_valid_config_file(tmp_path) -> None:
    from aekit.io import write_config as save_json

    cfg = _cli_cfg("--model", "conv-pool", "--epochs", "3")
    path = tmp_path / "config.json"
    save_json(cfg, path, {"aekit_version": "0", "input_shape": [1, 8, 8],
                          "data_info": {"classes": None}, "created": "now"})
    again = _cli_cfg("--config", str(path))
    assert again == cfg  # already resolved: the preset is not applied twice
    assert _cli_cfg("--config", str(path), "--epochs", "5").train.epochs == 5


def test_unknown_model_lists_presets_and_families() -> None:
    with pytest.raises(ConfigError, match="unknown model 'nope'; choose one of: .*aae-style"):
        _cli_cfg("--model", "nope")


def test_overrides_win_over_the_preset_even_at_the_default() -> None:
    """apply_overrides (the Python API, the benchmarks) puts the preset in first, like the
    CLI: an explicit value equal to the dataclass default is not replaced by the preset's."""
    cfg = RunConfig()
    apply_overrides(cfg, ["model.name=edsr-s", "model.loss=mse", "model.residual=false",
                          "model.output_activation=sigmoid"])
    m = cfg.model
    assert (m.name, m.preset, m.variant) == ("superres", "edsr-s", "edsr")
    assert (m.loss, m.residual, m.output_activation) == ("mse", False, "sigmoid")
    plain = RunConfig()
    apply_overrides(plain, ["model.name=edsr-s"])
    assert plain.model.loss == "l1"  # the preset's value when none is given
    earlier = RunConfig(model=preset_config("superres"))
    apply_overrides(earlier, ["model.depth=4"])
    apply_overrides(earlier, ["model.name=edsr-s"])  # set before the name: still kept
    assert (earlier.model.depth, earlier.model.filters) == (4, [32])


def test_run_saved_in_the_first_format_still_loads(tmp_path) -> None:
    """A config.json written before per-family configs (one 30-field model section) is
    migrated: the family's own fields are kept, the other families' dropped, and the
    run's weights load into the model it describes."""
    import shutil
    from pathlib import Path

    from aekit.io import load_run, read_run_config, save_weights
    from aekit.models import build_model

    fixture = Path(__file__).parent / "fixtures" / "config_format1_edsr.json"
    assert len(json.loads(fixture.read_text())["model"]) == 30  # today's… yesterday's format
    run = tmp_path / "old"
    run.mkdir()
    shutil.copy(fixture, run / "config.json")
    _, cfg, meta = read_run_config(run)
    m = cfg.model
    assert type(m).__name__ == "SuperResConfig" and (m.name, m.preset) == ("superres", "edsr-s")
    assert (m.variant, m.filters, m.depth, m.scale, m.loss) == ("edsr", [8], 2, 2, "l1")
    assert not hasattr(m, "hidden") and not hasattr(m, "prior")  # other families' keys gone
    assert cfg.train.lr == 1e-3 and cfg.train.momentum == 0.9  # saved values kept as saved
    save_weights(build_model(m, tuple(meta["input_shape"])), run / "model.safetensors")
    assert load_run(run).model.scale == 2


def test_first_format_aae_without_disc_label_rebuilds_as_trained() -> None:
    old = {"model": {"name": "aae", "preset": "aae-style", "supervised": True, "num_classes": 3,
                     "hidden": [8], "latent_dim": 2, "depth": None, "frame_coder": "flat"}}
    cfg = RunConfig.from_saved(old)
    assert cfg.model.disc_label is False and cfg.model.supervised is True


def test_unknown_model_key_names_the_familys_keys() -> None:
    cfg = RunConfig()
    apply_overrides(cfg, ["model.name=edsr-s"])
    with pytest.raises(ConfigError, match=r"unknown key 'model.hidden'; valid model \(superres "
                                          r"family\) keys: .*model.depth") as e:
        apply_overrides(cfg, ["model.hidden=[8]"])
    assert "model.prior" not in str(e.value)  # another family's key is not offered


@pytest.mark.parametrize(("optimizer", "lr", "momentum"), [
    ("adam", 1e-3, 0.0), ("adadelta", 1.0, 0.0), ("rmsprop", 1e-2, 0.0), ("sgd", 1e-3, 0.9)])
def test_each_optimizer_gets_its_own_default_lr(optimizer: str, lr: float,
                                                momentum: float) -> None:
    import torch

    from aekit.config import TrainConfig
    from aekit.engine.system import make_optimizer

    t = TrainConfig(optimizer=optimizer)
    t.resolve_defaults()
    assert t.lr == lr and t.momentum == momentum
    opt = make_optimizer([torch.nn.Parameter(torch.zeros(1))], TrainConfig(optimizer=optimizer))
    assert opt.param_groups[0]["lr"] == lr
    assert opt.param_groups[0].get("momentum", 0.0) == momentum


def test_rmsprop_honours_momentum() -> None:
    import torch

    from aekit.config import TrainConfig
    from aekit.engine.system import make_optimizer

    opt = make_optimizer([torch.nn.Parameter(torch.zeros(1))],
                         TrainConfig(optimizer="rmsprop", lr=3e-4, momentum=0.5))
    assert opt.param_groups[0]["momentum"] == 0.5 and opt.param_groups[0]["lr"] == 3e-4


def test_preset_config_refuses_a_field_the_family_lacks() -> None:
    with pytest.raises(ConfigError, match="model 'conv' has no field 'hidden'; its fields:"):
        preset_config("conv", hidden=[8])


def test_near_misses_get_did_you_mean() -> None:
    with pytest.raises(ConfigError, match=r"unknown model 'convv'; .* — did you mean 'conv'\?"):
        preset_config("convv")
    with pytest.raises(ConfigError, match=r"unknown key 'train.lrr'; .* — did you mean 'lr'\?"):
        apply_overrides(RunConfig(), ["train.lrr=1"])
    with pytest.raises(ConfigError) as e:
        preset_config("zzzz")
    assert "did you mean" not in str(e.value)
