"""Representations and anomalies: ``probe``, ``similar``, ``pretrain``, ``score``.

Each handler imports what it needs, so ``aekit --help`` stays free of torch.
"""

from __future__ import annotations

import argparse

from aekit.cli.common import print_json
from aekit.cli.generate import ZOOM_HELP


def _cmd_probe(args: argparse.Namespace) -> int:
    from aekit.evaluate.probe import format_probe, probe_run

    result = probe_run(args.run, data=args.data, limit=args.limit, test_limit=args.test_limit,
                       k=args.k, pixels=not args.no_pixels)
    if args.json:
        print_json(result)
    else:
        print(format_probe(result))
    return 0


def _cmd_similar(args: argparse.Namespace) -> int:
    from aekit.tasks.similar import similar_images

    found = similar_images(args.run, args.image, k=args.k, out=args.out, data=args.data,
                           limit=args.limit, resize=args.resize, zoom=args.zoom)
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


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's verbs to the ``aekit`` parser."""
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
    p.add_argument("--zoom", type=int, help=ZOOM_HELP)
    p.set_defaults(func=_cmd_similar)
    p = sub.add_parser("pretrain", help="pretext-pretrain a classifier's conv stem with an AE "
                       "and compare with training from scratch")
    p.add_argument("--data", default="fashion-mnist")
    p.add_argument("--labels", type=float, default=0.01,
                   help="fraction of training labels to use (default 0.01)")
    p.add_argument("--pretext", default="reconstruct",
                   help="reconstruct | denoise (stem autoencoder) | jigsaw (predict which of "
                   "64 permutations shuffled 3×3 tiles; Noroozi & Favaro 2016)")
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
