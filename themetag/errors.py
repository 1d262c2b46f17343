"""The one error hierarchy: every error themetag raises on purpose, each with its exit code."""

from __future__ import annotations


class ThemetagError(Exception):
    """An error themetag explains; the command line ends with its `exit_code`."""

    exit_code = 2


class UsageError(ThemetagError, ValueError):
    """A call or command line that cannot be run as given."""


class ModelFileError(ThemetagError, ValueError):
    """A model file that is missing, damaged, untrusted or from an incompatible version."""


class UnreadableReport(ThemetagError, ValueError):
    """A report file that cannot be read as text; the message says why."""

    exit_code = 1


class JournalMismatch(ThemetagError, ValueError):
    """A journal left by a run over other reports or with another model."""


class ClusterError(ThemetagError, RuntimeError):
    """A scheduler that cannot be used: dask missing, a bad address, or no answer."""


class Interrupted(ThemetagError):
    """A run stopped by the user (Ctrl-C); what it finished is kept for --resume."""

    exit_code = 130


class OutputBusy(ThemetagError):
    """An output that another run is writing at this moment."""
