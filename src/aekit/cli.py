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
from typing import TYPE_CHECKING

from aekit import __version__
from aekit.errors import AekitError

if TYPE_CHECKING:
    from aekit.config import RunConfig


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
    p.add_argument("--recipe", help="a textbook exercise (see `aekit recipes`): its model, "
                   "data and training settings; flags and --set change them")
    p.add_argument("--model", help="model name or preset (see `aekit models`)")
    p.add_argument("--data", help="data source, e.g. mnist, fashion-mnist, folder:PATH, csv:PATH")
    p.add_argument("--task", help="reconstruct | denoise | superres")
    p.add_argument("--scale", type=int, help="superres: upscaling factor 2, 3 or 4")
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


def config_from_cli(args: argparse.Namespace) -> RunConfig:
    """Defaults ← model preset ← --config file ← flags ← --set overrides.

    The preset's values go in *first* (:func:`aekit.config.apply_items`), so every value
    the user gives explicitly wins over the preset — also one that equals a default
    (``--model lstm --loss mse`` trains with MSE even though the lstm preset says BCE).
    A saved config.json names every key, so it comes back exactly as it was.
    """
    from aekit.config import RunConfig, apply_items, parse_override, read_config_items, validate
    from aekit.tasks.pairs import build_task

    items: list[tuple[str, object, str]] = []
    recipe = getattr(args, "recipe", None)
    if recipe:
        from aekit.recipes import RECIPES, recipe_items

        if getattr(args, "model", None):
            raise AekitError(f"--recipe {recipe} fixes the model; change it with --set "
                             f"model.KEY=VALUE, or drop --recipe to use --model")
        items += recipe_items(recipe)
        if RECIPES.get(recipe).needs_data and not getattr(args, "data", None):
            raise AekitError(f"recipe {recipe} trains on your own images: give --data "
                             f"folder:DIR")
    if getattr(args, "config", None):
        items += [(k, v, str(args.config)) for k, v in read_config_items(args.config).items()]
    for attr, key in FLAG_KEYS.items():
        value = getattr(args, attr, None)
        if value is not None:
            items.append((key, value, f"--{attr.replace('_', '-')}"))
    items += [(*parse_override(o), "--set") for o in getattr(args, "overrides", None) or []]
    cfg = RunConfig()
    apply_items(cfg, items)
    validate(cfg)
    build_task(cfg.task)  # unknown task / bad noise spec → one line, before any data
    return cfg


def _cmd_train(args: argparse.Namespace) -> int:
    from aekit.api import resume, train
    from aekit.tasks.pairs import build_task

    if args.resume:
        run_dir = resume(args.resume, quiet=args.quiet, evaluate=not args.no_eval)
    else:
        if not args.out:
            raise AekitError("train needs --out RUN_DIR (or --resume RUN_DIR)")
        cfg = config_from_cli(args)
        if args.scale is not None and not build_task(cfg.task).changes_size:
            raise AekitError(f"--scale is for --task superres (this run's task is "
                             f"{cfg.task.name})")
        run_dir = train(cfg, args.out, quiet=args.quiet, evaluate=not args.no_eval)
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
                              resize=args.resize, tile=getattr(args, "tile", 256))
    for path in written:
        print(path)
    return 0


def _cmd_upscale(args: argparse.Namespace) -> int:
    from aekit.tasks.restore import upscale_files

    def say(msg: str) -> None:
        print(f"[upscale] {msg}", file=sys.stderr, flush=True)

    written = upscale_files(args.run, args.images, args.out, scale=args.scale, tile=args.tile,
                            progress=None if args.quiet else say)
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


def _cmd_generate(args: argparse.Namespace) -> int:
    from aekit.tasks.generate import generate_images

    written = generate_images(args.run, args.n, args.out, seed=args.seed)
    print(f"{len(written) - 1} samples and grid.png written to {args.out}")
    return 0


def _cmd_interpolate(args: argparse.Namespace) -> int:
    from aekit.tasks.generate import interpolate

    print(interpolate(args.run, args.image_a, args.image_b, args.out, steps=args.steps,
                      label=args.label))
    return 0


def _cmd_traverse(args: argparse.Namespace) -> int:
    from aekit.tasks.generate import traverse

    print(traverse(args.run, args.out, image=args.image, steps=args.steps, span=args.span,
                   label=args.label))
    return 0


