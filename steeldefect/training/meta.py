"""meta.json: what is needed to rebuild a run from its own folder."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from pathlib import Path

VERSIONED_PACKAGES = ("steeldefect", "tensorflow", "tensorflow-cpu", "keras", "numpy", "albumentations",
                      "opencv-python-headless", "pandas", "scikit-learn")  # recorded when installed


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape a training run, plus Python."""
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pass
    return versions


def git_commit() -> str | None:
    """The commit of the source tree this package runs from, with '-dirty' for local changes."""
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "steeldefect"],
                               cwd=root, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}-dirty" if dirty else commit
