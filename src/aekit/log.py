"""Every message aekit prints about its work goes through ``logging.getLogger("aekit")``.

Results a command was asked for (a summary, a path, JSON) go to stdout; everything said
*about* the work — progress of a phase, notes on the data, warnings — is a log record:
INFO for progress, WARNING for problems that do not stop the work. A phase's progress
lines come from :func:`reporter`: the one progress-callback convention, a
``Say = Callable[[str], None]`` that functions take as ``progress``/``say`` and call with
one line at a time. Its records go to the child logger ``aekit.<topic>`` and show as
``[topic] message``; records of ``aekit`` itself show as ``aekit: message``.

So that a plain ``aekit`` command and a notebook both show these lines on stderr,
importing this module gives the ``aekit`` logger one console handler, :data:`CONSOLE`
(level INFO), unless the logger already has a handler or a level (an application that
configured it first is left alone). The CLI sets its level with :func:`console`; an
application that wants the records elsewhere removes it:
``logging.getLogger("aekit").removeHandler(aekit.log.CONSOLE)``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import TextIO

LOG = logging.getLogger("aekit")
Say = Callable[[str], None]


class StderrHandler(logging.StreamHandler):
    """A stream handler that writes to whatever ``sys.stderr`` is when a record arrives.

    ``logging.StreamHandler()`` keeps the stream it was created with; resolving it per
    record means redirected or captured stderr (tests, notebooks) sees the messages.
    """

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:  # type: ignore[override]
        """The current ``sys.stderr``."""
        return sys.stderr


class TopicFormatter(logging.Formatter):
    """``aekit.evaluate`` records as ``[evaluate] …``, ``aekit`` records as ``aekit: …``."""

    def format(self, record: logging.LogRecord) -> str:
        msg = record.getMessage()
        topic = record.name.removeprefix("aekit").lstrip(".")
        return f"[{topic}] {msg}" if topic else f"aekit: {msg}"


CONSOLE = StderrHandler()
CONSOLE.setFormatter(TopicFormatter())

if not LOG.handlers and LOG.level == logging.NOTSET:
    LOG.addHandler(CONSOLE)
    LOG.setLevel(logging.INFO)


def console(level: int = logging.INFO) -> None:
    """Show aekit's records of ``level`` and above on stderr (the CLI calls this)."""
    if CONSOLE not in LOG.handlers:
        LOG.addHandler(CONSOLE)
    LOG.setLevel(level)


def reporter(topic: str, enabled: bool = True) -> Say:
    """The progress callback of one phase: INFO records on ``aekit.<topic>``, or a no-op."""
    if not enabled:
        return lambda msg: None
    log = logging.getLogger(f"aekit.{topic}")
    return lambda msg: log.info(msg)


EVERY = 10.0  # seconds between two progress lines of one phase, without a terminal


def _clock(seconds: float) -> str:
    """``75.2`` → ``"1:15"``, ``3725`` → ``"1:02:05"``."""
    s = max(0, int(round(seconds)))
    h, rest = divmod(s, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


def eta_text(done: float, total: float, elapsed: float) -> str:
    """``"0:42 left"`` from the share of the work done so far and the time it took
    (a constant rate: what every phase of aekit's has, one batch or image like the next);
    ``""`` before there is anything to estimate from."""
    if done <= 0 or total <= 0 or elapsed <= 0:
        return ""
    return f"{_clock(elapsed * (total - done) / done)} left"


class Progress:
    """The progress of one long phase with a known amount of work, with an ETA.

    On a terminal (stderr is a TTY and aekit's console handler shows INFO) it draws a
    bar that rewrites one line; otherwise — logs, CI, a notebook — it emits an INFO line
    on ``aekit.<topic>`` at most every ``every`` seconds (:data:`EVERY`) (``[evaluate] model pass:
    4,096/10,000 images, 0:12 left``), so a phase that ends within ``every`` seconds says
    nothing beyond what its caller says. Use it as a context manager (or call
    :meth:`close`)::

        with Progress("evaluate", "model pass", total=n, unit="images") as bar:
            for batch in batches:
                ...
                bar.update(len(batch))

    ``enabled=False`` makes every call a no-op, like :func:`reporter`; ``lines=True``
    always logs lines, also on a terminal (where something else draws the bar).
    """

    def __init__(self, topic: str, what: str, total: int, unit: str = "", *,
                 enabled: bool = True, every: float | None = None, lines: bool = False
                 ) -> None:
        import time

        self.topic, self.what, self.total, self.unit = topic, what, max(0, int(total)), unit
        self.enabled, self.done = enabled and total > 0, 0
        self.every = EVERY if every is None else every
        self._log = logging.getLogger(f"aekit.{topic}")
        self._start = self._last = time.perf_counter()
        self._bar = self.enabled and not lines and _terminal(self._log)
        self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _text(self, elapsed: float) -> str:
        unit = f" {self.unit}" if self.unit else ""
        eta = eta_text(self.done, self.total, elapsed)
        return f"{self.what}: {self.done:,}/{self.total:,}{unit}" + (f", {eta}" if eta else "")

    def update(self, n: int = 1) -> None:
        """Count ``n`` more units of work done; draw or log if it is time to."""
        import time

        if not self.enabled:
            return
        self.done = min(self.total, self.done + n)
        now = time.perf_counter()
        if self._bar:
            if now - self._last >= 0.2 or self.done == self.total:
                self._last = now
                share = self.done / self.total
                bar = "█" * int(24 * share) + "░" * (24 - int(24 * share))
                sys.stderr.write(f"\r[{self.topic}] {bar} {share:4.0%} "
                                 f"{self._text(now - self._start)}\033[K")
                sys.stderr.flush()
                self._drawn = True
        elif now - self._last >= self.every and self.done < self.total:
            self._last = now
            self._log.info(self._text(now - self._start))

    def close(self) -> None:
        """End the bar's line (a terminal); nothing else to say — the caller's next line
        says what the phase produced."""
        if self._drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._drawn = False
        self.enabled = False


def _terminal(log: logging.Logger) -> bool:
    """Whether progress for ``log`` shows as a redrawn bar: aekit's console handler is
    writing INFO records to a terminal."""
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and CONSOLE in LOG.handlers and log.isEnabledFor(logging.INFO)


# A phase's maker of progress bars: ``bars(what, total, unit)`` → :class:`Progress`
Bars = Callable[[str, int, str], Progress]


def bars(topic: str, enabled: bool = True) -> Bars:
    """The :class:`Progress` maker of one topic (all no-ops when not ``enabled``), passed
    down like a :func:`reporter` so a function deep in a phase can show how far it is."""
    return lambda what, total, unit="": Progress(topic, what, total, unit, enabled=enabled)


NO_BARS: Bars = bars("", enabled=False)
