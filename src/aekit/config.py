"""Typed run configuration: dataclasses, YAML/JSON round trip, strict overrides.

A run is fully described by :class:`RunConfig`. It is built from defaults, then an
optional ``--config`` file, then CLI flags, then ``--set key=value`` overrides, in that
order. Every key is checked: an unknown key or a value of the wrong type is a one-line
:class:`~aekit.errors.ConfigError` naming the valid keys (in the spirit of nanoGPT's
configurator, but typed).
"""

from __future__ import annotations

import copy
import dataclasses
import math
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar

from aekit.errors import ConfigError
from aekit.registry import MODELS, PRESETS, did_you_mean

MEMORY_BUDGET = "50%"  # data.memory_budget's default: half of this machine's RAM


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
    # folder: larger than this (decoded, uint8) is streamed from a memory-mapped prepared
    # cache instead of held in RAM: "50%" of this machine's RAM, "4GB", "500MiB", bytes,
    # 0 = always stream, "inf" = never (parse_size)
    memory_budget: str = MEMORY_BUDGET


@dataclass
class TaskConfig:
    """How samples become (input, target) pairs."""

    name: str = "reconstruct"  # a registered task: reconstruct | denoise | …
    noise: str = "gaussian:0.35"  # corruption spec for denoise (see aekit.data.corruptions)
    eval_seed: int = 1234  # fixed noise for validation and evaluation
    scale: int = 2  # superres: upscaling factor (pairs = bicubic-downscaled → original)


@dataclass
class ModelConfig:
    """The fields every model family shares: code size, loss, output, regularisers.

    Each family's file subclasses this with the fields only that family has (e.g.
    ``DenseConfig.hidden``, ``SuperResConfig.depth``) and registers it with
    ``@register_model(name, config=...)``; a *preset* is a registered instance of such a
    subclass. ``--set model.KEY`` is checked against the fields of the run's family, so an
    unknown key names the keys *that family* has.
    """

    name: str = "dense"  # the family (a preset name resolves to its family)
    preset: str | None = None  # the preset the run started from, if any
    latent_dim: int | None = None  # code size; None = the family's own default
    loss: str = "mse"  # reconstruction loss: mse | bce | l1
    output_activation: str = "sigmoid"  # sigmoid | linear
    code_activation: str | None = None  # linear | relu | sigmoid | tanh; None = family's
    # regularisers (loss terms, not new classes)
    sparsity: str = "none"  # none | l1 | kl
    sparsity_weight: float = 0.0  # L1: λ·mean|z| ; KL: β·Σ_j KL(ρ‖ρ̂_j)
    sparsity_target: float = 0.05  # ρ for KL sparsity
    contractive_weight: float = 0.0  # λ·‖∂z/∂x‖²_F
    contractive_projections: int = 1  # random projections for the estimator (conv encoders)

    # choices of this family's string fields (subclasses add theirs)
    CHOICES: ClassVar[dict[str, tuple[str | None, ...]]] = {
        "loss": ("mse", "bce", "l1"),
        "output_activation": ("sigmoid", "linear"),
        "code_activation": (None, "linear", "relu", "sigmoid", "tanh"),
        "sparsity": ("none", "l1", "kl"),
    }

    # fields this family gained after config format 1 under a name that format-1 files
    # already carry for *other* families (e.g. superres batch_norm, which every format-1
    # file holds as True): a format-1 file's value for them is not this family's
    NEW_SINCE_FORMAT1: ClassVar[frozenset[str]] = frozenset()

    def check(self) -> None:
        """Raise a one-line ConfigError for values no type can refuse (ranges, choices)."""
        for cls in reversed(type(self).__mro__):
            for key, choices in vars(cls).get("CHOICES", {}).items():
                value = getattr(self, key)
                if value not in choices:
                    valid = ", ".join(str(c) for c in choices if c is not None)
                    raise ConfigError(f"model.{key}={value!r} is not valid; choose one of: "
                                      f"{valid}")
        if self.latent_dim is not None and self.latent_dim < 1:
            raise ConfigError(f"model.latent_dim must be ≥ 1; got {self.latent_dim}")
        for f in fields(self):  # every list of sizes (hidden, filters, kernels, …)
            value = getattr(self, f.name)
            if isinstance(value, list) and value and all(isinstance(v, int) for v in value) \
                    and min(value) < 1:
                raise ConfigError(f"model.{f.name} holds sizes, which must be ≥ 1 "
                                  f"(e.g. [256, 128]); got {value}")
        if not 0.0 < self.sparsity_target < 1.0:
            raise ConfigError("model.sparsity_target must be in (0, 1)")
        if self.loss == "bce" and self.output_activation != "sigmoid":
            raise ConfigError("model.loss=bce needs model.output_activation=sigmoid "
                              "(outputs in [0,1])")

    def bind_data(self, source: str, classes: int | None, task: TaskConfig) -> None:
        """Fill in what the data and the task decide (e.g. the number of classes of a
        supervised model, the scale of a super-resolution model), before the model is
        built. No-op unless a family needs it."""


