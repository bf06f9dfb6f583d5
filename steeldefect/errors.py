"""The exception types for mistakes a user can fix (bad paths, bad CSVs, bad RLE, bad config values).

The CLI prints its message as a single line and exits non-zero; library callers can catch it.
"""


class SteelDefectError(Exception):
    """A user-facing error: the message says what is wrong and where."""


class RLEError(SteelDefectError, ValueError):
    """A malformed run-length encoding."""


class ConfigError(SteelDefectError):
    """A configuration value is missing, unknown, of the wrong type or out of range."""
