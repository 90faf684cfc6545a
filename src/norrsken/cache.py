"""The user cache dir: the only place norrsken writes without being asked.

Everything cached is derived data that can be rebuilt, so the cache is best-effort: a file that
fails to load is rebuilt, a folder that cannot be written is skipped, and concurrent processes
never see each other's half-written files (each writes a private temporary file, then renames it).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import os
import shutil
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


def expect(
    arrays: dict[str, np.ndarray],
    name: str,
    *,
    shape: tuple[int, ...] | None = None,
    low: float = -np.inf,
    high: float = np.inf,
    nan_ok: bool = False,
) -> np.ndarray:
    """The array ``name`` of a cache file if it is sound, else ValueError saying what is wrong:
    missing, of another ``shape``, not finite (NaN allowed with ``nan_ok``) or outside
    [``low``, ``high``]."""
    if name not in arrays:
        raise ValueError(f"no array {name!r}")
    array = arrays[name]
    if shape is not None and array.shape != shape:
        raise ValueError(f"{name} has shape {array.shape}, not {shape}")
    values = array[~np.isnan(array)] if nan_ok else array
    if not np.isfinite(values).all():
        raise ValueError(f"{name} holds values that are not finite")
    if values.size and (values.min() < low or values.max() > high):
        raise ValueError(f"{name} holds values outside [{low:g}, {high:g}]")
    return array


def cached_arrays(
    name: str,
    key: str,
    build: Callable[[], dict[str, np.ndarray]],
    check: Callable[[dict[str, np.ndarray]], object] | None = None,
) -> dict[str, np.ndarray]:
    """Arrays stored as ``{name}-{key}.npz`` in the cache dir, built by ``build()`` when missing.

    Parameters
    ----------
    name
        Readable prefix of the file name, e.g. ``"aacgm-grid"``.
    key
        Everything the arrays depend on, hashed with :func:`cache_key`.
    build
        Computes the arrays (a dict of name -> ndarray) on a miss.
    check
        Raises ValueError (or KeyError) for loaded arrays that are not what ``build`` makes (shapes, NaN, ranges;
        see :func:`expect`): the file is then rebuilt, with a warning in the log. A cache file is
        anyone's to edit, and the kernels trust their tables.
    """
    try:
        folder = cache_dir()
    except OSError as exc:
        log.info("cache dir unusable (%s); computing %s without caching", exc, name)
        return build()
    path = folder / f"{name}-{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as z:
            loaded = {k: z[k] for k in z.files}
        if check is not None:
            check(loaded)
        return loaded
    except FileNotFoundError:
        pass
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        log.info("cache file %s unreadable (%s); rebuilding", path, exc)
    except (ValueError, KeyError) as exc:
        log.warning("cache file %s is damaged (%s); rebuilding it", path, exc)
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


def numba_cache_dir(base: Path) -> Path:
    """The folder for compiled kernels under ``base``: ``numba/<source digest>``, private to the user.

    numba loads pickles from it, so it is made with mode 0700 and refused (OSError) when it, or its
    ``numba`` parent, belongs to someone else or can be written by others.
    """
    folder = base / "numba"
    for path in (folder, folder / _source_digest()):
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = path.stat()
        if status.st_uid != os.getuid() or status.st_mode & 0o022:
            raise PermissionError(f"{path} can be written by others, and numba loads pickles from it")
        if status.st_mode & 0o077:
            path.chmod(0o700)  # made before norrsken kept it private
    return folder / _source_digest()


def configure_numba_cache() -> None:
    """Keep numba's compiled kernels in the cache dir, not beside the installed package.

    The folder is named by a hash of the package's sources: numba checks only the file of the
    function it compiled, so a kernel that inlines helpers from another module (the ray marcher
    inlines :mod:`norrsken.field`) would otherwise keep running stale code after an upgrade. A
    folder that is not private (:func:`numba_cache_dir`) is not used: the kernels are then kept
    in a private temporary folder for this process only, with a warning in the log. Must run
    before any module with ``@njit(cache=True)`` is imported; ``NUMBA_CACHE_DIR``, when set, wins.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    import numba

    try:
        folder = numba_cache_dir(cache_dir())
    except OSError as exc:
        folder = Path(tempfile.mkdtemp(prefix="norrsken-numba-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        log.warning("not using the kernel cache (%s); compiling into %s for this run", exc, folder)
    numba.config.CACHE_DIR = str(folder)
