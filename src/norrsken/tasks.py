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
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from . import checks
from .errors import NorrskenError

#: How long to wait for an existing scheduler to answer, s.
CONNECT_TIMEOUT_S = 10.0
#: Most worker processes of a local cluster.
MAX_WORKERS = 256

_Result = TypeVar("_Result")


def check_workers(workers: int | None, scheduler: str | None) -> None:
    """Refuse a worker count outside 0-256, or workers together with a scheduler address."""
    if scheduler is not None and workers is not None:
        raise NorrskenError(
            "give either a number of workers (a local cluster) or a scheduler address, not both", parameter="workers"
        )
    if workers is not None:
        checks.integer("workers", workers, (0, MAX_WORKERS))


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
    count = cores if workers is None else workers
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


def _local_cluster(count: int):
    # Lazy: see dask_client.
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=count,
        threads_per_worker=1,
        processes=True,
        # The scheduler's HTTP server (dashboard with bokeh) on a free port: its default, 8787, may be
        # taken by another cluster, which only warns.
        dashboard_address=":0",
        # A failing task's error reaches the user once, through the client, as one line.
        silence_logs=logging.CRITICAL,
    )


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
