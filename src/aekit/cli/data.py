"""Datasets: ``aekit data list | info | fetch | prepare | shard``.

Each handler imports what it needs, so ``aekit --help`` stays free of torch.
"""

from __future__ import annotations

import argparse

from aekit.cli.common import print_json


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
        print_json(info)
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


def _cmd_data_prepare(args: argparse.Namespace) -> int:
    from aekit.data.catalog import prepare

    cache, written = prepare(args.name, image_size=args.image_size, channels=args.channels,
                             workers=args.workers)
    n, shape = len(cache.meta["parts"]), "×".join(str(d) for d in cache.meta["shape"])
    state = f"prepared in {cache.meta['seconds']} s" if written else "already prepared"
    print(f"{args.name}: {n:,} images of {shape} ({cache.nbytes / 1e6:,.0f} MB uint8) "
          f"{state}: {cache.path}")
    print("runs with the same data.image_size and data.channels read it instead of the "
          "image files; it is rebuilt when a file changes")
    return 0


def _cmd_data_shard(args: argparse.Namespace) -> int:
    from aekit.data.catalog import shard

    meta = shard(args.name, args.out, shard_size=args.shard_size,
                 val_fraction=args.val_fraction, seed=args.seed, image_size=args.image_size,
                 channels=args.channels)
    counts = ", ".join(f"{s} {v['count']:,} in {len(v['shards'])}"
                       for s, v in meta["splits"].items())
    print(f"{args.name}: {counts} shards of up to {meta['shard_size']:,} images: {args.out}")
    print(f"train on it with --data shards:{args.out} (validation and test are fixed; "
          f"data.val_fraction must stay {meta['val_fraction']:g})")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's verbs to the ``aekit`` parser."""
    data = sub.add_parser("data", help="list, describe and fetch datasets")
    dsub = data.add_subparsers(dest="data_verb", metavar="ACTION", required=True)
    p = dsub.add_parser("list", help="list the registered data sources")
    p.set_defaults(func=_cmd_data_list)
    p = dsub.add_parser("info", help="shapes, splits, classes, origin and checksums of a dataset")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_data_info)
    p = dsub.add_parser("prepare", help="decode a folder: once into a memory-mapped cache "
                        "(later runs read no image file; big folders stream from it)")
    p.add_argument("name", help="folder:PATH")
    p.add_argument("--image-size", type=int, default=None,
                   help="square side, as data.image_size (default 64)")
    p.add_argument("--channels", type=int, default=None, choices=(1, 3),
                   help="1 = gray, 3 = RGB, as data.channels (default 3)")
    p.add_argument("--workers", type=int, default=None,
                   help="decoding processes (default: the usable cores)")
    p.set_defaults(func=_cmd_data_prepare)
    p = dsub.add_parser("shard", help="write an image source as WebDataset tar shards "
                        "(read as shards:DIR; each DDP rank reads its own shards)")
    p.add_argument("name", help="an 8-bit image source: folder:PATH, mnist, cifar10, …")
    p.add_argument("--out", required=True, help="a new folder for the shards")
    p.add_argument("--shard-size", type=int, default=None,
                   help="images per shard (default: about 64 MB of pixels)")
    p.add_argument("--val-fraction", type=float, default=0.1,
                   help="validation split held out of the training split, fixed in the "
                   "shards (as data.val_fraction; default 0.1)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the validation split and the training order (default 0)")
    p.add_argument("--image-size", type=int, default=None,
                   help="square side for folder: (as data.image_size; default 64)")
    p.add_argument("--channels", type=int, default=None, choices=(1, 3),
                   help="1 = gray, 3 = RGB, as data.channels")
    p.set_defaults(func=_cmd_data_shard)
    p = dsub.add_parser("fetch", help="download (or copy) a dataset into the cache, verified")
    p.add_argument("name")
    p.add_argument("--from", dest="from_dir", help="a local directory that holds the files")
    p.set_defaults(func=_cmd_data_fetch)
