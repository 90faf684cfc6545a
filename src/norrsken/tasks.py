"""Independent tasks on dask.distributed, or in this process: the client and the task loop.

Every batch of norrsken (time-lapse frames, the oval cube, the climatology's blocks) is a list of
calls of one pure function. :func:`as_finished` runs them on a dask client's workers (or here, in
order, without dask) and hands back each result as it finishes; :func:`dask_client` makes the
client: a :class:`distributed.LocalCluster` of single-threaded worker processes by default, an
existing cluster given by its scheduler address, or none at all (``workers=0``).

dask and distributed are imported only when a client is made or used: they cost ~0.3 s of
start-up that a command running in this process does not need.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import signal
import socket
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from . import checks
from .errors import NorrskenError, NorrskenWarning

#: How long to wait for an existing scheduler to accept a connection and to answer, s.
CONNECT_TIMEOUT_S = 10.0
#: How long a scheduler may take to greet a new connection, s (a real one answers in milliseconds).
HANDSHAKE_TIMEOUT_S = 5.0
#: Most worker processes of a local cluster.
MAX_WORKERS = 256
#: Memory a local worker may need, bytes: its emission tables (11 MB each), a 3-D emission field
#: and a 4K frame's buffers come to about 1 GiB at the peak; twice that leaves room for the rest.
WORKER_MEMORY_BYTES = 2 * 2**30

_Result = TypeVar("_Result")


def check_workers(workers: int | None, scheduler: str | None) -> None:
    """Refuse a worker count outside 0-256, or workers together with a scheduler address."""
    if scheduler is not None and workers is not None:
        raise NorrskenError(
            "give either a number of workers (a local cluster) or a scheduler address, not both", parameter="workers"
        )
    if workers is not None:
        checks.integer("workers", workers, (0, MAX_WORKERS))
        if workers > max_local_workers():
            raise NorrskenError(
                f"workers {workers} would need about {workers * WORKER_MEMORY_BYTES / 2**30:.0f} GiB and this machine "
                f"has {_memory_bytes() / 2**30:.0f} GiB: at most {max_local_workers()} local workers",
                parameter="workers",
            )


def _memory_bytes() -> int:
    """Physical memory of this machine, bytes."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system: let dask judge
        return MAX_WORKERS * WORKER_MEMORY_BYTES