def _cmd_style(args: argparse.Namespace) -> int:
    from aekit.tasks.generate import style

    for path in style(args.run, args.image, args.out):
        print(path)
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from aekit.models import describe_models

    for row in describe_models():
        print(f"{row['name']:<12} {row['family']:<7} {row['input']:<7} {row['description']}")
    return 0


def _cmd_recipes(args: argparse.Namespace) -> int:
    from aekit.recipes import describe_recipes

    rows = describe_recipes()
    if args.json:
        _print_json(rows)
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


# ------------------------------------------------ representations and anomalies (issue 6)
def _cmd_probe(args: argparse.Namespace) -> int:
    from aekit.evaluate.probe import format_probe, probe_run

    result = probe_run(args.run, data=args.data, limit=args.limit, test_limit=args.test_limit,
                       k=args.k, pixels=not args.no_pixels)
    if args.json:
        _print_json(result)
    else:
        print(format_probe(result))
    return 0


def _cmd_similar(args: argparse.Namespace) -> int:
    from aekit.tasks.similar import similar_images

    found = similar_images(args.run, args.image, k=args.k, out=args.out, data=args.data,
                           limit=args.limit, resize=args.resize)
    for rank, nb in enumerate(found, 1):
        label = "" if nb.label is None else f"  label {nb.label}"
        print(f"{rank:>3}. training sample {nb.index}{label}  distance {nb.distance:.4g}")
    print(f"strip written to {args.out}")
    return 0


