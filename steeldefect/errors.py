"""The one exception type for mistakes a user can fix (bad paths, bad CSVs, bad RLE).

The CLI prints its message as a single line and exits non-zero; library callers can catch it.
"""


class SteelDefectError(Exception):
    """A user-facing error: the message says what is wrong and where."""


class RLEError(SteelDefectError, ValueError):
    """A malformed run-length encoding."""
