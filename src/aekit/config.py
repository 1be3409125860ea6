"""Typed run configuration: dataclasses, YAML/JSON round trip, strict overrides.

A run is fully described by :class:`RunConfig`. It is built from defaults, then an
optional ``--config`` file, then CLI flags, then ``--set key=value`` overrides, in that
order. Every key is checked: an unknown key or a value of the wrong type is a one-line
:class:`~aekit.errors.ConfigError` naming the valid keys (in the spirit of nanoGPT's
configurator, but typed).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from aekit.errors import ConfigError


@dataclass
class DataConfig:
    """Which data to load and how to split it."""

    source: str = "mnist"  # a registered name or folder:/npy:/npz:/csv: spec
    limit: int | None = None  # first N training samples (quick runs); test split untouched
    val_fraction: float = 0.1  # held out from the *training* split for validation
    image_size: int | None = None  # folder: sources are resized to this (default 64)
    channels: int | None = None  # force 1 (gray) or 3 (RGB) for image folders
    # keep only these labels in train/val (one-class anomaly protocol, Ruff et al. 2018);
    # applied before `limit`; the test split is never filtered
    train_classes: list[int] | None = None
    # photos (natural-images, photos:DIR): training samples are random square patches
    patch_size: int = 48  # side of a training patch, in (high-resolution) pixels
    patches: int = 8000  # patches cut once (seeded) from the training photos
    # photos: training photos are also used downscaled by these factors (scale
    # augmentation: finer detail, more variety from few photos); [] = native size only
    photo_scales: list[float] = field(default_factory=list)
    # photos: more photo sources (e.g. mate-photos, photos:DIR) whose every photo joins
    # the training patches only; validation and test photos stay the main source's
    extra_photos: list[str] = field(default_factory=list)


@dataclass
class TaskConfig:
    """How samples become (input, target) pairs."""

    name: str = "reconstruct"  # a registered task: reconstruct | denoise | …
    noise: str = "gaussian:0.35"  # corruption spec for denoise (see aekit.data.corruptions)
    eval_seed: int = 1234  # fixed noise for validation and evaluation
    scale: int = 2  # superres: upscaling factor (pairs = bicubic-downscaled → original)


@dataclass
class ModelConfig:
    """Architecture and loss terms. Presets fill these; every field can be overridden."""

    name: str = "dense"  # family or preset name (see `aekit models`)
    preset: str | None = None  # set when resolved: the preset the run started from
    latent_dim: int | None = None  # code size; None = the preset's default
    hidden: list[int] | None = None  # dense: encoder widths (decoder mirrors them)
    filters: list[int] | None = None  # conv: encoder channels per stage (decoder mirrors)
    variant: str | None = None  # conv: strided | pool | dense-code | gap
    kernel_size: int = 3
    batch_norm: bool = True
    loss: str = "mse"  # reconstruction loss: mse | bce | l1
    output_activation: str = "sigmoid"  # sigmoid | linear
    code_activation: str | None = None  # linear | relu | sigmoid; None = preset/auto
    # regularisers (loss terms, not new classes)
    sparsity: str = "none"  # none | l1 | kl
    sparsity_weight: float = 0.0  # L1: λ·mean|z| ; KL: β·Σ_j KL(ρ‖ρ̂_j)
    sparsity_target: float = 0.05  # ρ for KL sparsity
    contractive_weight: float = 0.0  # λ·‖∂z/∂x‖²_F
    contractive_projections: int = 1  # random projections for the estimator (conv encoders)
    # sequences — lstm family (composite LSTM autoencoder, Srivastava et al. 2015)
    future_frames: int | None = None  # lstm: frames the future decoder predicts (0 = none;
    #                                   None = half the sequence, e.g. 10 of 20)
    conditional: bool = False  # lstm: decoders are fed their own previous output frame
    frame_coder: str = "flat"  # lstm: flat (frames flattened) | conv (small conv enc/decoder)
    # tables — tabular family (Jahrer's Porto Seguro denoising autoencoder)
    features: str | None = None  # tabular: what encode returns: bottleneck | deep-stack
    #                              (all hidden layers); None = deep-stack
    # generative families (vae, aae, dcgan)
    beta: float = 1.0  # vae: weight of the KL term (β-VAE when ≠ 1)
    kl_warmup: int = 0  # vae: epochs over which β ramps up linearly from 0 (0 = off)
    prior: str = "gaussian"  # aae: gaussian | uniform | mixture10
    supervised: bool = False  # aae: one-hot label fed to the decoder (code learns style)
    num_classes: int | None = None  # filled from the data for supervised models
    disc_hidden: list[int] | None = None  # aae: discriminator widths (default [512, 512])
    disc_label: bool = True  # supervised aae: the discriminator sees (code, label) pairs
    # restoration families (superres, dncnn)
    scale: int | None = None  # superres: upscaling factor, filled from task.scale
    depth: int | None = None  # dncnn: number of conv layers (17 in Zhang et al. 2017);
    #                          superres edsr: number of residual blocks
    residual: bool = False  # superres: add the bicubic upscale to the output (learn the
    #                         residual, Kim et al. 2016); dncnn is always residual


@dataclass
class TrainConfig:
    """Optimisation and the Lightning trainer."""

    epochs: int = 10
    batch_size: int = 128
    lr: float = 1e-3
    optimizer: str = "adam"  # adam | rmsprop | adadelta | sgd
    momentum: float = 0.9  # sgd / rmsprop
    nesterov: bool = False  # sgd
    weight_decay: float = 0.0
    lr_schedule: str = "none"  # none | cosine | step | plateau
    lr_step: int = 10  # step schedule: epochs between decays
    lr_gamma: float = 0.1  # step / plateau decay factor
    patience: int | None = None  # early stopping on val loss; None = off
    seed: int = 0
    accelerator: str = "auto"
    devices: str = "auto"
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "auto"  # auto = bf16-mixed on GPUs that support it, else 32
    grad_clip: float | None = None


@dataclass
class RunConfig:
    """Everything needed to reproduce a run (saved as config.json)."""

    data: DataConfig = field(default_factory=DataConfig)
    task: TaskConfig = field(default_factory=TaskConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "config") -> RunConfig:
        """Build from a (possibly partial) nested dict; unknown keys are errors."""
        cfg = cls()
        for key, value in _flatten(data).items():
            set_key(cfg, key, value, where=where)
        return cfg

    @classmethod
    def from_saved(cls, data: dict[str, Any], *, where: str = "config") -> RunConfig:
        """Build from a run's saved ``config.json`` sections: like :meth:`from_dict`, but
        a key in :data:`SAVED_RUN_DEFAULTS` that the file lacks (a run saved before the
        key existed) takes the value that rebuilds the run as it was trained."""
        cfg = cls.from_dict(data, where=where)
        saved = _flatten(data)
        for key, value in SAVED_RUN_DEFAULTS.items():
            if key not in saved:
                set_key(cfg, key, value, where=where)
        return cfg


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and "." not in key and k in {f.name for f in fields(RunConfig)}:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def all_keys() -> list[str]:
    """Every settable dotted key, e.g. ``train.lr``."""
    root = RunConfig()
    return [f"{sec.name}.{f.name}" for sec in fields(root) for f in fields(getattr(root, sec.name))]


def _coerce(value: Any, annotation: Any, key: str) -> Any:
    """Convert ``value`` to the field's declared type or raise ConfigError."""
    hint = annotation
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None or (isinstance(value, str) and value.lower() in {"none", "null"}):
            return None
        last: ConfigError | None = None
        for a in args:
            try:
                return _coerce(value, a, key)
            except ConfigError as exc:
                last = exc
        assert last is not None
        raise last
    if origin is list:
        (item,) = typing.get_args(hint)
        if isinstance(value, str):
            value = _parse_scalar(value)
            if isinstance(value, int | float):
                value = [value]
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{key} expects a list, e.g. {key}=[256,128]; got {value!r}")
        return [_coerce(v, item, key) for v in value]
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "1", "yes", "false", "0", "no"}:
            return value.lower() in {"true", "1", "yes"}
        raise ConfigError(f"{key} expects true or false; got {value!r}")
    if hint is int:
        if isinstance(value, bool):
            raise ConfigError(f"{key} expects an integer; got {value!r}")
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key} expects an integer; got {value!r}") from None
        if not f.is_integer():
            raise ConfigError(f"{key} expects an integer; got {value!r}")
        return int(f)
    if hint is float:
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{key} expects a number; got {value!r}") from None
    if hint is str:
        if isinstance(value, dict | list):
            raise ConfigError(f"{key} expects a string; got {value!r}")
        return str(value)
    raise TypeError(f"unsupported config type {hint!r} for {key}")  # our bug