def _cmd_pretrain(args: argparse.Namespace) -> int:
    from aekit.tasks.pretrain import PretrainConfig, pretrain

    cfg = PretrainConfig(data=args.data, label_fraction=args.labels, limit=args.limit,
                         pretext=args.pretext, noise=args.noise,
                         warmup_epochs=args.warmup_epochs, pretext_epochs=args.pretext_epochs,
                         epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                         seed=args.seed, compare_scratch=not args.no_scratch)
    if args.filters:
        cfg.filters = [int(v) for v in args.filters.split(",")]
    res = pretrain(cfg, args.out)
    line = f"pretrained: test accuracy {res['pretrained_accuracy']:.4f}"
    if "scratch_accuracy" in res:
        line += (f"; from scratch {res['scratch_accuracy']:.4f} "
                 f"({res['gain'] * 100:+.2f} points)")
    print(f"{line}  [{res['n_labelled']} labels, {res['supervised_epochs']} supervised epochs]")
    print(f"written to {args.out}")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    from aekit.anomaly import score_run

    summary = score_run(args.run, out=args.out, data=args.data, split=args.split,
                        limit=args.limit, contamination=args.contamination,
                        quantile=args.quantile)
    line = (f"{summary['n']} scores written to {summary['out']}; threshold "
            f"{summary['threshold']:.5g} ({summary['threshold_from']}): "
            f"{summary['outliers']} flagged ({summary['outlier_fraction']:.1%})")
    if "auroc" in summary:
        line += f"; AUROC {summary['auroc']:.4f} (normal = classes {summary['normal_classes']})"
    print(line)
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
            p.add_argument("--tile", type=int, default=256,
                           help="fully convolutional models: tile side in pixels (default 256)")
        p.set_defaults(func=_cmd_apply)

    p = sub.add_parser("upscale",
                       help="super-resolve image files of any size (srcnn, espcn, edsr-s)")
    p.add_argument("run")
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--out", required=True, help="output directory (same file names)")
    p.add_argument("--scale", type=int, help="check that the run upscales by this factor")
    p.add_argument("--tile", type=int, default=256,
                   help="tile side in input pixels; bounds memory on large images (default 256)")
    p.add_argument("--quiet", action="store_true", help="no per-image progress lines")
    p.set_defaults(func=_cmd_upscale)

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

    p = sub.add_parser("generate", help="samples from a generative run (vae, aae, dcgan)")
    p.add_argument("run")
    p.add_argument("-n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("interpolate", help="decode the codes between two images (a strip)")
    p.add_argument("run")
    p.add_argument("image_a", metavar="IMAGE_A")
    p.add_argument("image_b", metavar="IMAGE_B")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--label", type=int, help="class label for a supervised aae")
    p.add_argument("--out", required=True, help="output image file")
    p.set_defaults(func=_cmd_interpolate)

    p = sub.add_parser("traverse", help="grid varying one code dimension per row")
    p.add_argument("run")
    p.add_argument("--image", help="start from this image's code (default: the zero code)")
    p.add_argument("--steps", type=int, default=9)
    p.add_argument("--span", type=float, default=2.5, help="vary each dimension by ±span")
    p.add_argument("--label", type=int, help="class label for a supervised aae")
    p.add_argument("--out", required=True, help="output image file")
    p.set_defaults(func=_cmd_traverse)

    p = sub.add_parser("style", help="render an image's style in every class (supervised aae)")
    p.add_argument("run")
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(func=_cmd_style)

    p = sub.add_parser("models", help="list registered models and presets")
    p.set_defaults(func=_cmd_models)

    p = sub.add_parser("recipes", help="list the textbook exercises `train --recipe` runs")
    p.add_argument("--json", action="store_true", help="print them as JSON")
    p.set_defaults(func=_cmd_recipes)
    p = sub.add_parser("demo", help="train a conv and a denoising AE on Fashion-MNIST + reports")
    p.add_argument("--out", default="runs", help="parent directory for the demo runs")
    p.add_argument("--quick", action="store_true", help="tiny version (seconds) for smoke tests")
    p.set_defaults(func=_cmd_demo)
    p = sub.add_parser("probe", help="linear and k-NN probes on a run's codes vs PCA and pixels")
    p.add_argument("run")
    p.add_argument("--data", help="labelled data source (default: the run's own)")
    p.add_argument("--limit", type=int, help="first N training samples only")
    p.add_argument("--test-limit", type=int, help="first N test samples only")
    p.add_argument("-k", type=int, default=5, help="neighbours of the k-NN probe (default 5)")
    p.add_argument("--no-pixels", action="store_true", help="skip the raw-pixel probe (slow)")
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    p.set_defaults(func=_cmd_probe)

    p = sub.add_parser("similar", help="nearest training samples of an image, as a strip")
    p.add_argument("run")
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("-k", type=int, default=8, help="how many neighbours (default 8)")
    p.add_argument("--out", required=True, help="image file for the strip, e.g. similar.png")
    p.add_argument("--data", help="search another source's training split")
    p.add_argument("--limit", type=int, help="search the first N training samples only")
    p.add_argument("--resize", action="store_true", help="resize the image to the model's size")
    p.set_defaults(func=_cmd_similar)

    p = sub.add_parser("pretrain", help="pretext-pretrain a classifier's conv stem with an AE "
                       "and compare with training from scratch")
    p.add_argument("--data", default="fashion-mnist")
    p.add_argument("--labels", type=float, default=0.01,
                   help="fraction of training labels to use (default 0.01)")
    p.add_argument("--pretext", default="reconstruct", help="reconstruct | denoise")
    p.add_argument("--noise", default="gaussian:0.3", help="corruption for --pretext denoise")
    p.add_argument("--filters", help="stem channels per stage, e.g. 32,64")
    p.add_argument("--warmup-epochs", type=int, default=1)
    p.add_argument("--pretext-epochs", type=int, default=3)
    p.add_argument("--epochs", type=int, default=10, help="supervised epochs after pretraining")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--limit", type=int, help="first N training images only")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-scratch", action="store_true", help="skip the from-scratch comparison")
    p.add_argument("--out", required=True, help="directory for results.json and the weights")
    p.set_defaults(func=_cmd_pretrain)

    p = sub.add_parser("score", help="per-sample anomaly scores of a dataset + a threshold")
    p.add_argument("run")
    p.add_argument("--data", help="data source to score (default: the run's own)")
    p.add_argument("--split", default="test", choices=["train", "test"])
    p.add_argument("--limit", type=int)
    p.add_argument("--contamination", type=float,
                   help="expected outlier fraction in (0, 0.5] (default 0.1)")
    p.add_argument("--quantile", type=float,
                   help="threshold = this quantile of the run's validation scores, e.g. 0.99")
    p.add_argument("--out", required=True, help="scores.csv (index,label,score,outlier) or .npy")
    p.set_defaults(func=_cmd_score)
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
