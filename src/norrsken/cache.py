"""The user cache dir: the only place norrsken writes without being asked.

Everything cached is derived data that can be rebuilt, so the cache is best-effort: a file that
fails to load is rebuilt, a folder that cannot be written is skipped, and concurrent processes
never see each other's half-written files (each writes a private temporary file, then renames it).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import platformdirs

from .version import __version__

log = logging.getLogger(__name__)

#: Bump when the layout of any cached file changes.
CACHE_FORMAT = "1"
# The process's umask (reading it means setting it; restored at once, at import).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def cache_dir() -> Path:
    """Return (and create) the cache folder; ``NORRSKEN_CACHE_DIR`` overrides the platform default.

    Raises
    ------
    OSError
        If the folder cannot be created.
    """
    path = Path(os.environ.get("NORRSKEN_CACHE_DIR") or platformdirs.user_cache_dir("norrsken"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_key(*parts: object) -> str:
    """A short stable hash of ``parts`` (inputs, code and dependency versions) for a file name."""
    text = "\x1f".join(map(str, (CACHE_FORMAT, __version__, *parts)))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cached_arrays(name: str, key: str, build: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Arrays stored as ``{name}-{key}.npz`` in the cache dir, built by ``build()`` when missing.

    Parameters
    ----------
    name
        Readable prefix of the file name, e.g. ``"aacgm-grid"``.
    key
        Everything the arrays depend on, hashed with :func:`cache_key`.
    build
        Computes the arrays (a dict of name -> ndarray) on a miss.
    """
    try:
        folder = cache_dir()
    except OSError as exc:
        log.info("cache dir unusable (%s); computing %s without caching", exc, name)
        return build()
    path = folder / f"{name}-{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except FileNotFoundError:
        pass
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        log.info("cache file %s unreadable (%s); rebuilding", path, exc)
    arrays = build()
    try:
        # Numbers and text only: np.load (allow_pickle=False) would refuse anything pickled.
        write_atomic(path, lambda fh: np.savez(fh, allow_pickle=False, **arrays))
    except OSError as exc:
        log.info("could not write cache file %s (%s)", path, exc)
    return arrays


def write_atomic(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a file so that no reader ever sees it half written: ``write`` fills a private
    temporary file in the same folder, which then replaces ``path`` in one rename.

    Raises
    ------
    OSError
        If the file cannot be written (the temporary file is removed).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes it private; the file gets the usual permissions
        with os.fdopen(fd, "w+b") as fh:  # readable too: HDF5 reads back what it writes
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _source_digest() -> str:
    """Hash of the package's own source files (a few milliseconds)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def configure_numba_cache() -> None:
    """Keep numba's compiled kernels in the cache dir, not beside the installed package.

    The folder is named by a hash of the package's sources: numba checks only the file of the
    function it compiled, so a kernel that inlines helpers from another module (the ray marcher
    inlines :mod:`norrsken.field`) would otherwise keep running stale code after an upgrade.
    Must run before any module with ``@njit(cache=True)`` is imported; ``NUMBA_CACHE_DIR``, when
    set, wins.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    try:
        folder = cache_dir() / "numba" / _source_digest()
    except OSError:
        return  # numba then falls back to its own choice
    import numba

    numba.config.CACHE_DIR = str(folder)