@dataclass
class TrainConfig:
    """Optimisation and the Lightning trainer."""

    epochs: int = 10
    batch_size: int = 128
    lr: float | None = None  # None = the optimizer's own default (OPTIMIZER_LR)
    optimizer: str = "adam"  # adam | rmsprop | adadelta | sgd
    momentum: float | None = None  # sgd / rmsprop; None = 0.9 for sgd, 0 for rmsprop
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
    threads: int | None = None  # intra-op threads; None = the cores this process may use
    # DataLoader worker processes that cut batches; None = min(4, max(1, cores // 2))
    # for streamed data on a GPU, else 0 (on the CPU the cores are the compute)
    num_workers: int | None = None
    # Lightning loggers beside history.csv (RUN/logs/NAME): csv | tensorboard | mlflow
    loggers: list[str] = field(default_factory=list)

    def resolve_defaults(self) -> None:
        """Put the optimizer's own defaults where the user gave none, so config.json says
        which learning rate and momentum were used (PyTorch's defaults; Adadelta's lr is
        1.0 in PyTorch and Keras: at 1e-3 a textbook Adadelta model barely moves)."""
        if self.lr is None:
            self.lr = OPTIMIZER_LR[self.optimizer]
        if self.momentum is None:
            self.momentum = OPTIMIZER_MOMENTUM.get(self.optimizer, 0.0)


# Default learning rate of each optimizer: PyTorch's own (torch.optim), which for
# Adadelta is also Keras's 1.0.
OPTIMIZER_LR: dict[str, float] = {"adam": 1e-3, "rmsprop": 1e-2, "adadelta": 1.0, "sgd": 1e-3}
# Momentum where the optimizer takes one: SGD keeps aekit's 0.9 (plain SGD at lr 1e-3 is
# too slow to be a useful default), RMSprop PyTorch's 0.
OPTIMIZER_MOMENTUM: dict[str, float] = {"sgd": 0.9, "rmsprop": 0.0}


SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
              "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def parse_size(text: str | int | float, total: int, what: str = "data.memory_budget"
               ) -> float:
    """A size in bytes from ``"50%"`` (of ``total``), ``"4GB"``, ``"500MiB"``, a number
    of bytes, or ``"inf"`` (no limit); a :class:`ConfigError` names the forms otherwise."""
    raw = str(text).strip().upper().replace(" ", "")
    try:
        if raw in ("INF", "NONE", "UNLIMITED"):
            return math.inf
        if raw.endswith("%"):
            share = float(raw[:-1])
            if not 0 <= share <= 100:
                raise ValueError
            return share / 100 * total
        number = raw.rstrip("KMGTIB")
        value = float(number) * SIZE_UNITS[raw[len(number):]]
        if not (value >= 0 and math.isfinite(value)):
            raise ValueError
        return value
    except (ValueError, KeyError):
        raise ConfigError(f"{what}={text!r} is not a size; write e.g. 50% (of RAM), 4GB, "
                          f"500MiB, a number of bytes, 0 (always stream) or inf (never)"
                          ) from None


