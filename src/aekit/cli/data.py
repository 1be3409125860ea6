"""Datasets: ``aekit data list | info | fetch``.

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
    p = dsub.add_parser("fetch", help="download (or copy) a dataset into the cache, verified")
    p.add_argument("name")
    p.add_argument("--from", dest="from_dir", help="a local directory that holds the files")
    p.set_defaults(func=_cmd_data_fetch)
