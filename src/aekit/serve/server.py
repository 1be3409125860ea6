"""``aekit serve`` and ``aekit explore``: load runs, bind safely, serve with uvicorn.

Everything that can be wrong is checked before the port is bound: the extras are
installed, every run loads, a non-loopback address has an API key, the port is free.
The socket is bound here (so "port in use" is one line, and ``--port 0`` picks a free
port that is then printed) and handed to uvicorn, which stops cleanly on SIGINT and
SIGTERM: it finishes the requests in flight and exits with status 0.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from aekit.errors import ConfigError
from aekit.serve.uploads import Limits

LOOPBACK_NAMES = ("localhost",)
KEY_ENV = "AEKIT_API_KEY"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``: addresses only this machine reaches."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_key(host: str, api_key: str | None) -> str | None:
    """The API key to require (flag, else ``AEKIT_API_KEY``); refuses a public bind
    without one."""
    key = api_key if api_key is not None else os.environ.get(KEY_ENV)
    if key is not None and len(key) < 8:
        raise ConfigError("the API key must be at least 8 characters long")
    if not is_loopback(host) and not key:
        raise ConfigError(f"binding to {host} lets other machines reach these runs; pass "
                          f"--api-key KEY (or set {KEY_ENV}) so every request must carry it")
    return key or None


def require_extras() -> None:
    """One line when FastAPI/uvicorn are missing, instead of an ImportError."""
    try:
        import fastapi  # noqa: F401
        import python_multipart  # noqa: F401  (uploads)
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"aekit serve needs the serve extra ({exc.name} is missing): "
                          f"pip install 'aekit[serve]'") from None


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port), or one line saying why not."""
    if not 0 <= port <= 65535:
        raise ConfigError(f"--port must be 0…65535; got {port}")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConfigError(f"cannot resolve --host {host} ({exc.strerror})") from None
    family, kind, proto, _, addr = infos[0]
    # proto must say TCP: asyncio sets TCP_NODELAY only on sockets that do, and without it
    # every keep-alive response waited ~40 ms for a delayed ACK (Nagle; measured)
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        hint = "choose another --port (or --port 0 for any free one)" if port else ""
        raise ConfigError(f"cannot listen on {host}:{port} ({exc.strerror}); {hint}".rstrip(
            "; ")) from None
    sock.listen(128)
    return sock


def url_of(sock: socket.socket, host: str) -> str:
    """The http:// address a browser on this machine opens."""
    port = sock.getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


def load_services(runs: Sequence[str | Path], quantile: float) -> list[Any]:
    """Every run loaded (each refused in one line if it is not a finished run)."""
    from aekit.io import load_run
    from aekit.serve.service import RunService, service_names

    if not runs:
        raise ConfigError("give at least one run directory to serve")
    if not 0.5 <= quantile < 1:
        raise ConfigError(f"--quantile must be in [0.5, 1); got {quantile}")
    names = service_names([str(r) for r in runs])
    return [RunService(load_run(r), n, quantile=quantile) for r, n in zip(runs, names,
                                                                          strict=True)]


def serve(runs: Sequence[str | Path], *, host: str = "127.0.0.1", port: int = 8000,
          api_key: str | None = None, limits: Limits | None = None, batching: bool = True,
          batch_timeout_ms: float = 0.0, batch_pixels: int = 128 * 128,
          quantile: float = 0.99,
          on_ready: Callable[[str], None] | None = None, log_level: str = "warning") -> None:
    """Serve ``runs`` until SIGINT/SIGTERM. ``on_ready(url)`` is called once listening."""
    require_extras()
    import uvicorn

    from aekit.serve.app import create_app

    if batch_timeout_ms < 0 or batch_timeout_ms > 1000:
        raise ConfigError(f"--batch-timeout-ms must be 0…1000; got {batch_timeout_ms}")
    key = resolve_key(host, api_key)
    services = load_services(runs, quantile)
    if batch_pixels < 1:
        raise ConfigError(f"--batch-pixels must be positive; got {batch_pixels}")
    app = create_app(services, limits=limits, api_key=key, batching=batching,
                     batch_timeout_ms=batch_timeout_ms, batch_pixels=batch_pixels)
    sock = bind(host, port)
    url = url_of(sock, host)
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan="off",
                            timeout_graceful_shutdown=10)
    server = uvicorn.Server(config)
    if on_ready is not None:
        page_url = url + (f"?key={key}" if key else "")
        threading.Thread(target=_when_started, args=(server, on_ready, page_url),
                         daemon=True).start()
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the
    # handler that was there before it: make that one a no-op, so a stop is exit status 0
    main = threading.current_thread() is threading.main_thread()
    before = {sig: signal.signal(sig, _stopped) for sig in STOP_SIGNALS} if main else {}
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _stopped(signum: int, frame: Any) -> None:
    """The stop signal, re-raised by uvicorn once it has shut down: nothing left to do."""


def _when_started(server: Any, on_ready: Callable[[str], None], url: str) -> None:
    import time

    for _ in range(600):  # at most a minute; uvicorn sets .started once it serves
        if server.started:
            on_ready(url)
            return
        if server.should_exit:
            return
        time.sleep(0.1)
