"""``aekit <verb>``: the command line.

Thin by design: it parses arguments, calls library functions and prints. One module per
verb group (``data``, ``train``, ``apply``, ``generate``, ``export``, ``analysis``,
``serve``), each adding its own sub-parsers with ``register(sub)``; heavy modules (torch,
lightning, matplotlib) are imported inside the handlers so that ``aekit --help`` starts
fast. Every :class:`~aekit.errors.AekitError` becomes one line on stderr and exit status
2; anything else is a bug and keeps its traceback. The CLI configures the ``aekit``
logger's handler.
"""

from __future__ import annotations

import argparse
import errno
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from aekit import __version__
from aekit.cli import analysis, apply, data, export, generate, serve, train
from aekit.cli.train import FLAG_KEYS, config_from_cli
from aekit.errors import AekitError

__all__ = ["FLAG_KEYS", "build_parser", "config_from_cli", "main"]

GROUPS = (data, train, apply, generate, export, analysis, serve)  # the order of `aekit --help`
# what the machine, not aekit, gets wrong: a read-only place, no permission, a full disk
USER_OS_ERRORS = frozenset({errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC,
                            errno.EDQUOT})


_STAGING_DIRS = (".aekit-partial-", ".fetch-")  # hidden folders outputs are staged in
_RANDOM = re.compile(r"\.(\d+|[a-z0-9_]{8})$")  # a pid or mkstemp's random part


def shown_path(filename: str) -> str:
    """The path a user knows for ``filename``: without aekit's hidden staging folders
    and temp-file names (``out/.aekit-partial-x1/000.png`` → ``out/000.png``,
    ``.codes.csv.tmp`` → ``codes.csv``, ``.last.ckpt.4242.tmp`` → ``last.ckpt``), so a
    message names the file the command was writing, not where it stood for a moment."""
    parts = []
    for part in Path(filename).parts:
        if part.startswith(_STAGING_DIRS):
            continue
        if part.startswith(".") and (part.endswith(".tmp") or part.endswith(".tmp.npy")):
            part = part[1:].removesuffix(".npy").removesuffix(".tmp")
            part = _RANDOM.sub("", part)
        parts.append(part)
    return str(Path(*parts)) if parts else filename


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="aekit",
        description="Autoencoder toolkit: train, evaluate and apply autoencoders.",
    )
    parser.add_argument("--version", action="version", version=f"aekit {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``aekit`` console script; returns the exit code."""
    from aekit.log import console

    console()
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
    except OSError as exc:
        if exc.errno not in USER_OS_ERRORS:
            raise  # anything else is our bug and keeps its traceback
        where = f" {shown_path(str(exc.filename))}" if exc.filename else ""
        print(f"aekit: error: cannot write{where}: {exc.strerror or exc}; free space or "
              f"choose a writable place", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("aekit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
