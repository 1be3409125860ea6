"""Dynamic batching: concurrent requests to one model share one forward pass.

A request hands its rows (``(k, …)`` arrays with a leading batch axis) to a
:class:`Batcher` and awaits its own rows of the result. While a call of the same group
is running, arriving requests queue and all go together in the next call, up to
``max_batch`` rows; when nothing is running, the first request waits at most
``timeout_s`` (a few milliseconds) for company. So an idle server answers at once and a
busy one batches as deep as the load. Rows are grouped by ``key`` (e.g. the image size,
so a 256×256 and a 512×384 photo never share a tensor). With ``enabled=False`` each
request is one call — the reference the serve benchmark compares with.

All model calls go through one single-thread executor per server: PyTorch already uses
every core inside one call, and one thread means a model is never entered twice at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from concurrent.futures import Executor
from dataclasses import dataclass, field

import numpy as np


@dataclass
class _Group:
    items: list[tuple[tuple[np.ndarray, ...], asyncio.Future[np.ndarray]]] = field(
        default_factory=list)
    rows: int = 0
    timer: asyncio.TimerHandle | None = None


class Batcher:
    """Coalesce calls of ``fn(*parts) -> (n, …)`` whose parts are ``(n, …)`` arrays.

    ``max_batch`` bounds the rows of one call (``max_rows(key)`` can bound it lower per
    group); a single request larger than that is run on its own (never split, never
    refused here — the app's limits refuse it first).
    """

    def __init__(self, fn: Callable[..., np.ndarray], executor: Executor, *,
                 max_batch: int = 64, timeout_s: float = 0.0, enabled: bool = True,
                 max_rows: Callable[[Hashable], int] | None = None) -> None:
        self.fn = fn
        self.max_rows = max_rows  # per-key bound on rows (e.g. from the image size)
        self.executor = executor
        self.max_batch = max(1, int(max_batch))
        self.timeout_s = max(0.0, float(timeout_s))
        self.enabled = enabled
        self._groups: dict[Hashable, _Group] = {}
        self._running: set[Hashable] = set()  # groups with a call in flight
        self.calls = 0  # model calls made (the benchmark and tests read these)
        self.requests = 0

    async def __call__(self, *parts: np.ndarray, key: Hashable = ()) -> np.ndarray:
        """The rows of ``fn``'s result that belong to ``parts`` (same length)."""
        loop = asyncio.get_running_loop()
        self.requests += 1
        if not self.enabled:
            self.calls += 1
            return await loop.run_in_executor(self.executor, self.fn, *parts)
        fut: asyncio.Future[np.ndarray] = loop.create_future()
        group = self._groups.setdefault(key, _Group())
        group.items.append((parts, fut))
        group.rows += len(parts[0])
        limit = self.max_batch if self.max_rows is None else max(1, min(self.max_batch,
                                                                         self.max_rows(key)))
        if group.rows >= limit:
            self._flush(key)
        elif key in self._running:
            pass  # goes with the next call, when the running one ends
        elif self.timeout_s == 0:
            self._flush(key)
        elif group.timer is None:
            group.timer = loop.call_later(self.timeout_s, self._flush, key)
        return await fut

    def _flush(self, key: Hashable) -> None:
        group = self._groups.pop(key, None)
        if group is None:
            return
        if group.timer is not None:
            group.timer.cancel()
        self._running.add(key)
        asyncio.get_running_loop().create_task(self._run(key, group.items))

    async def _run(self, key: Hashable, items: list[tuple[tuple[np.ndarray, ...],
                                                          asyncio.Future[np.ndarray]]]
                   ) -> None:
        loop = asyncio.get_running_loop()
        counts = [len(parts[0]) for parts, _ in items]
        self.calls += 1
        try:
            joined = [np.concatenate([parts[j] for parts, _ in items])
                      for j in range(len(items[0][0]))]
            out = await loop.run_in_executor(self.executor, self.fn, *joined)
        except BaseException as exc:  # every waiting request gets the error
            for _, fut in items:
                if not fut.done():
                    fut.set_exception(exc)
            return
        finally:
            self._running.discard(key)
            if key in self._groups:  # requests that queued while this call ran
                self._flush(key)
        lo = 0
        for (_, fut), k in zip(items, counts, strict=True):
            if not fut.done():
                fut.set_result(out[lo:lo + k])
            lo += k
