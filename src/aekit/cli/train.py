"""Training and what reads a whole run: ``train``, ``evaluate``, ``report``, ``models``,
``recipes``, ``demo``.

Each handler imports what it needs, so ``aekit --help`` stays free of torch.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from aekit.cli.common import print_json
from aekit.errors import AekitError

if TYPE_CHECKING:
    from aekit.config import RunConfig


# `--flag` → the config key it sets
FLAG_KEYS = {
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


# what a flag left out means, where the config's default is not a plain value
DEFAULT_TEXT = {
    "model.name": "dense",
    "model.latent_dim": "the model preset's, listed by `aekit models`",
    "model.loss": "the model preset's",
    "train.lr": "the optimizer's own: adam 1e-3, rmsprop 1e-2, adadelta 1.0, sgd 1e-3",
    "data.limit": "all of them",
    "train.precision": "32 on a CPU, bf16-mixed on a GPU that has it",
}


def _with_default(help_text: str, key: str) -> str:
    """``help_text`` plus ``(default: …)`` from the config schema, so ``train --help``
    shows what every omitted flag means. The sections are built on their own: a whole
    RunConfig resolves its model preset, which would import the models (and torch) for
    every command line."""
    from aekit.config import DataConfig, TaskConfig, TrainConfig

    if key in DEFAULT_TEXT:
        value = DEFAULT_TEXT[key]
    else:
        section, field = key.split(".")
        sections = {"data": DataConfig, "task": TaskConfig, "train": TrainConfig}
        value = getattr(sections[section](), field)
        if value is None:
            return help_text
    return f"{help_text} (default: {value})"


def _add_train_args(p: argparse.ArgumentParser) -> None:
    d = _with_default
    p.add_argument("--recipe", help="a textbook exercise (see `aekit recipes`): its model, "
                   "data and training settings; flags and --set change them")
    p.add_argument("--model", help=d("model name or preset (see `aekit models`)", "model.name"))
    p.add_argument("--data", help=d("data source, e.g. mnist, fashion-mnist, folder:PATH, "
                                    "csv:PATH", "data.source"))
    p.add_argument("--task", help=d("reconstruct | denoise | superres", "task.name"))
    p.add_argument("--scale", type=int, help=d("superres: upscaling factor 2, 3 or 4",
                                               "task.scale"))
    p.add_argument("--noise", help=d("corruption for denoise, e.g. gaussian:0.35, "
                   "gaussian-add:0.5,0.5, salt-pepper:0.1, mask:0.3", "task.noise"))
    p.add_argument("--latent-dim", type=int, help=d("size of the code", "model.latent_dim"))
    p.add_argument("--epochs", type=int, help=d("passes over the training split", "train.epochs"))
    p.add_argument("--batch-size", type=int, help=d("samples per optimizer step",
                                                       "train.batch_size"))
    p.add_argument("--lr", type=float, help=d("learning rate", "train.lr"))
    p.add_argument("--loss", help=d("reconstruction loss: mse | bce | l1", "model.loss"))
    p.add_argument("--optimizer", help=d("adam | rmsprop | adadelta | sgd", "train.optimizer"))
    p.add_argument("--limit", type=int, help=d("use only the first N training samples",
                                               "data.limit"))
    p.add_argument("--seed", type=int, help=d("seed of the split, the initial weights, the "
                                            "batch order and the noise", "train.seed"))
    p.add_argument("--config", help="YAML or JSON config file (CLI flags override it)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override any config key, e.g. --set train.patience=5 (repeatable; "
                        "--print-config lists every key)")
    p.add_argument("--accelerator", help=d("cpu | gpu | auto (Lightning)", "train.accelerator"))
    p.add_argument("--devices", help=d("Lightning devices, e.g. 1, 4 or auto", "train.devices"))
    p.add_argument("--num-nodes", type=int, help=d("number of nodes for DDP", "train.num_nodes"))
    p.add_argument("--strategy", help=d("Lightning strategy, e.g. ddp", "train.strategy"))
    p.add_argument("--precision", help=d("Lightning precision, e.g. 32, bf16-mixed",
                                         "train.precision"))
    p.add_argument("--logger", action="append", metavar="NAME",
                   help="also log to Lightning's csv | tensorboard | mlflow logger, in "
                        "RUN/logs/NAME (repeatable; history.csv is always written)")
    p.add_argument("--no-eval", action="store_true", help="skip evaluation and report at the end")
    p.add_argument("--print-config", action="store_true",
                   help="print the fully resolved config (YAML) and exit without training")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--out", help="run directory to create")
    p.add_argument("--resume", metavar="RUN", help="continue an interrupted run directory")


def _user_items(args: argparse.Namespace) -> list[tuple[str, object, str]]:
    """The ``(key, value, where)`` items the user gave: --config file, flags, --set."""
    from aekit.config import parse_override, read_config_items

    items: list[tuple[str, object, str]] = []
    if getattr(args, "config", None):
        items += [(k, v, str(args.config)) for k, v in read_config_items(args.config).items()]
    for attr, key in FLAG_KEYS.items():
        value = getattr(args, attr, None)
        if value is not None:
            items.append((key, value, f"--{attr.replace('_', '-')}"))
    if getattr(args, "logger", None):
        items.append(("train.loggers", list(args.logger), "--logger"))
    items += [(*parse_override(o), "--set") for o in getattr(args, "overrides", None) or []]
    return items


def config_from_cli(args: argparse.Namespace) -> RunConfig:
    """Defaults ← model preset ← --config file ← flags ← --set overrides.

    The preset's values go in *first* (:func:`aekit.config.apply_items`), so every value
    the user gives explicitly wins over the preset — also one that equals a default
    (``--model lstm --loss mse`` trains with MSE even though the lstm preset says BCE).
    A saved config.json names every key, so it comes back exactly as it was.
    """
    from aekit.config import RunConfig, apply_items, validate
    from aekit.tasks.pairs import build_task

    user = _user_items(args)
    items: list[tuple[str, object, str]] = []
    recipe = getattr(args, "recipe", None)
    if recipe:
        from aekit.recipes import RECIPES, recipe_items

        if getattr(args, "model", None):
            raise AekitError(f"--recipe {recipe} fixes the model; change it with --set "
                             f"model.KEY=VALUE, or drop --recipe to use --model")
        items += recipe_items(recipe)
        later = [(k, w) for k, _, w in user if k == "model.name"]
        if later:
            raise AekitError(f"--recipe {recipe} fixes the model; {later[0][1]} names another "
                             f"(change the recipe's model with --set model.KEY=VALUE)")
        if RECIPES.get(recipe).needs_data and not getattr(args, "data", None):
            raise AekitError(f"recipe {recipe} trains on your own images: give --data "
                             f"folder:DIR")
    cfg = RunConfig()
    apply_items(cfg, items + user)
    validate(cfg)
    build_task(cfg.task)  # unknown task / bad noise spec → one line, before any data
    return cfg


def _cmd_train(args: argparse.Namespace) -> int:
    from aekit.api import resume, train
    from aekit.tasks.pairs import build_task

    if args.resume:
        run_dir = resume(args.resume, quiet=args.quiet, evaluate=not args.no_eval)
    else:
        if not args.out and not args.print_config:
            raise AekitError("train needs --out RUN_DIR (or --resume RUN_DIR)")
        cfg = config_from_cli(args)
        if args.print_config:
            import yaml

            from aekit.engine.run import prepare_config

            prepare_config(cfg)  # the values training would use (optimizer defaults too)
            print(yaml.safe_dump(cfg.to_dict(), sort_keys=False), end="")
            return 0
        if args.noise is not None and not build_task(cfg.task).corrupts:
            raise AekitError(f"--noise is for --task denoise (this run's task is "
                             f"{cfg.task.name}, which does not corrupt its inputs)")
        if args.scale is not None and not build_task(cfg.task).changes_size:
            raise AekitError(f"--scale is for --task superres (this run's task is "
                             f"{cfg.task.name})")
        run_dir = train(cfg, args.out, quiet=args.quiet, evaluate=not args.no_eval)
    from aekit.engine.run import is_worker_rank

    if not is_worker_rank():  # DDP: the other ranks train too, rank 0 reports
        metrics, report = run_dir / "metrics.json", run_dir / "report.html"
        if not args.no_eval and metrics.is_file():  # the answer, as the demo ends
            from aekit.evaluate.run import summary_line
            from aekit.io import read_json

            print(summary_line(run_dir.name, read_json(metrics)))
            if report.is_file():
                print(f"  report: {report.resolve()}")
        print(f"run written to {run_dir}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from aekit.evaluate.run import evaluate_run, metrics_file, summary_line

    metrics = evaluate_run(args.run, data=args.data, limit=args.limit)
    if args.json:
        print_json(metrics)
        return 0
    print(summary_line(Path(args.run).name, metrics))
    where = metrics_file(args.run, data=args.data, limit=args.limit)
    note = "" if where.name == "metrics.json" else \
        " (a subset: the run's metrics.json and report are unchanged)"
    print(f"  metrics: {where}{note}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from aekit.report.html import write_report

    plane = None
    if args.plane_range:
        try:
            lo, hi = (float(v) for v in args.plane_range.split(","))
        except ValueError:
            raise AekitError(f"--plane-range takes LO,HI (e.g. --plane-range=-3,3); got "
                             f"{args.plane_range!r}") from None
        plane = (lo, hi)
    path = write_report(args.run, plane_range=plane)
    print(f"report written to {path}")
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from aekit.cli.listing import format_rows, model_rows

    for line in format_rows(model_rows()):
        print(line)
    return 0


def _cmd_recipes(args: argparse.Namespace) -> int:
    from aekit.recipes import describe_recipes

    rows = describe_recipes()
    if args.json:
        print_json(rows)
        return 0
    width = max(len(str(r["name"])) for r in rows)
    for r in rows:
        count = f"; {r['parameters']:,} parameters" if r["parameters"] else ""
        data = " (needs --data folder:DIR)" if r["needs_data"] else ""
        print(f"{r['name']:<{width}}  {r['shows']}{data}")
        print(f"{'':<{width}}  from: {r['source']}{count}")
    print("\nrun one: aekit train --recipe NAME [--set KEY=VALUE ...] --out RUN")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from aekit.tasks.demo import run_demo

    run_demo(out=args.out, quick=args.quick)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's verbs to the ``aekit`` parser."""
    p = sub.add_parser("train", help="train a model and write a run directory")
    _add_train_args(p)
    p.set_defaults(func=_cmd_train)
    p = sub.add_parser("evaluate", help="evaluate a run on its test split; writes metrics.json "
                                        "and prints the headline against the best baseline")
    p.add_argument("run")
    p.add_argument("--data", help="evaluate on another source with the same image shape")
    p.add_argument("--limit", type=int, help="evaluate on the first N test samples only "
                                              "(written to metrics.limitN.json)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON instead "
                                                       "of the summary")
    p.set_defaults(func=_cmd_evaluate)
    p = sub.add_parser("report", help="write report.html for a run")
    p.add_argument("run")
    p.add_argument("--plane-range", metavar="LO,HI",
                   help="the latent plane's code range on both axes, e.g. --plane-range=-3,3 "
                        "(the "
                        "textbook's fixed grid); default: the test codes' 1st-99th "
                        "percentile")
    p.set_defaults(func=_cmd_report)
    p = sub.add_parser("models", help="list registered models and presets")
    p.set_defaults(func=_cmd_models)
    p = sub.add_parser("recipes", help="list the textbook exercises `train --recipe` runs")
    p.add_argument("--json", action="store_true", help="print them as JSON")
    p.set_defaults(func=_cmd_recipes)
    p = sub.add_parser("demo", help="train a conv and a denoising AE on Fashion-MNIST + reports")
    p.add_argument("--out", default="runs", help="parent directory for the demo runs")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 600 images, 1 epoch, about a minute; not a result")
    p.set_defaults(func=_cmd_demo)
