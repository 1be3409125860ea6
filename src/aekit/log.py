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
