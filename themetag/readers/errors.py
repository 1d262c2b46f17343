"""The one error every reader raises."""


class UnreadableReport(ValueError):
    """A report file that cannot be read as text; the message says why."""
