"""User-facing errors.

Anything a user can cause (unknown model, missing dataset, a corrupt file, a bad
``--set``) raises :class:`AekitError` with one line saying what is wrong and what to
do. The CLI prints that line and exits non-zero; every other exception is a bug in
aekit and keeps its traceback.
"""


class AekitError(Exception):
    """An error caused by the user's input or environment, with a one-line message."""

    exit_code: int = 2


class DataError(AekitError):
    """A dataset could not be found, fetched, verified or parsed."""


class ConfigError(AekitError):
    """A configuration value, option or override is invalid."""


class RunError(AekitError):
    """A run directory is missing, incomplete, corrupt or of the wrong kind."""


class TrainingError(AekitError):
    """Training diverged (e.g. NaN loss) or cannot proceed."""
