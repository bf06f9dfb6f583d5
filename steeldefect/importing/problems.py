"""Problems of bad input: raised as one line at the first, or collected when bad images are skipped.

Every problem names the file it is about (``masks/a.png: 320x1600, but its image is 256x1600``). Without
``--skip-bad`` the first one stops the import; with it, the image is left out and the problem listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from steeldefect.errors import SteelDefectError


@dataclass
class Problems:
    """A collector of one-line problems: ``report`` raises unless ``skip_bad``."""

    skip_bad: bool = False
    found: list[str] = field(default_factory=list)

    def report(self, message: str) -> None:
        """Raise ``message`` as a SteelDefectError, or (``skip_bad``) remember it and go on."""
        if not self.skip_bad:
            raise SteelDefectError(message)
        self.found.append(message)

    def guard(self, call, *args):
        """``call(*args)``, or None after reporting its SteelDefectError (an unreadable file, a bad mask)."""
        try:
            return call(*args)
        except SteelDefectError as err:
            self.report(str(err))
            return None
