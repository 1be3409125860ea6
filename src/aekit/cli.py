"""``aekit <verb>``: the command line.

Thin by design: it parses arguments, calls library functions and prints. Heavy
modules (torch, lightning, matplotlib) are imported inside the handlers so that
``aekit --help`` starts fast. Every :class:`~aekit.errors.AekitError` becomes one
line on stderr and a non-zero exit; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from aekit import __version__
from aekit.errors import AekitError


def _print_json(obj: object) -> None:
    print(json.dumps(obj, indent=2, sort_keys=False, default=str))


# --------------------------------------------------------------------------- data
def _cmd_data_list(args: argparse.Namespace) -> int:
    from aekit.data.catalog import list_sources

    rows = list_sources()
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        print(f"{r['name']:<{width}}  {r['description']}")
    return 0


def _cmd_data_info(args: argparse.Namespace) -> int:
    from aekit.data.catalog import describe

    info = describe(args.name)
    if args.json:
        _print_json(info)
    else:
        for key, value in info.items():
            if isinstance(value, dict):
                print(f"{key}:")
                for k, v in value.items():
                    print(f"  {k}: {v}")
            else:
                print(f"{key}: {value}")
    return 0


def _cmd_data_fetch(args: argparse.Namespace) -> int:
    from aekit.data.catalog import fetch

    path = fetch(args.name, source_dir=args.from_dir)
    print(f"{args.name}: ready in {path}")
    return 0


# -------------------------------------------------------------------------- train
def _add_train_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="model name or preset (see `aekit models`)")
    p.add_argument("--data", help="data source, e.g. mnist, fashion-mnist, folder:PATH, csv:PATH")
    p.add_argument("--task", help="reconstruct | denoise")
    p.add_argument("--noise", help="corruption for denoise, e.g. gaussian:0.35, "
                   "gaussian-add:0.5,0.5, salt-pepper:0.1, mask:0.3")
    p.add_argument("--latent-dim", type=int, help="size of the code")
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="learning rate")
    p.add_argument("--loss", help="reconstruction loss: mse | bce | l1")
    p.add_argument("--optimizer", help="adam | rmsprop | adadelta | sgd")
    p.add_argument("--limit", type=int, help="use only the first N training samples")
    p.add_argument("--seed", type=int)
    p.add_argument("--config", help="YAML or JSON config file (CLI flags override it)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override any config key, e.g. --set train.patience=5 (repeatable)")
    p.add_argument("--accelerator", help="cpu | gpu | auto (Lightning)")
    p.add_argument("--devices", help="Lightning devices, e.g. 1, 4 or auto")
    p.add_argument("--num-nodes", type=int, help="number of nodes for DDP")
    p.add_argument("--strategy", help="Lightning strategy, e.g. ddp")
    p.add_argument("--precision", help="Lightning precision, e.g. 32, bf16-mixed")
    p.add_argument("--no-eval", action="store_true", help="skip evaluation and report at the end")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--out", help="run directory to create")
    p.add_argument("--resume", metavar="RUN", help="continue an interrupted run directory")


def _cmd_train(args: argparse.Namespace) -> int:
    from aekit.config import config_from_cli
    from aekit.train.run import resume_run, train_run

    if args.resume:
        run_dir = resume_run(args.resume, quiet=args.quiet, evaluate=not args.no_eval)
    else:
        if not args.out:
            raise AekitError("train needs --out RUN_DIR (or --resume RUN_DIR)")
        cfg = config_from_cli(args)
        run_dir = train_run(cfg, args.out, quiet=args.quiet, evaluate=not args.no_eval)
    print(f"run written to {run_dir}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from aekit.evaluate.run import evaluate_run

    metrics = evaluate_run(args.run, data=args.data, limit=args.limit)
    _print_json(metrics)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from aekit.report.html import write_report

    path = write_report(args.run)
    print(f"report written to {path}")
    return 0


def _cmd_apply(args: argparse.Namespace) -> int:
    from aekit.tasks.apply import apply_to_images

    written = apply_to_images(args.run, args.images, args.out, mode=args.verb,
                              noise=getattr(args, "noise", None), seed=args.seed,
                              resize=args.resize)
    for path in written:
        print(path)
    return 0


def _cmd_encode(args: argparse.Namespace) -> int:
    from aekit.tasks.embed import encode_to_file

    path, n = encode_to_file(args.run, data=args.data, out=args.out, split=args.split,
                             limit=args.limit)
    print(f"{n} codes written to {path}")
    return 0


def _cmd_decode(args: argparse.Namespace) -> int:
    from aekit.tasks.embed import decode_file

    written = decode_file(args.run, args.codes, args.out)
    print(f"{len(written)} images written to {args.out}")
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from aekit.models import describe_models

    for row in describe_models():
        print(f"{row['name']:<12} {row['family']:<7} {row['input']:<7} {row['description']}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from aekit.tasks.demo import run_demo

    run_demo(out=args.out, quick=args.quick)
    return 0


# -------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="aekit",
        description="Autoencoder toolkit: train, evaluate and apply autoencoders.",
    )
    parser.add_argument("--version", action="version", version=f"aekit {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")

    data = sub.add_parser("data", help="list, describe and fetch datasets")
    dsub = data.add_subparsers(dest="data_verb", metavar="ACTION", required=True)
    p = dsub.add_parser("list", help="list the registered data sources")
    p.set_defaults(func=_cmd_data_list)
    p = dsub.add_parser("info", help="shapes, splits, classes, origin and checksums of a dataset")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_data_info)
    p = dsub.add_parser("fetch", help="download (or copy) a dataset into the cache, verified")
    p.add_argument("name")
    p.add_argument("--from", dest="from_dir", help="a local directory that holds the files")
    p.set_defaults(func=_cmd_data_fetch)

    p = sub.add_parser("train", help="train a model and write a run directory")
    _add_train_args(p)
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("evaluate", help="evaluate a run on its test split; writes metrics.json")
    p.add_argument("run")
    p.add_argument("--data", help="evaluate on another source with the same image shape")
    p.add_argument("--limit", type=int, help="evaluate on the first N test samples only")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("report", help="write report.html for a run")
    p.add_argument("run")
    p.set_defaults(func=_cmd_report)

    for verb, text in (("reconstruct", "reconstruct image files through a run's model"),
                       ("denoise", "denoise image files with a run's model")):
        p = sub.add_parser(verb, help=text)
        p.add_argument("run")
        p.add_argument("images", nargs="+", metavar="IMAGE")
        p.add_argument("--out", required=True, help="output directory (same file names)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--resize", action="store_true",
                       help="resize inputs to the model's image size instead of refusing them")
        if verb == "denoise":
            p.add_argument("--noise", help="add this corruption first (to demo on clean images)")
        p.set_defaults(func=_cmd_apply)

    p = sub.add_parser("encode", help="write codes of a dataset (.npy or .csv)")
    p.add_argument("run")
    p.add_argument("--data", help="data source (default: the run's own)")
    p.add_argument("--split", default="test", choices=["train", "test"])
    p.add_argument("--limit", type=int)
    p.add_argument("--out", required=True)
    p.set_defaults(func=_cmd_encode)

    p = sub.add_parser("decode", help="decode codes from a .npy file into images")
    p.add_argument("run")
    p.add_argument("codes", metavar="FILE.npy")
    p.add_argument("--out", required=True)
    p.set_defaults(func=_cmd_decode)

    p = sub.add_parser("models", help="list registered models and presets")
    p.set_defaults(func=_cmd_models)

    p = sub.add_parser("demo", help="train a conv and a denoising AE on Fashion-MNIST + reports")
    p.add_argument("--out", default="runs", help="parent directory for the demo runs")
    p.add_argument("--quick", action="store_true", help="tiny version (seconds) for smoke tests")
    p.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``aekit`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except AekitError as exc:
        print(f"aekit: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("aekit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
