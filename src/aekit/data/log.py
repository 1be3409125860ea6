"""Progress and notes from the data layer, on the ``aekit`` logger.

Fetching and loading say what they do (``mnist: fetching into …``, ``skipped 2
unreadable files …``) through ``logging.getLogger("aekit")`` rather than ``print``, so
an application can silence, redirect or reformat them with the standard
:mod:`logging` machinery. Progress is ``INFO`` (fetching reports through its ``say``
callback, which defaults to this logger); problems with the user's data that do not
stop the load (unreadable files skipped in a folder) are ``WARNING``.

So that a plain ``aekit`` command still shows these lines on stderr as ``aekit: …``
(as it did when they were printed), importing this module gives the ``aekit`` logger
one console handler, :data:`CONSOLE`, and level ``INFO`` -- but only if the logger has
no handler and no level of its own yet (an application that configured it first is
left alone). To take over the output later, remove it:
``logging.getLogger("aekit").removeHandler(CONSOLE)``.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

LOG = logging.getLogger("aekit")


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


CONSOLE = StderrHandler()
CONSOLE.setFormatter(logging.Formatter("aekit: %(message)s"))

if not LOG.handlers and LOG.level == logging.NOTSET:
    LOG.addHandler(CONSOLE)
    LOG.setLevel(logging.INFO)

