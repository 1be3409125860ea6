"""A run applied to files: ``reconstruct``, ``denoise``, ``upscale``, ``encode``, ``decode``.

Each handler imports what it needs, so ``aekit --help`` stays free of torch.
"""

from __future__ import annotations

import argparse

from aekit.log import reporter


def _cmd_apply(args: argparse.Namespace) -> int:
    from aekit.tasks.apply import apply_to_images

    written = apply_to_images(args.run, args.images, args.out, mode=args.verb,
                              noise=getattr(args, "noise", None), seed=args.seed,
                              resize=args.resize, keep_size=getattr(args, "keep_size", False),
                              tile=getattr(args, "tile", 256))
    for path in written:
        print(path)
    return 0


def _cmd_upscale(args: argparse.Namespace) -> int:
    from aekit.tasks.restore import upscale_files

    written = upscale_files(args.run, args.images, args.out, scale=args.scale, tile=args.tile,
                            progress=None if args.quiet else reporter("upscale"))
    for path in written:
        print(path)
    return 0


def _cmd_encode(args: argparse.Namespace) -> int:
    from aekit.tasks.embed import encode_to_file

    path, n = encode_to_file(args.run, data=args.data, out=args.out, split=args.split,
                             limit=args.limit, projector=args.projector)
    print(f"{n} codes written to {path}")
    if args.projector:
        print(f"projector files written to {args.projector} (view: tensorboard --logdir "
              f"{args.projector}, the Projector tab)")
    return 0


def _cmd_decode(args: argparse.Namespace) -> int:
    from aekit.tasks.embed import decode_file

    written = decode_file(args.run, args.codes, args.out)
    print(f"{len(written)} images written to {args.out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's verbs to the ``aekit`` parser."""
    for verb, text in (("reconstruct", "reconstruct image files through a run's model"),
                       ("denoise", "denoise image files with a run's model")):
        p = sub.add_parser(verb, help=text)
        p.add_argument("run")
        p.add_argument("images", nargs="+", metavar="IMAGE")
        p.add_argument("--out", required=True, help="output directory (same file names)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--resize", action="store_true",
                       help="resize inputs to the model's image size instead of refusing them "
                            "(outputs have the model's size)")
        if verb == "reconstruct":
            p.add_argument("--keep-size", action="store_true",
                           help="resize inputs to the model's size and each output back to "
                                "its input's size (Lanczos); outputs keep the model's "
                                "colour: an RGB photo through a gray model comes back gray "
                                "at the photo's size")
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
    p.add_argument("--projector", metavar="DIR",
                   help="also write TensorBoard's embedding projector files (codes, labels, "
                        "a sprite of the images) into the new folder DIR")
    p.set_defaults(func=_cmd_encode)
    p = sub.add_parser("decode", help="decode codes from a .npy file into images")
    p.add_argument("run")
    p.add_argument("codes", metavar="FILE.npy")
    p.add_argument("--out", required=True)
    p.set_defaults(func=_cmd_decode)
