"""Generative runs: ``generate``, ``interpolate``, ``traverse``, ``style``.

Each handler imports what it needs, so ``aekit --help`` stays free of torch.
"""

from __future__ import annotations

import argparse


def _cmd_generate(args: argparse.Namespace) -> int:
    from aekit.tasks.generate import generate_images

    written = generate_images(args.run, args.n, args.out, seed=args.seed, zoom=args.zoom)
    print(f"{len(written) - 1} samples and grid.png written to {args.out}")
    return 0


def _cmd_interpolate(args: argparse.Namespace) -> int:
    from aekit.tasks.generate import interpolate

    print(interpolate(args.run, args.image_a, args.image_b, args.out, steps=args.steps,
                      label=args.label, zoom=args.zoom))
    return 0


def _cmd_traverse(args: argparse.Namespace) -> int:
    from aekit.tasks.generate import traverse

    print(traverse(args.run, args.out, image=args.image, steps=args.steps, span=args.span,
                   label=args.label, zoom=args.zoom))
    return 0


def _cmd_style(args: argparse.Namespace) -> int:
    from aekit.tasks.generate import style

    for path in style(args.run, args.image, args.out, zoom=args.zoom):
        print(path)
    return 0


ZOOM_HELP = ("enlarge images this many times (default: the shorter side ≥ 112 px, e.g. 4× "
             "for 28×28; 1 = the model's size)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's verbs to the ``aekit`` parser."""
    p = sub.add_parser("generate", help="samples from a generative run (vae, aae, dcgan)")
    p.add_argument("run")
    p.add_argument("-n", type=int, default=64, help="number of samples (default 64)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--zoom", type=int, help=ZOOM_HELP)
    p.set_defaults(func=_cmd_generate)
    p = sub.add_parser("interpolate", help="decode the codes between two images (a strip)")
    p.add_argument("run")
    p.add_argument("image_a", metavar="IMAGE_A")
    p.add_argument("image_b", metavar="IMAGE_B")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--label", type=int, help="class label for a supervised aae")
    p.add_argument("--out", required=True, help="output image file")
    p.add_argument("--zoom", type=int, help=ZOOM_HELP)
    p.set_defaults(func=_cmd_interpolate)
    p = sub.add_parser("traverse", help="grid varying one code dimension per row")
    p.add_argument("run")
    p.add_argument("--image", help="start from this image's code (default: the zero code)")
    p.add_argument("--steps", type=int, default=9)
    p.add_argument("--span", type=float, default=2.5, help="vary each dimension by ±span")
    p.add_argument("--label", type=int, help="class label for a supervised aae")
    p.add_argument("--out", required=True, help="output image file")
    p.add_argument("--zoom", type=int, help=ZOOM_HELP)
    p.set_defaults(func=_cmd_traverse)
    p = sub.add_parser("style", help="render an image's style in every class (supervised aae)")
    p.add_argument("run")
    p.add_argument("image", metavar="IMAGE")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--zoom", type=int, help=ZOOM_HELP)
    p.set_defaults(func=_cmd_style)