def _default_model() -> ModelConfig:
    return preset_config("dense")


@dataclass
class RunConfig:
    """Everything needed to reproduce a run (saved as config.json)."""

    data: DataConfig = field(default_factory=DataConfig)
    task: TaskConfig = field(default_factory=TaskConfig)
    model: ModelConfig = field(default_factory=_default_model)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str = "config") -> RunConfig:
        """Build from a (possibly partial) nested dict; unknown keys are errors. A
        ``model.name`` is applied first (it picks the family whose keys are valid)."""
        cfg = cls()
        apply_items(cfg, [(k, v, where) for k, v in _flatten(data).items()])
        return cfg

    @classmethod
    def from_file(cls, path: str | Path) -> RunConfig:
        """Read a YAML or JSON config file (a run's config.json works too)."""
        return cls.from_dict(read_config_items(path), where=str(path))

    @classmethod
    def from_saved(cls, data: dict[str, Any], *, where: str = "config") -> RunConfig:
        """Build from a run's saved ``config.json`` sections, exactly as saved: the model
        section is the resolved config of its family (no preset is applied again).

        Files written before the per-family configs (no ``config_format``, which
        :data:`CONFIG_FORMAT` adds) held every family's fields in one model section;
        they are migrated by :func:`migrate_saved`. A key in :data:`SAVED_RUN_DEFAULTS`
        that the file lacks (a run saved before the key existed) takes the value that
        rebuilds the run as it was trained.
        """
        data = migrate_saved(data)
        model = dict(data.get("model") or {})
        family = str(model.pop("name", "dense"))
        cls_ = model_config_class(family)
        cfg = cls()
        cfg.model = cls_()
        for key, value in _flatten({k: v for k, v in data.items() if k != "model"}).items():
            set_key(cfg, key, value, where=where)
        for key, value in model.items():
            set_key(cfg, f"model.{key}", value, where=where)
        names = {f.name for f in fields(cfg.model)}
        for key, value in SAVED_RUN_DEFAULTS.items():
            sec, name = key.split(".")
            if name in names and name not in model:
                set_key(cfg, key, value, where=where)
        cfg.train.resolve_defaults()  # what training used where a file leaves them unset
        return cfg


# The format of config.json's sections; files without this key are the first format
# (one shared model section for every family) and are migrated on load.
CONFIG_FORMAT = 2


def migrate_saved(data: dict[str, Any]) -> dict[str, Any]:
    """Sections of a config.json in today's format from any earlier one.

    Format 1 (no ``config_format`` key) had one model section holding every family's
    fields; a family ignored the others. Those are dropped here (they never changed a
    model), keeping the fields of the run's own family.
    """
    if data.get("config_format", 1) >= CONFIG_FORMAT or "model" not in data:
        return {k: v for k, v in data.items() if k != "config_format"}
    out = {k: v for k, v in data.items() if k != "config_format"}
    model = dict(out["model"])
    family = str(model.get("name", "dense"))
    cls = model_config_class(family)
    names = {f.name for f in fields(cls)} - cls.NEW_SINCE_FORMAT1
    out["model"] = {k: v for k, v in model.items() if k in names}
    return out


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and "." not in key and k in {f.name for f in fields(RunConfig)}:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def all_keys(cfg: RunConfig | None = None) -> list[str]:
    """Every settable dotted key, e.g. ``train.lr`` (model keys: those of cfg's family)."""
    root = cfg or RunConfig()
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


def model_config_class(family: str) -> type[ModelConfig]:
    """The config dataclass of a registered model family (one-line error if unknown)."""
    return MODELS.config_of(family)