def max_local_workers() -> int:
    """Most local workers the memory holds (:data:`WORKER_MEMORY_BYTES` each), at least one."""
    return max(1, min(MAX_WORKERS, _memory_bytes() // WORKER_MEMORY_BYTES))


@contextlib.contextmanager
def dask_client(
    workers: int | None = None, scheduler: str | None = None, *, render_threads: int | None = None
) -> Iterator[object | None]:
    """A dask client for a batch, closed (and its LocalCluster shut down) on exit.

    Parameters
    ----------
    workers
        Worker processes of a new LocalCluster (default: one per core); 0 runs every task in this
        process, no dask at all.
    scheduler
        Address of a running dask scheduler (``tcp://host:8786``) instead of a LocalCluster.
    render_threads
        Ray-marching threads of each local worker (``NUMBA_NUM_THREADS``); default: the cores
        shared out between the workers, at least one each.

    Yields
    ------
    distributed.Client or None
        None for ``workers=0``.
    """
    check_workers(workers, scheduler)
    if render_threads is not None:
        checks.integer("render_threads", render_threads, (1, 1024))
    if scheduler is None and workers == 0:
        yield None
        return
    # Lazy: dask and distributed cost ~0.3 s of start-up, needed only with a cluster.
    import dask
    from distributed import Client

    if scheduler is not None:
        check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise NorrskenError(
                f"cannot reach the dask scheduler at {scheduler!r}: {exc}", parameter="scheduler"
            ) from None
        with client:
            yield client
        return
    cores = os.cpu_count() or 1
    count = min(cores, max_local_workers()) if workers is None else workers
    threads = max(1, cores // count) if render_threads is None else render_threads
    # The ray marcher's threads must be in a worker's environment when it starts: a worker imports
    # the parent's __main__ (a script such as `norrsken`, which imports numba) before it applies
    # its own settings, and numba reads NUMBA_NUM_THREADS once. Workers inherit the variable (and
    # the nanny writes it into this process's environment), so it is set here and restored after.
    # dask's MALLOC_TRIM_THRESHOLD_ is left unset: it switches off glibc's adaptive mmap threshold,
    # and every large array is then mapped and zeroed afresh.
    saved = os.environ.get("NUMBA_NUM_THREADS")
    os.environ["NUMBA_NUM_THREADS"] = str(threads)
    try:
        with dask.config.set(
            {
                "distributed.nanny.pre-spawn-environ.NUMBA_NUM_THREADS": str(threads),
                "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None,
            }
        ):
            cluster = _local_cluster(count)
    finally:
        if saved is None:
            os.environ.pop("NUMBA_NUM_THREADS", None)
        else:
            os.environ["NUMBA_NUM_THREADS"] = saved
    with cluster, Client(cluster) as client:
        yield client


def check_scheduler(address: str) -> None:
    """Refuse, in seconds and with one clear error, an address that is not a dask scheduler.

    A plain ``tcp://`` scheduler greets a new connection at once with its handshake: a length-
    prefixed frame (8 bytes of total length, 8 of frame count). A peer that says nothing (a tarpit,
    an HTTP server waiting for its request) would make the client wait forever, and one that
    answers otherwise (HTTP) would have it read a text as a frame length and allocate exabytes; both
    are refused here. ``tls://`` and other transports are left to dask. Sending tasks unencrypted
    to another machine warns (:class:`~norrsken.errors.NorrskenWarning`).
    """
    scheme, _, rest = address.rpartition("://") if "://" in address else ("tcp", "", address)
    if scheme != "tcp":
        return
    host, _, port_text = rest.rpartition(":")
    host = host.strip("[]")
    try:
        port = int(port_text)
    except ValueError:
        raise NorrskenError(
            f"a scheduler address looks like tcp://host:8786, got {address!r}", parameter="scheduler"
        ) from None
    try:
        loopback = ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        raise NorrskenError(f"cannot resolve the dask scheduler's host {host!r}", parameter="scheduler") from None
    if not loopback:
        warnings.warn(
            NorrskenWarning(
                f"tasks and their results travel unencrypted to {host}: use a tls:// scheduler (dask's TLS with "
                "certificates) or an SSH tunnel to a loopback port outside a trusted network"
            ),
            stacklevel=3,
        )
    try:
        probe = socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S)
    except OSError as exc:
        raise NorrskenError(
            f"cannot reach the dask scheduler at {address!r}: {exc.strerror or exc}", parameter="scheduler"
        ) from None
    with probe:
        probe.settimeout(HANDSHAKE_TIMEOUT_S)
        try:
            greeting = probe.recv(16)
        except TimeoutError:
            raise NorrskenError(
                f"{address!r} accepted the connection but said nothing for {HANDSHAKE_TIMEOUT_S:g} s: not a dask "
                "scheduler (one greets at once)",
                parameter="scheduler",
            ) from None
        except OSError as exc:
            raise NorrskenError(f"the dask scheduler at {address!r} failed: {exc}", parameter="scheduler") from None
    total, frames = (int.from_bytes(greeting[i : i + 8], "little") for i in (0, 8)) if len(greeting) == 16 else (0, 0)
    if not (16 <= total <= 2**20 and 1 <= frames <= 64):
        raise NorrskenError(
            f"{address!r} does not speak dask's protocol (it began with {greeting[:16]!r})", parameter="scheduler"
        )


def _local_cluster(count: int):
    # Lazy: see dask_client.
    from distributed import LocalCluster

    # Ctrl-C is this process's to handle (one line, see the CLI): the worker processes start with
    # SIGINT ignored, which they keep (Python installs its handler only where SIGINT is default),
    # instead of each printing its traceback. They stop when the cluster is closed.
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
    try:
        return LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            # The scheduler's HTTP server (dashboard with bokeh) on a free port of this machine only: its
            # default, 8787 on every interface, may be taken by another cluster and open to the network.
            dashboard_address="127.0.0.1:0",
            # A failing task's error reaches the user once, through the client, as one line.
            silence_logs=logging.CRITICAL,
        )
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)


def describe(client) -> str:
    """'in this process', or the cluster's workers and threads."""
    if client is None:
        return "in this process"
    info = client.scheduler_info()["workers"]
    return f"{len(info)} dask workers at {client.scheduler.address}"


def as_finished(
    client, function: Callable[..., _Result], calls: Sequence[tuple], keys: Sequence[str] | None = None
) -> Iterator[tuple[int, _Result]]:
    """``function(*args)`` for each ``args`` of ``calls``, as dask tasks on ``client``'s workers (or
    here, in order, when ``client`` is None); yields (index of the call, result) as each finishes.

    If the caller's loop raises (or a task fails), the tasks not yet finished are cancelled.
    ``keys`` names the tasks (unique, readable on a dashboard); default: dask's own.
    """
    if client is None:
        for index, args in enumerate(calls):
            yield index, function(*args)
        return
    # Lazy: see dask_client (a client exists here, so distributed is loaded already).
    from distributed import as_completed

    futures = {
        client.submit(function, *args, key=None if keys is None else keys[index], pure=False): index
        for index, args in enumerate(calls)
    }
    try:
        for future in as_completed(futures):
            result = future.result()
            future.release()
            yield futures[future], result
    except BaseException:
        client.cancel(list(futures))
        raise