def _parse_scalar(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def set_key(cfg: RunConfig, key: str, value: Any, *, where: str = "--set") -> None:
    """Set dotted ``key`` (e.g. ``train.lr``) on ``cfg`` with type checking."""
    parts = key.split(".")
    if len(parts) != 2:
        raise ConfigError(f"{where}: key {key!r} must look like section.name; "
                          f"valid keys: {', '.join(all_keys())}")
    section_name, name = parts
    section = getattr(cfg, section_name, None)
    if section is None or not dataclasses.is_dataclass(section):
        raise ConfigError(f"{where}: unknown section {section_name!r} in {key!r}; "
                          f"sections: data, task, model, train")
    hints = typing.get_type_hints(type(section))
    if name not in hints:
        valid = ", ".join(f"{section_name}.{f.name}" for f in fields(section))
        raise ConfigError(f"{where}: unknown key {key!r}; valid {section_name} keys: {valid}")
    setattr(section, name, _coerce(value, hints[name], key))


def _parse_override(item: str) -> tuple[str, Any]:
    """``key=value`` → (key, value parsed as a YAML scalar or list)."""
    if "=" not in item:
        raise ConfigError(f"--set expects KEY=VALUE, e.g. --set train.lr=0.01; got {item!r}")
    key, raw = item.split("=", 1)
    return key.strip(), _parse_scalar(raw.strip())


def _seed_preset(cfg: RunConfig, items: list[tuple[str, Any]], default: str | None) -> bool:
    """Put the preset named by the last ``model.name`` in ``items`` (else ``default``;
    ``None``: no preset) into ``cfg.model`` *before* the items are applied, so every
    value they give wins over the preset, also one equal to the dataclass default.
    Fields already set on ``cfg.model`` (away from their defaults) are kept. Not done for
    a resolved config (a ``model.preset`` among the items, or on ``cfg.model``: a saved
    config.json). Returns True when seeded: the caller skips ``model.name`` then."""
    from aekit.models import preset_config

    if cfg.model.preset is not None or any(
            k == "model.preset" and v not in (None, "", "null") for k, v in items):
        return False
    names = [str(v) for k, v in items if k == "model.name"]
    name = names[-1] if names else default
    if name is None:
        return False
    blank = ModelConfig()
    kept = {f.name: getattr(cfg.model, f.name) for f in dataclasses.fields(ModelConfig)
            if f.name not in ("name", "preset")
            and getattr(cfg.model, f.name) != getattr(blank, f.name)}
    cfg.model = dataclasses.replace(preset_config(name), **kept)
    return True


def apply_overrides(cfg: RunConfig, overrides: list[str]) -> None:
    """Apply ``key=value`` strings (values parsed as YAML scalars/lists).

    As on the command line (:func:`config_from_cli`), a ``model.name`` among them puts
    that preset's defaults in *first* (:func:`_seed_preset`), so ``model.name=edsr-s``
    with ``model.loss=mse`` trains with MSE although the preset says L1; resolving the
    preset afterwards would have overwritten it.
    """
    items = [_parse_override(item) for item in overrides]
    seeded = _seed_preset(cfg, items, default=None)
    for key, value in items:
        if key == "model.name" and seeded:
            continue  # the preset set the family name
        set_key(cfg, key, value)


# Keys added after runs were already being saved, with the value that rebuilds such an
# older run as it was trained (a saved config.json lacks the key): the new default
# would change the model, e.g. the supervised AAE discriminator's input width.
SAVED_RUN_DEFAULTS: dict[str, Any] = {"model.disc_label": False}

# Provenance keys a saved config.json carries next to the four sections.
META_KEYS = frozenset({"aekit_version", "data_fingerprint", "input_shape", "created",
                       "data_info"})


def read_config_items(path: str | Path) -> dict[str, Any]:
    """The dotted keys and values of a YAML or JSON config file (a config.json works too)."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"config file {p} does not exist")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"config file {p} is not valid YAML/JSON: {first}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {p} must hold a mapping of sections")
    return _flatten({k: v for k, v in data.items() if k not in META_KEYS})


def load_config_file(path: str | Path) -> RunConfig:
    """Read a YAML or JSON config file into a :class:`RunConfig` (unknown keys are errors)."""
    cfg = RunConfig()
    for key, value in read_config_items(path).items():
        set_key(cfg, key, value, where=str(path))
    return cfg


_FLAG_KEYS = {
    "model": "model.name",
    "data": "data.source",
    "task": "task.name",
    "noise": "task.noise",
    "scale": "task.scale",
    "latent_dim": "model.latent_dim",
    "epochs": "train.epochs",
    "batch_size": "train.batch_size",
    "lr": "train.lr",
    "loss": "model.loss",
    "optimizer": "train.optimizer",
    "limit": "data.limit",
    "seed": "train.seed",
    "accelerator": "train.accelerator",
    "devices": "train.devices",
    "num_nodes": "train.num_nodes",
    "strategy": "train.strategy",
    "precision": "train.precision",
}


def config_from_cli(args: Any) -> RunConfig:
    """Defaults ← model preset ← --config file ← flags ← --set overrides.

    The preset's defaults go in *first*, so every value the user gives explicitly wins
    over the preset — also one that equals the dataclass default (``--model lstm
    --loss mse`` trains with MSE even though the lstm preset says BCE).
    """

    items: list[tuple[str, Any, str]] = []
    if getattr(args, "config", None):
        items += [(k, v, str(args.config)) for k, v in read_config_items(args.config).items()]
    for attr, key in _FLAG_KEYS.items():
        value = getattr(args, attr, None)
        if value is not None:
            items.append((key, value, f"--{attr.replace('_', '-')}"))
    items += [(*_parse_override(o), "--set") for o in getattr(args, "overrides", None) or []]
    cfg = RunConfig()
    # a saved config.json (it names its preset) is already resolved: taken as it is
    seeded = _seed_preset(cfg, [(k, v) for k, v, _ in items], default=cfg.model.name)
    for key, value, where in items:
        if key == "model.name" and seeded:
            continue  # the preset set the family name
        set_key(cfg, key, value, where=where)
    validate(cfg)
    return cfg


_CHOICES = {
    "model.loss": ("mse", "bce", "l1"),
    "model.output_activation": ("sigmoid", "linear"),
    "model.code_activation": (None, "linear", "relu", "sigmoid", "tanh"),
    "model.sparsity": ("none", "l1", "kl"),
    "model.frame_coder": ("flat", "conv"),
    "model.features": (None, "bottleneck", "deep-stack"),
    "model.prior": ("gaussian", "uniform", "mixture10"),
    "train.optimizer": ("adam", "rmsprop", "adadelta", "sgd"),
    "train.lr_schedule": ("none", "cosine", "step", "plateau"),
}


def validate(cfg: RunConfig) -> None:
    """Check value ranges and choices that types alone cannot express."""
    from aekit.tasks.pairs import build_task

    build_task(cfg.task)  # unknown task / bad noise spec → one-line ConfigError
    for key, choices in _CHOICES.items():
        sec, name = key.split(".")
        value = getattr(getattr(cfg, sec), name)
        if value not in choices:
            valid = ", ".join(str(c) for c in choices if c is not None)
            raise ConfigError(f"{key}={value!r} is not valid; choose one of: {valid}")
    t = cfg.train
    if t.epochs < 1:
        raise ConfigError(f"train.epochs must be ≥ 1; got {t.epochs}")
    if t.batch_size < 1:
        raise ConfigError(f"train.batch_size must be ≥ 1; got {t.batch_size}")
    if not t.lr > 0:
        raise ConfigError(f"train.lr must be > 0; got {t.lr}")
    if not 0.0 <= cfg.data.val_fraction < 1.0:
        raise ConfigError(f"data.val_fraction must be in [0, 1); got {cfg.data.val_fraction}")
    if cfg.data.train_classes is not None and (
            not cfg.data.train_classes or min(cfg.data.train_classes) < 0):
        raise ConfigError(f"data.train_classes must be a non-empty list of labels ≥ 0, "
                          f"e.g. [3]; got {cfg.data.train_classes}")
    if cfg.data.limit is not None and cfg.data.limit < 2:
        raise ConfigError(f"data.limit must be ≥ 2; got {cfg.data.limit}")
    if cfg.task.scale not in (2, 3, 4):
        raise ConfigError(f"task.scale must be 2, 3 or 4; got {cfg.task.scale}")
    if any(not 0.1 <= f < 1.0 for f in cfg.data.photo_scales):
        raise ConfigError(f"data.photo_scales must lie in [0.1, 1), e.g. [0.75, 0.5]; got "
                          f"{cfg.data.photo_scales}")
    if any(not isinstance(e, str) or not e.strip() for e in cfg.data.extra_photos):
        raise ConfigError(f"data.extra_photos must be a list of photo data specs, e.g. "
                          f"[mate-photos] or [photos:DIR]; got {cfg.data.extra_photos}")
    if cfg.data.patch_size < 8 or cfg.data.patches < 1:
        raise ConfigError(f"data.patch_size must be ≥ 8 and data.patches ≥ 1; got "
                          f"{cfg.data.patch_size} and {cfg.data.patches}")
    if cfg.model.depth is not None and cfg.model.depth < 1:
        raise ConfigError(f"model.depth must be ≥ 1; got {cfg.model.depth}")
    if cfg.model.latent_dim is not None and cfg.model.latent_dim < 1:
        raise ConfigError(f"model.latent_dim must be ≥ 1; got {cfg.model.latent_dim}")
    if cfg.model.future_frames is not None and cfg.model.future_frames < 0:
        raise ConfigError(f"model.future_frames must be ≥ 0; got {cfg.model.future_frames}")
    if not 0.0 < cfg.model.sparsity_target < 1.0:
        raise ConfigError("model.sparsity_target must be in (0, 1)")
    if cfg.model.loss == "bce" and cfg.model.output_activation != "sigmoid":
        raise ConfigError("model.loss=bce needs model.output_activation=sigmoid (outputs in [0,1])")


def save_json(cfg: RunConfig, path: Path, extra: dict[str, Any]) -> None:
    """Write the resolved config plus provenance (version, data fingerprint)."""
    from aekit.io import write_json

    write_json(path, {**extra, **cfg.to_dict()})
