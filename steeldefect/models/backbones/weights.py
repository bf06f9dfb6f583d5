"""Loading backbone weights: the ImageNet file (cached, or downloaded only when the host answers
within seconds), keras-applications ``.h5`` files, and Keras 3 ``.weights.h5`` files.
"""

from __future__ import annotations

import os
import socket
import threading
import warnings
from urllib.parse import urlparse

import keras

from steeldefect.errors import SteelDefectError

NETWORK_TIMEOUT_S = 3.0  # how long the reachability check waits before "imagenet" gives up
CACHE_SUBDIR = "models"  # keras.utils.get_file's folder for application weights under the Keras home
HTTPS_PORT = 443


def keras_home() -> str:
    """The Keras home folder: ``$KERAS_HOME``, else ~/.keras (what keras.utils.get_file uses)."""
    return os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")


def keras_cache_path(file_name: str) -> str:
    """Where the ImageNet file ``file_name`` is cached: <Keras home>/models/<file_name>."""
    return os.path.join(keras_home(), CACHE_SUBDIR, file_name)


def host_reachable(host: str, port: int = HTTPS_PORT, timeout: float = NETWORK_TIMEOUT_S) -> bool:
    """True if a TCP connection to host:port opens within ``timeout`` seconds (DNS included)."""
    result = []

    def connect():
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    # A thread, because name resolution ignores socket timeouts and can hang for minutes offline.
    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout)
    return bool(result and result[0])


def fetch_imagenet_file(imagenet, backbone: str) -> str:
    """Local path of ``imagenet`` (an ImagenetFile): the Keras cache, else a download.

    The download host is probed first (at most NETWORK_TIMEOUT_S): when it does not answer, a cached
    file is used as is, and without one SteelDefectError says how to pass a file downloaded elsewhere,
    instead of keras hanging on the download.
    """
    if imagenet.locate is not None:  # shipped by an installed package: no download
        return imagenet.locate()
    how_to_fix = (
        f"download {imagenet.origin} on a machine with internet and pass its path as the weights "
        f"(e.g. weights: /path/to/{imagenet.file_name}), put it in {os.path.dirname(keras_cache_path(imagenet.file_name))}, "
        f"or use weights 'none'"
    )
    host = urlparse(imagenet.origin).hostname
    cached = keras_cache_path(imagenet.file_name)
    if not host_reachable(host):
        if os.path.isfile(cached):
            return cached  # offline: trust the cache (keras checked it when it downloaded it)
        raise SteelDefectError(
            f"cannot download ImageNet weights for backbone {backbone!r}: {host} is unreachable "
            f"(no internet?); {how_to_fix}"
        )
    try:
        return keras.utils.get_file(
            imagenet.file_name,
            imagenet.origin,
            cache_subdir=CACHE_SUBDIR,
            cache_dir=keras_home(),
            file_hash=imagenet.file_hash,
        )
    except Exception as error:  # keras raises plain Exception subclasses for URL/HTTP/hash failures
        raise SteelDefectError(
            f"cannot get ImageNet weights for backbone {backbone!r} ({type(error).__name__}: "
            f"{' '.join(str(error).split())}); {how_to_fix}"
        ) from error


def load_legacy_h5(model, path: str, backbone: str) -> None:
    """Load a keras-applications ``.h5`` weights file into the keras.applications ``model``."""
    try:
        model.load_weights(path)
    except Exception as error:  # h5py, shape and layer-count errors
        raise SteelDefectError(
            f"weights file {path} does not fit backbone {backbone!r} ({' '.join(str(error).split())[:300]}); "
            f"pass keras-applications' {backbone} ImageNet file without top (*_notop.h5)"
        ) from error


def load_keras3_weights(model, path: str) -> None:
    """Load a Keras 3 ``.weights.h5`` file saved from a backbone of the same architecture.

    Loading is strict: keras only warns when parts of the model find nothing in the file ("Skipping
    ..."), which here is an error, never a silent partial load. The input size may differ, since no
    weight depends on it.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model.load_weights(path)
            error = None
        except Exception as exc:
            error = exc
    skipped = [w for w in caught if "skipping" in str(w.message).lower()]
    if error is not None or skipped:
        reason = error if error is not None else skipped[0].message
        raise SteelDefectError(
            f"weights file {path} does not fit backbone {model.name!r} ({' '.join(str(reason).split())[:300]}); "
            f"save it from a backbone of the same name with backbone.save_weights(...)"
        ) from error
    for w in caught:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
