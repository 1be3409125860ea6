"""Put runs to use over HTTP: ``serve`` (the API) and ``explore`` (the API + the page).

Handlers import the server lazily, so ``aekit --help`` needs neither FastAPI nor torch.
"""

from __future__ import annotations

import argparse


def _limits(args: argparse.Namespace) -> object:
    from aekit.errors import ConfigError
    from aekit.serve.uploads import Limits

    for flag, value in (("--max-body-mb", args.max_body_mb), ("--max-pixels", args.max_pixels),
                        ("--max-images", args.max_images)):
        if value <= 0:
            raise ConfigError(f"{flag} must be positive; got {value}")
    return Limits(max_body_bytes=int(args.max_body_mb * 2**20), max_pixels=args.max_pixels,
                  max_images=args.max_images)


def _run(args: argparse.Namespace, browser: bool) -> int:
    from aekit.serve.server import serve

    def ready(url: str) -> None:
        shown = url.split("?")[0]
        print(f"serving {len(args.runs)} run(s) at {shown} (API docs: {shown}docs); "
              f"Ctrl-C stops", flush=True)
        if browser:
            import webbrowser

            if not webbrowser.open(url):
                print(f"no browser found here; open {url} yourself", flush=True)

    serve(args.runs, host=args.host, port=args.port, api_key=args.api_key,
          limits=_limits(args), batching=not args.no_batching,  # type: ignore[arg-type]
          batch_timeout_ms=args.batch_timeout_ms, batch_pixels=args.batch_pixels,
          quantile=args.quantile, on_ready=ready)
    print("aekit serve: stopped", flush=True)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    return _run(args, browser=False)


def _cmd_explore(args: argparse.Namespace) -> int:
    return _run(args, browser=not args.no_browser)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("runs", nargs="+", metavar="RUN", help="finished run directories")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1: this machine only; any other "
                        "needs --api-key)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000; 0: any free)")
    p.add_argument("--api-key", help="require this key on every request (default: "
                                     "$AEKIT_API_KEY if set)")
    p.add_argument("--max-body-mb", type=float, default=16.0,
                   help="largest request body in MiB (default 16)")
    p.add_argument("--max-pixels", type=int, default=4096 * 4096,
                   help="largest image, in pixels, checked from its header before decoding "
                        "(default 16777216 = 4096²)")
    p.add_argument("--max-images", type=int, default=64,
                   help="most images or codes in one request (default 64)")
    p.add_argument("--no-batching", action="store_true",
                   help="one model call per request (default: concurrent requests are "
                        "batched)")
    p.add_argument("--batch-timeout-ms", type=float, default=0.0,
                   help="how long an idle model waits for more requests before it runs "
                        "(default 0: requests that arrive while it is busy are batched "
                        "anyway; a window only adds latency at low load, see docs/serve.md)")
    p.add_argument("--batch-pixels", type=int, default=128 * 128,
                   help="restoration: same-size images share a call up to this many pixels "
                        "in all (default 16384 = 128²; on this CPU larger batches of photos "
                        "ran slower, see docs/serve.md)")
    p.add_argument("--quantile", type=float, default=0.99,
                   help="anomaly threshold: this quantile of the validation split's scores "
                        "(default 0.99)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add this group's verbs to the ``aekit`` parser."""
    p = sub.add_parser("serve", help="serve runs over HTTP (encode, decode, denoise, score, …)",
                       description="Serve trained runs over HTTP (FastAPI on uvicorn). "
                                   "docs/serve.md lists the endpoints.")
    _common(p)
    p.set_defaults(func=_cmd_serve)
    p = sub.add_parser("explore", help="serve runs and open the explorer page in a browser",
                       description="aekit serve, then open the page: latent map and pad, "
                                   "interpolation, restoration playground, anomalies.")
    _common(p)
    p.add_argument("--no-browser", action="store_true", help="print the address only")
    p.set_defaults(func=_cmd_explore)
