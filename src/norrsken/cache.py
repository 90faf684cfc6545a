"""The user cache dir: the only place norrsken writes without being asked.

Everything cached is derived data that can be rebuilt, so the cache is best-effort: a file that
fails to load is rebuilt, a folder that cannot be written is skipped, and concurrent processes
never see each other's half-written files (each writes a private temporary file, then renames it).
The folder is bounded (:data:`DEFAULT_LIMIT_MB`, ``NORRSKEN_CACHE_MAX_MB``): after each new file
the least recently used entries are deleted until it fits.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import logging
import math
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import platformdirs

from .checks import env_number
from .version import __version__

log = logging.getLogger(__name__)

#: Bump when the layout of any cached file changes.
CACHE_FORMAT = "1"
#: Default bound of the cache folder, MB (``NORRSKEN_CACHE_MAX_MB`` overrides it; 0: no bound).
#: A night's emission tables and AACGM grids take 30-60 MB, the compiled kernels ~3 MB.
DEFAULT_LIMIT_MB = 400.0
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
        _touch(path)
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
    else:
        evict(folder, keep=path)
    return arrays


def _touch(path: Path) -> None:
    """Mark a cache entry as used now (its modification time is the LRU clock: access times are
    often not kept)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def limit_bytes() -> float:
    """The cache folder's bound in bytes: ``NORRSKEN_CACHE_MAX_MB`` or :data:`DEFAULT_LIMIT_MB`
    (0 or less: no bound)."""
    megabytes = env_number("NORRSKEN_CACHE_MAX_MB", DEFAULT_LIMIT_MB, "MB")
    return megabytes * 2**20 if megabytes > 0 and math.isfinite(megabytes) else math.inf


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
    return path.stat().st_size


def evict(folder: Path, keep: Path | None = None) -> list[Path]:
    """Delete the least recently used entries of the cache ``folder`` until it is within
    :func:`limit_bytes`, and return them.

    Entries are the cached arrays (``*.npz``) and the kernel folders of other source versions
    (``numba/<digest>``); never ``keep``, this version's kernels or the SWPC copies (a few kB, and
    the only record of a feed fetched earlier). Other processes may delete the same entry at the
    same time: whatever is gone already is skipped.
    """
    limit = limit_bytes()
    if math.isinf(limit):
        return []
    current = folder / "numba" / _source_digest()
    entries: list[tuple[float, int, Path]] = []
    for path in [*folder.glob("*.npz"), *(folder / "numba").glob("*")]:
        if path == keep or path == current:
            continue
        with contextlib.suppress(OSError):
            entries.append((path.stat().st_mtime, _size(path), path))
    kept = sum(size for _, size, _ in entries)
    with contextlib.suppress(OSError):
        kept += _size(keep) if keep is not None else 0
        kept += _size(current) if current.exists() else 0
    removed = []
    for _, size, path in sorted(entries):
        if kept <= limit:
            break
        with contextlib.suppress(OSError):
            shutil.rmtree(path) if path.is_dir() else path.unlink()
            removed.append(path)
        kept -= size
    if removed:
        log.info("cache over %.0f MB: removed %d least recently used entries", limit / 2**20, len(removed))
    return removed


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
        _touch(folder)
    except OSError as exc:
        folder = Path(tempfile.mkdtemp(prefix="norrsken-numba-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        log.warning("not using the kernel cache (%s); compiling into %s for this run", exc, folder)
    numba.config.CACHE_DIR = str(folder)
