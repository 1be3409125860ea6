"""Train a run end to end: data → pairs → model → Lightning → run directory.

``train_run`` creates the run directory, writes ``config.json`` first and
``model.safetensors`` last (its presence marks a complete run). Evaluation and the report
sit in layers above the engine; :func:`aekit.api.train` runs them after this.
``resume_run`` continues an interrupted run exactly from ``checkpoints/last.ckpt``
(model, optimizer, scheduler, epoch; data order and noise are functions of the epoch,
see :mod:`aekit.engine.batches`).
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import signal
import sys
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aekit import __version__
from aekit.capabilities import Capability
from aekit.config import RunConfig, TrainConfig, validate
from aekit.errors import ConfigError, DataError, RunError
from aekit.io import CONFIG, HISTORY, WEIGHTS, read_run_config, save_weights, write_config
from aekit.log import LOG, reporter
from aekit.machine import physical_memory, usable_cores

if TYPE_CHECKING:
    from aekit.data.splits import Splits
    from aekit.models.base import Autoencoder


def quiet_lightning() -> None:
    """Silence Lightning's start-up chatter and warnings that do not apply to aekit."""
    for name in ("lightning", "lightning.pytorch", "lightning.fabric", "lightning_utilities"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for pattern in (".*does not have many workers.*", ".*LeafSpec.*", ".*litlogger.*",
                    ".*The number of training batches.*", ".*Checkpoint directory.*",
                    ".*`isinstance\\(treespec, LeafSpec\\)`.*", ".*tensorboardX.*",
                    ".*no `val_dataloader`.*"):
        warnings.filterwarnings("ignore", message=pattern)


def resolve_precision(train_precision: str, accelerator: str) -> str:
    """``auto`` → bf16-mixed on a CUDA GPU that supports it, else 32-true."""
    if train_precision != "auto":
        return train_precision
    import torch

    if accelerator in ("auto", "gpu", "cuda") and torch.cuda.is_available() \
            and torch.cuda.is_bf16_supported():
        return "bf16-mixed"
    return "32-true"


def _devices(value: str) -> Any:
    if value == "auto":
        return "auto"
    try:
        return int(value)
    except ValueError:
        return value  # e.g. "0,1"


def build_trainer(cfg: RunConfig, run_dir: Path, *, quiet: bool, has_val: bool,
                  n_batches: int, snapshots: bool = False,
                  val_batch: tuple[Any, ...] | None = None) -> Any:
    """The Lightning Trainer for a run: checkpoints, early stopping, progress bar,
    (``snapshots``: a generative image model) the fixed draws decoded every epoch, and
    the loggers of ``train.loggers`` (``val_batch``: the validation inputs and targets
    they are shown each epoch; aekit.engine.loggers)."""
    import lightning.pytorch as pl
    from lightning.pytorch.callbacks import EarlyStopping

    from aekit.engine.checkpoint_io import AtomicCheckpointIO, RunCheckpoint
    from aekit.engine.loggers import LoggerImages, make_loggers
    from aekit.engine.progress import EpochBar, EpochLines

    t = cfg.train
    monitor = "val_loss" if has_val else "train_loss"
    # Two checkpoint callbacks: Lightning 2.6 writes `save_last` only when a top-k file was
    # saved in the same step, so with one callback last.ckpt went stale whenever the
    # validation loss stopped improving (and --resume restarted from the best epoch).
    callbacks: list[Any] = [
        RunCheckpoint(dirpath=run_dir / "checkpoints", filename="best", monitor=monitor,
                      mode="min", save_top_k=1, enable_version_counter=False),
        RunCheckpoint(dirpath=run_dir / "checkpoints", filename="last", monitor=None,
                      save_top_k=1, enable_version_counter=False),
    ]
    if t.patience is not None:
        callbacks.append(EarlyStopping(monitor=monitor, patience=t.patience, mode="min"))
    if snapshots:
        from aekit.engine.snapshots import SampleSnapshots

        callbacks.append(SampleSnapshots(run_dir, cfg.task.eval_seed))
    loggers = make_loggers(t.loggers, run_dir)
    if loggers:
        callbacks.append(LoggerImages(cfg.task.eval_seed, snapshots, val_batch))
    use_bar = not quiet and sys.stderr.isatty()
    if use_bar:
        callbacks.append(EpochBar(refresh_rate=max(1, n_batches // 50)))
    elif not quiet:  # logs: a long epoch says how far it is (the epoch line follows)
        callbacks.append(EpochLines())
    return pl.Trainer(
        max_epochs=t.epochs, accelerator=t.accelerator, devices=_devices(t.devices),
        num_nodes=t.num_nodes, strategy=t.strategy,
        precision=resolve_precision(t.precision, t.accelerator),
        logger=loggers or False, log_every_n_steps=max(1, min(50, n_batches // 10)),
        callbacks=callbacks, enable_progress_bar=use_bar,
        enable_model_summary=False, num_sanity_val_steps=0, default_root_dir=str(run_dir),
        gradient_clip_val=t.grad_clip, deterministic=False, benchmark=False,
        limit_val_batches=1.0 if has_val else 0,
        plugins=[AtomicCheckpointIO()],  # a failed save keeps the previous checkpoint
    )


def _fit(cfg: RunConfig, run_dir: Path, *, quiet: bool, ckpt_path: str | None,
         keep_epochs: int | None, splits: Splits | None = None
         ) -> tuple[Autoencoder, Splits, Any]:
    """Build data (unless ``splits`` is given), model and trainer, then fit; returns the
    trained model (best weights)."""
    import lightning.pytorch as pl
    import torch

    from aekit.data.splits import make_splits
    from aekit.engine.batches import (
        BatchSet,
        ImageListSet,
        batch_loader,
        batch_tensor,
        loader_workers,
    )
    from aekit.engine.history import HistoryWriter
    from aekit.engine.system import AutoencoderSystem
    from aekit.models import build_model
    from aekit.tasks.pairs import build_task

    quiet_lightning()
    t = cfg.train
    set_threads(t.threads)
    pl.seed_everything(t.seed, verbose=False)
    splits = make_splits(cfg.data, t.seed) if splits is None else splits
    task = build_task(cfg.task)
    model = build_model(cfg.model, splits.input_shape)
    x_train = batch_tensor(splits.x_train)  # (n, …) uint8 or float32
    labels = Capability.CONDITION in model.capabilities
    if labels and splits.y_train is None:
        raise DataError(f"{cfg.data.source} has no labels, but this model is conditioned on "
                        f"them (model.supervised); use labelled data or an unsupervised model")
    train = BatchSet(x_train, task, t.batch_size, shuffle=True, seed=t.seed,
                     drop_last=x_train.shape[0] > t.batch_size,
                     y=torch.from_numpy(splits.y_train) if labels else None)
    has_val = len(splits.x_val) > 0
    if isinstance(splits.x_val, list):  # whole photos of different sizes, one per batch
        val = ImageListSet([torch.from_numpy(v) for v in splits.x_val], task,
                           seed=cfg.task.eval_seed, multiple=model.size_multiple)
    else:
        val = BatchSet(batch_tensor(splits.x_val), task, max(t.batch_size, 256),
                       shuffle=False, seed=cfg.task.eval_seed,
                       y=torch.from_numpy(splits.y_val) if labels else None)
    on_gpu = t.accelerator in ("gpu", "cuda") or (t.accelerator == "auto"
                                                  and torch.cuda.is_available())
    workers = loader_workers(t.num_workers, x_train, on_gpu)
    # Without a terminal (logs, CI) one line per epoch replaces the progress bar.
    echo = None if quiet or sys.stderr.isatty() else reporter("train")
    history = HistoryWriter(run_dir / HISTORY, keep_epochs=keep_epochs, echo=echo,
                            total_epochs=t.epochs)
    system = AutoencoderSystem(model, t, history=history, task=task)
    snapshots = Capability.GENERATE in model.capabilities and len(splits.input_shape) == 3
    val_batch = val[0] if t.loggers and has_val and isinstance(val, BatchSet) \
        and not snapshots and len(splits.input_shape) == 3 else None  # the loggers' images
    trainer = build_trainer(cfg, run_dir, quiet=quiet, has_val=has_val, n_batches=len(train),
                            snapshots=snapshots, val_batch=val_batch)
    train.set_world(trainer.world_size)  # a sharded split: each rank reads its own shards
    if train.shard_ids is not None and not quiet and not is_worker_rank():
        say_shards(train, trainer.world_size)
    handler = signal.getsignal(signal.SIGINT)
    try:
        # weights_only: a checkpoint from someone else's run directory must not run code
        trainer.fit(system, train_dataloaders=batch_loader(train, workers,
                                                           TrainerEpoch(trainer)),
                    val_dataloaders=batch_loader(val, workers) if has_val else None,
                    ckpt_path=ckpt_path, weights_only=True)
    except SystemExit:
        # Lightning ≥ 2.5 turns Ctrl-C into sys.exit(1) after a graceful shutdown; report
        # it as an interruption so the caller can say how to resume.
        if trainer.interrupted:
            raise KeyboardInterrupt from None
        raise
    finally:
        signal.signal(signal.SIGINT, handler)  # Lightning leaves SIGINT ignored
    if trainer.interrupted:
        raise KeyboardInterrupt
    best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
    if model.select_best and best and _inside(Path(best), run_dir / "checkpoints") \
            and Path(best).is_file():
        # the run's own checkpoint (a path recorded in a resumed checkpoint that points
        # outside the run directory is never followed); tensors only, no code
        state = load_checkpoint(Path(best))["state_dict"]
        system.load_state_dict(state)
    model.eval()
    return model, splits, trainer


def say_shards(train: Any, world: int) -> None:
    """One line on how a sharded training split is read, and what an epoch leaves out."""
    n, shards = train.x.shape[0], len(set(train.shard_ids.tolist()))
    used = len(train) * train.batch_size  # every rank's full batches
    if world == 1:
        LOG.info(f"reading {n:,} training samples from {shards} shards, shard by shard")
        return
    LOG.info(f"{world} ranks read disjoint shards ({shards // world}–{-(-shards // world)} "
             f"of {shards} each, reshuffled every epoch): {used:,} of {n:,} training samples "
             f"per epoch, the same number on every rank; the rest fall to other epochs")


class TrainerEpoch:
    """The epoch a fit is at (not 0 on ``--resume``), as Lightning gives ``set_epoch``: a
    class, not a closure, so the loaders still pickle for ``ddp_spawn``."""

    def __init__(self, trainer: Any) -> None:
        self.trainer = trainer

    def __call__(self) -> int:
        return int(self.trainer.fit_loop.epoch_progress.current.processed)


def check_model_for(cfg: RunConfig, data_kind: str, shape: tuple[int, ...]) -> None:
    """Build the model once and refuse model/task/data combinations that cannot work (one
    line each), before anything is written."""
    from aekit.models import build_model, upscaling_presets
    from aekit.registry import MODELS
    from aekit.tasks.pairs import build_task

    task = build_task(cfg.task)
    name = cfg.model.preset or cfg.model.name
    upscales = Capability.UPSCALE in MODELS.get(cfg.model.name).capabilities
    if task.changes_size and not upscales:
        raise ConfigError(f"--task {cfg.task.name} needs a super-resolution model "
                          f"({upscaling_presets()}); {name} keeps the image size")
    if upscales and not task.changes_size:
        raise ConfigError(f"{name} upscales images; train it with --task superres "
                          f"--scale 2|3|4")
    check_model_memory(cfg, shape)
    model = build_model(cfg.model, shape)  # raises ConfigError for sizes it can't take
    caps = model.capabilities
    if Capability.EMBED not in caps and Capability.ANY_SIZE in caps and not task.restores:
        raise ConfigError(f"{name} restores images: train it with --task denoise (or "
                          f"superres for SR models)")
    if data_kind == "photos" and not task.restores:
        raise ConfigError(f"{cfg.data.source} holds photos for restoration: use --task denoise "
                          f"or --task superres")
    if data_kind == "photos" and Capability.ANY_SIZE not in caps:
        raise ConfigError(f"{cfg.data.source} holds photos of different sizes: train a fully "
                          f"convolutional model on their patches ({upscaling_presets()}, "
                          f"dncnn, dncnn-s or conv-full)")


def check_model_memory(cfg: RunConfig, shape: tuple[int, ...]) -> None:
    """Refuse, in one line and before allocating anything, a model whose training state
    (weights, gradients and two Adam moments in float32: 16 bytes a parameter) would not
    fit in this machine's memory. The model is built on PyTorch's meta device, which
    records shapes without storage."""
    import torch

    from aekit.models import build_model

    with torch.device("meta"):
        params = sum(p.numel() for p in build_model(cfg.model, shape).parameters())
    need, have = params * 16, physical_memory()
    if have and need > 0.8 * have:
        raise ConfigError(f"the {cfg.model.preset or cfg.model.name} model for samples of "
                          f"shape {tuple(shape)} has {params:,} parameters ("
                          f"{need / 2**30:,.0f} GB to train); this machine has "
                          f"{have / 2**30:.0f} GB: choose a smaller model (latent_dim, "
                          f"hidden, filters) or smaller images")


def is_worker_rank() -> bool:
    """True in DDP worker processes (global rank ≠ 0), which must not write the run dir.

    Lightning re-launches the same command for the other local ranks (and multi-node
    launchers start it on every node); the rank comes from the environment they set.
    Once Lightning is imported its ``rank_zero_only.rank`` decides; before that the same
    variables it reads are read here, so the checks made before training (a taken
    ``--out``, an unknown source) do not wait seconds for Lightning to import.
    """
    if "lightning" in sys.modules:
        from lightning.fabric.utilities.rank_zero import rank_zero_only

        return getattr(rank_zero_only, "rank", 0) != 0
    for key in ("RANK", "LOCAL_RANK", "SLURM_PROCID", "JSM_NAMESPACE_RANK"):
        value = os.environ.get(key)
        if value is not None:
            try:
                return int(value) != 0
            except ValueError:
                return False
    return False


LOCK = ".aekit-train.lock"  # flock-ed by the one process training into a run directory


class RunLock:
    """An exclusive ``flock`` on ``RUN/.aekit-train.lock`` for as long as a training or a
    resume writes the run directory. The kernel drops it when the process dies, so a lock
    file left by a killed run never blocks a legitimate rerun or resume; two live
    processes can never both hold it."""

    def __init__(self, run_dir: Path) -> None:
        import fcntl

        self.path = run_dir / LOCK
        self.fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise RunError(f"another `aekit train` is writing {run_dir} right now; wait for "
                           f"it to finish (or stop it) and try again") from None

    def release(self) -> None:
        """Remove the lock file and let go of the lock."""
        self.path.unlink(missing_ok=True)
        os.close(self.fd)


def check_new_dir(out: Path) -> None:
    """Refuse, in one line, an ``out`` that cannot become a new run directory: a finished
    or unfinished run, a file, a folder with files. Training calls it before it loads
    any data, so a taken ``--out`` is refused at once; :func:`_prepare_new_dir` checks
    again when it takes the directory."""
    if out.exists():
        if (out / WEIGHTS).is_file():
            raise RunError(f"{out} already holds a finished run; choose another --out or "
                           f"delete it")
        if (out / CONFIG).is_file():
            raise RunError(f"{out} holds an unfinished run; continue it with "
                           f"`aekit train --resume {out}` or delete it")
        if out.is_file() or any(p.name != LOCK for p in out.iterdir()):
            raise RunError(f"{out} exists and is not empty; choose a new --out directory")


def _prepare_new_dir(out: Path) -> RunLock:
    """Check that ``out`` can become a new run directory and take it: create it and lock
    it, so of two trainings started into one ``--out`` exactly one proceeds (the other
    gets a one-line error). A lock file left by a killed run is ignored."""
    check_new_dir(out)
    out.mkdir(parents=True, exist_ok=True)
    lock = RunLock(out)
    if (out / CONFIG).exists():  # another training took it first and wrote its config
        lock.release()
        raise RunError(f"another `aekit train` is writing {out}; choose another --out")
    return lock


# precision names Lightning takes (its short forms too), and the accelerators it knows
PRECISIONS = ("auto", "64", "32", "16", "bf16", "64-true", "32-true", "16-true", "bf16-true",
              "16-mixed", "bf16-mixed", "transformer-engine", "transformer-engine-float16")
ACCELERATORS = ("auto", "cpu", "gpu", "cuda", "mps", "tpu")


def check_shards_for_ranks(splits: Splits, t: TrainConfig) -> None:
    """Refuse, before the run directory exists, a sharded training split with fewer
    shards than the ranks asked for (a count in ``--devices`` × ``--num-nodes``; ``auto``
    and ``-1`` are checked when the trainer knows its size)."""
    from aekit.engine.batches import PickedRows, batch_tensor, check_shards

    x = batch_tensor(splits.x_train)
    ids = x.shard_ids() if isinstance(x, PickedRows) else None
    if ids is None or t.devices == "auto":
        return
    parts = [d for d in t.devices.split(",") if d.strip()]  # checked by check_devices
    count = len(parts) if "," in t.devices else int(parts[0])
    if count > 0:  # -1 (all devices): checked once the trainer knows how many
        check_shards(ids, count * t.num_nodes)


def check_devices(t: TrainConfig) -> None:
    """Refuse, in one line and before anything is loaded or written, device requests this
    machine cannot meet: an unknown accelerator, precision or strategy, a GPU where there
    is none, more CPU processes than cores (``--devices 99`` started 99 processes and
    hung), a device count below one. Lightning and torch are imported only for the
    questions that need them (a named strategy, a GPU count)."""
    if t.accelerator not in ACCELERATORS:
        raise ConfigError(f"--accelerator {t.accelerator!r} is not one of: "
                          f"{', '.join(ACCELERATORS)}")
    if t.precision not in PRECISIONS:
        raise ConfigError(f"--precision {t.precision!r} is not one of: {', '.join(PRECISIONS)}")
    if t.strategy != "auto":
        from lightning.pytorch.strategies import StrategyRegistry

        strategies = sorted(StrategyRegistry)
    if t.strategy != "auto" and t.strategy not in strategies:
        raise ConfigError(f"--strategy {t.strategy!r} is not a Lightning strategy; choose "
                          f"auto or one of: {', '.join(s for s in strategies if '_' not in s)}")
    if t.num_nodes < 1:
        raise ConfigError(f"--num-nodes must be at least 1; got {t.num_nodes}")
    if t.devices == "auto" and t.accelerator not in ("gpu", "cuda"):
        return
    import torch

    gpus = torch.cuda.device_count()
    if t.accelerator in ("gpu", "cuda") and gpus == 0:
        raise ConfigError(f"--accelerator {t.accelerator} but this machine has no CUDA GPU; "
                          f"use --accelerator cpu (or auto)")
    if t.devices == "auto":
        return
    try:
        ids = [int(d) for d in t.devices.split(",") if d.strip()]
    except ValueError:
        raise ConfigError(f"--devices must be auto, a count (e.g. 2) or device ids (e.g. "
                          f"0,1); got {t.devices!r}") from None
    count = ids[0] if len(ids) == 1 and "," not in t.devices else len(ids)
    if count == -1 and "," not in t.devices:  # Lightning's "all devices of this kind"
        return
    if count < 1:
        raise ConfigError(f"--devices must be at least 1 (or -1 for all); got {t.devices}")
    on_gpu = t.accelerator in ("gpu", "cuda") or (t.accelerator == "auto" and gpus > 0)
    have = gpus if on_gpu else (os.cpu_count() or 1)
    if count > have:
        kind = "GPUs" if on_gpu else "CPU cores (each device is one training process)"
        raise ConfigError(f"--devices {t.devices} asks for {count} devices; this machine has "
                          f"{have} {kind}")


def others_busy_cores(window: float = 0.2) -> float | None:
    """How many cores *other* processes kept busy over the last ``window`` seconds:
    the machine's busy CPU time (``/proc/stat``) minus this process's own (all its
    threads, ``/proc/self/stat``), divided by the window. ``None`` where ``/proc`` is
    not there. The load average would count this process's own recent work — the
    second job of ``aekit demo`` saw its first job's load and called the machine busy."""
    def sample() -> tuple[float, float]:
        with open("/proc/stat") as f:  # cpu user nice system idle iowait irq softirq steal
            v = [int(t) for t in f.readline().split()[1:9]]
        with open("/proc/self/stat") as f:
            own = f.read().rsplit(")", 1)[1].split()  # fields after the command name
        return float(sum(v) - v[3] - v[4]), float(int(own[11]) + int(own[12]))

    try:
        tick = float(os.sysconf("SC_CLK_TCK"))
        busy0, own0 = sample()
        time.sleep(window)
        busy1, own1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, (busy1 - busy0) - (own1 - own0)) / tick / window


def set_threads(threads: int | None) -> int:
    """Give PyTorch ``threads`` intra-op threads (default: the usable cores), and say in
    one line when other processes already keep the cores busy — two jobs on the same
    cores each run slower than alone. Returns the thread count set."""
    import torch

    cores = usable_cores()
    n = threads or cores
    torch.set_num_threads(n)
    others = others_busy_cores()
    if others is not None and others >= 0.75 * cores:
        LOG.warning(f"the machine is already busy (other processes use {others:.1f} of "
                    f"{cores} core{'s' if cores > 1 else ''}): this job will run slower "
                    f"than alone; --set train.threads=N limits its threads")
    return n


def check_loggers(names: list[str]) -> None:
    """Refuse, in one line, a logger whose package is not installed (found without
    importing it, so a refusal stays quick)."""
    import importlib.util

    from aekit.config import LOGGERS

    for name in names:
        package = LOGGERS.get(name)
        if package and importlib.util.find_spec(package) is None:
            extra = f"'aekit[{name}]'" if name == "tensorboard" else package
            raise ConfigError(f"--logger {name} needs the {package} package, which is not "
                              f"installed: pip install {extra}")


def prepare_config(cfg: RunConfig) -> None:
    """Check ``cfg`` in full (ranges, choices, the task and its noise spec, the devices)
    and put the optimizer's defaults in, so config.json records the learning rate used."""
    from aekit.tasks.pairs import build_task

    validate(cfg)
    build_task(cfg.task)  # unknown task / bad noise spec → one-line ConfigError
    check_devices(cfg.train)
    check_loggers(cfg.train.loggers)
    cfg.train.resolve_defaults()


def train_run(cfg: RunConfig, out: str | Path, *, quiet: bool = False) -> Path:
    """Train ``cfg`` into a new run directory ``out`` (weights written last)."""
    from aekit.data.sources import parse_spec
    from aekit.data.splits import load_dataset_for, make_splits, sample_shape
    from aekit.rundata import remember_sources, write_preprocessing

    run_dir = Path(out)
    if not is_worker_rank():  # what needs no data is refused before any data is read
        check_new_dir(run_dir)
        parse_spec(cfg.data.source)  # an unknown source: one line, now
    prepare_config(cfg)
    if not is_worker_rank():
        remember_sources(cfg.data)  # given on this machine: runs naming it may read it
    if is_worker_rank():  # rank 0 created the run directory before launching us
        _, saved, _ = read_run_config(run_dir)
        _fit(saved, run_dir, quiet=True, ckpt_path=None, keep_epochs=None)
        return run_dir
    # Fail on bad data/model before creating anything.
    ds = load_dataset_for(cfg.data)
    classes = None if ds.y_train is None else (
        len(ds.classes) if ds.classes else int(ds.y_train.max()) + 1)
    cfg.model.bind_data(cfg.data.source, classes, cfg.task)
    shape = sample_shape(cfg.data, ds)
    check_model_for(cfg, ds.kind, shape)
    # made from the loaded data once, before anything is written (bad extra photos refused)
    splits = make_splits(cfg.data, cfg.train.seed, ds=ds)
    check_shards_for_ranks(splits, cfg.train)
    created = not run_dir.exists()
    lock = _prepare_new_dir(run_dir)
    meta = {"aekit_version": __version__, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "data_fingerprint": ds.fingerprint, "input_shape": list(shape),
            "data_info": {"origin": ds.origin, "classes": ds.classes, "kind": ds.kind}}
    if splits.extra_fingerprints:  # provenance of the extra training photos
        meta["data_info"]["extra_photos"] = splits.extra_fingerprints
    try:
        write_config(cfg, run_dir / CONFIG, meta)
        write_preprocessing(run_dir, ds)  # csv: the fitted scaling new data is encoded with
        model, _, _ = _fit(cfg, run_dir, quiet=quiet, ckpt_path=None, keep_epochs=None,
                           splits=splits)
        return _finish(run_dir, model)
    except KeyboardInterrupt:
        LOG.warning(f"interrupted; continue with `aekit train --resume {run_dir}`")
        raise
    except OSError as exc:
        if exc.errno in DISK_FULL and (run_dir / "checkpoints" / "last.ckpt").is_file():
            # the epochs before it are saved (atomic saves keep the last good checkpoint)
            LOG.warning(f"the disk filled up; {run_dir} keeps its last finished epoch: "
                        f"free space, then `aekit train --resume {run_dir}`")
            raise
        _discard(run_dir, created)
        raise
    except BaseException:
        # e.g. NaN loss, a full disk: nothing worth keeping and nothing to resume from
        _discard(run_dir, created)
        raise
    finally:
        lock.release()


DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def _discard(run_dir: Path, created: bool) -> None:
    """Remove what a failed training wrote: the whole folder it created, or, in an empty
    folder the user gave, only its own files (leaving it empty again)."""
    from aekit.rundata import PREPROCESSING_FILES

    if created:
        shutil.rmtree(run_dir, ignore_errors=True)
    else:  # an empty folder the user gave: leave it empty again
        for name in (CONFIG, HISTORY, "checkpoints", "figures", "logs", *PREPROCESSING_FILES):
            target = run_dir / name
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() \
                else target.unlink(missing_ok=True)


def _finish(run_dir: Path, model: Autoencoder) -> Path:
    if not is_worker_rank():
        save_weights(model, run_dir / WEIGHTS)  # the run is complete from here on
    return run_dir


def _inside(path: Path, folder: Path) -> bool:
    """True when ``path`` resolves to a place inside ``folder``."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def load_checkpoint(path: Path) -> dict[str, Any]:
    """A Lightning checkpoint's contents, unpickled with ``weights_only=True`` (tensors,
    numbers, strings and containers only: a crafted file cannot run code); a file that
    needs more, or is damaged, is a one-line RunError."""
    import pickle

    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:160]
        raise RunError(f"{path} is not a checkpoint aekit can load safely ({first}); "
                       f"start the run again with `aekit train --config "
                       f"{path.parent.parent / CONFIG} --out NEW_DIR`") from None


def resume_run(run: str | Path, *, quiet: bool = False) -> Path:
    """Continue an interrupted run from ``checkpoints/last.ckpt``."""
    from aekit.rundata import check_data_trusted

    run_dir, cfg, _ = read_run_config(run)
    if (run_dir / WEIGHTS).is_file() and not is_worker_rank():
        raise RunError(f"{run_dir} is already complete; nothing to resume")
    last = run_dir / "checkpoints" / "last.ckpt"
    if not last.is_file():
        raise RunError(f"{run_dir} has no checkpoints/last.ckpt (interrupted before the first "
                       f"epoch ended); start it again with `aekit train --config "
                       f"{run_dir / CONFIG} --out NEW_DIR`")
    epoch = int(load_checkpoint(last)["epoch"]) + 1
    if not is_worker_rank():  # a received run may name any folder as its data
        check_data_trusted(cfg.data, run_dir)
    lock = None if is_worker_rank() else RunLock(run_dir)  # one resume at a time
    try:
        model, _, _ = _fit(cfg, run_dir, quiet=quiet, ckpt_path=str(last), keep_epochs=epoch)
        return _finish(run_dir, model)
    finally:
        if lock is not None:
            lock.release()