def preset_config(name: str, **values: Any) -> ModelConfig:
    """A fresh model config for ``name``: a registered preset (its family's config with
    the preset's values, ``preset`` set), or a bare family (its config's defaults);
    ``values`` then replace fields, e.g. ``preset_config("conv", latent_dim=4)``. A field
    the family lacks is a one-line ConfigError naming the fields it has."""
    if name in PRESETS:
        cfg = dataclasses.replace(copy.deepcopy(PRESETS.get(name).config), preset=name)
    elif name in MODELS:
        cfg = model_config_class(name)(name=name)
    else:
        names = sorted(set(PRESETS.names()) | set(MODELS.names()))
        raise ConfigError(f"unknown model {name!r}; choose one of: {', '.join(names)}"
                          f"{did_you_mean(name, names)}")
    names = {f.name for f in fields(cfg)} - {"name", "preset"}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f"model {name!r} has no field {unknown[0]!r}; its fields: "
                          f"{', '.join(sorted(names))}")
    return dataclasses.replace(cfg, **values)


def switch_model(current: ModelConfig, name: str) -> ModelConfig:
    """The config of preset or family ``name``, keeping what was set on ``current``.

    The preset goes in first and every value set on ``current`` away from *its* preset
    (or family defaults) stays, if the new family has that field — so ``model.depth=4``
    given before ``model.name=edsr-s`` is kept, and an explicit value equal to a default
    (``model.loss=mse`` on the L1 ``edsr-s``) is never replaced by the preset's.
    """
    fresh = preset_config(name)
    base = preset_config(current.preset) if current.preset else type(current)(name=current.name)
    names = {f.name for f in fields(fresh)}
    kept = {f.name: getattr(current, f.name) for f in fields(current)
            if f.name not in ("name", "preset") and f.name in names
            and getattr(current, f.name) != getattr(base, f.name, object())}
    return dataclasses.replace(fresh, **kept)


def set_key(cfg: RunConfig, key: str, value: Any, *, where: str = "--set") -> None:
    """Set dotted ``key`` (e.g. ``train.lr``) on ``cfg`` with type checking.

    ``model.name`` switches the model section to that preset or family
    (:func:`switch_model`); ``model.preset`` is a record of a resolved config and only
    accepted as a name that exists.
    """
    parts = key.split(".")
    if len(parts) != 2:
        raise ConfigError(f"{where}: key {key!r} must look like section.name; "
                          f"valid keys: {', '.join(all_keys(cfg))}")
    section_name, name = parts
    section = getattr(cfg, section_name, None)
    if section is None or not dataclasses.is_dataclass(section):
        raise ConfigError(f"{where}: unknown section {section_name!r} in {key!r}; "
                          f"sections: data, task, model, train")
    if key == "model.name":
        cfg.model = switch_model(cfg.model, _coerce(value, str, key))
        return
    hints = typing.get_type_hints(type(section))
    if name not in {f.name for f in fields(section)}:  # ClassVars are not keys
        valid = ", ".join(f"{section_name}.{f.name}" for f in fields(section))
        family = f" ({section.name} family)" if section_name == "model" else ""
        hint = did_you_mean(name, [f.name for f in fields(section)])
        raise ConfigError(f"{where}: unknown key {key!r}; valid {section_name}{family} "
                          f"keys: {valid}{hint}")
    value = _coerce(value, hints[name], key)
    if key == "model.preset" and value is not None and value not in PRESETS:
        raise ConfigError(f"{where}: model.preset={value!r} is not a preset; it records the "
                          f"preset a run started from (see `aekit models`)")
    setattr(section, name, value)


def apply_items(cfg: RunConfig, items: list[tuple[str, Any, str]]) -> None:
    """Apply ``(key, value, where)`` items: the last ``model.name`` first (the preset's
    values go in before every other item, so each given value wins), then the rest in
    order."""
    names = [(k, v, w) for k, v, w in items if k == "model.name"]
    for key, value, where in names[-1:]:
        set_key(cfg, key, value, where=where)
    for key, value, where in items:
        if key != "model.name":
            set_key(cfg, key, value, where=where)


def parse_override(item: str) -> tuple[str, Any]:
    """``key=value`` → (key, value parsed as a YAML scalar or list)."""
    if "=" not in item:
        raise ConfigError(f"--set expects KEY=VALUE, e.g. --set train.lr=0.01; got {item!r}")
    key, raw = item.split("=", 1)
    return key.strip(), _parse_scalar(raw.strip())


def apply_overrides(cfg: RunConfig, overrides: list[str]) -> None:
    """Apply ``key=value`` strings (values parsed as YAML scalars/lists), as ``--set``.

    As on the command line, a ``model.name`` among them puts that preset's values in
    *first*, so ``model.name=edsr-s`` with ``model.loss=mse`` trains with MSE although
    the preset says L1.
    """
    apply_items(cfg, [(*parse_override(item), "--set") for item in overrides])


# Keys added after runs were already being saved, with the value that rebuilds such an
# older run as it was trained (a saved config.json lacks the key): the new default
# would change the model, e.g. the supervised AAE discriminator's input width.
SAVED_RUN_DEFAULTS: dict[str, Any] = {"model.disc_label": False}

# Provenance keys a saved config.json carries next to the four sections.
META_KEYS = frozenset({"aekit_version", "data_fingerprint", "input_shape", "created",
                       "data_info", "config_format"})


def read_config_items(path: str | Path) -> dict[str, Any]:
    """The dotted keys and values of a YAML or JSON config file (a config.json works too,
    in any format: a saved run's sections are migrated first)."""
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
    if "aekit_version" in data:  # a run's saved config.json
        data = migrate_saved(data)
    return _flatten({k: v for k, v in data.items() if k not in META_KEYS})


# Lightning loggers `--logger` may name, with the package each needs beyond aekit's own
LOGGERS: dict[str, str | None] = {"csv": None, "tensorboard": "tensorboard",
                                  "mlflow": "mlflow"}

_CHOICES = {
    "train.optimizer": tuple(OPTIMIZER_LR),
    "train.lr_schedule": ("none", "cosine", "step", "plateau"),
}


def validate(cfg: RunConfig) -> None:
    """Check value ranges and choices that types alone cannot express."""
    cfg.model.check()
    for key, choices in _CHOICES.items():
        sec, name = key.split(".")
        value = getattr(getattr(cfg, sec), name)
        if value not in choices:
            valid = ", ".join(str(c) for c in choices if c is not None)
            raise ConfigError(f"{key}={value!r} is not valid; choose one of: {valid}")
    t = cfg.train
    for name in t.loggers:
        if name not in LOGGERS:
            raise ConfigError(f"unknown logger {name!r}; choose from: {', '.join(LOGGERS)} "
                              f"(more than one allowed)")
    if len(set(t.loggers)) != len(t.loggers):
        raise ConfigError(f"train.loggers names a logger twice: {t.loggers}")
    if t.epochs < 1:
        raise ConfigError(f"train.epochs must be ≥ 1; got {t.epochs}")
    if t.batch_size < 1:
        raise ConfigError(f"train.batch_size must be ≥ 1; got {t.batch_size}")
    if t.lr is not None and not (t.lr > 0 and math.isfinite(t.lr)):
        raise ConfigError(f"train.lr must be a finite number > 0; got {t.lr}")
    if t.momentum is not None and not 0.0 <= t.momentum < 1.0:
        raise ConfigError(f"train.momentum must be in [0, 1); got {t.momentum}")
    if t.threads is not None and not 1 <= t.threads <= 1024:
        raise ConfigError(f"train.threads must be 1…1024 (or null: the cores this process "
                          f"may use); got {t.threads}")
    if t.num_workers is not None and not 0 <= t.num_workers <= 64:
        raise ConfigError(f"train.num_workers must be 0…64 (or null: chosen from the data); "
                          f"got {t.num_workers}")
    parse_size(cfg.data.memory_budget, 1)
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
