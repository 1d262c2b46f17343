"""Batch tagging on a dask.distributed cluster: the same reports, rows and order as a local run."""

from __future__ import annotations

import itertools
import logging
import signal
import warnings
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from themetag.errors import ClusterError
from themetag.model import ThemeModel
from themetag.readers.limits import DEFAULT_LIMITS, Limits
from themetag.run.tasks import ReportResult, report_batches, tag_file_batch

if TYPE_CHECKING:
    from distributed import Client

INSTALL_HINT = "pip install 'themetag[dask]'"
# Tasks in flight per worker thread: enough to keep workers busy, few enough that a run
# over millions of reports holds only a window of them in memory.
TASKS_PER_THREAD = 4


def _interrupt_quietly(signum: int, frame: object) -> None:
    """Ctrl-C: nothing more is logged, then the run is interrupted as by default."""
    # What distributed logs from here on is the interrupt's echo, from its own threads as the
    # run is cancelled ("Couldn't gather keys", a NameError from sync's cancel callback: 1
    # Ctrl-C in 10 printed one here); the run reports the interrupt itself, in one line.
    logging.disable(logging.CRITICAL)
    raise KeyboardInterrupt


@contextmanager
def connect(address: str) -> Iterator[Client]:
    """A client of the scheduler at `address`, or of a new LocalCluster for `local:N`."""
    previous = signal.getsignal(signal.SIGINT)
    quiet = previous is not signal.SIG_IGN  # a Ctrl-C ignored stays ignored
    if quiet:
        signal.signal(signal.SIGINT, _interrupt_quietly)
    try:
        with _connected(address) as client:
            yield client
    finally:
        if quiet:
            signal.signal(signal.SIGINT, previous)
            logging.disable(logging.NOTSET)


@contextmanager
def _connected(address: str) -> Iterator[Client]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ClusterError(f"--scheduler needs dask.distributed: {INSTALL_HINT}") from None
    if address.startswith("local:"):
        count = address.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ClusterError(f"local:N needs a number of workers of 1 or more, got {address!r}")
        # Ctrl-C goes to the whole process group: workers started with it ignored are left to
        # this process, which closes the cluster, instead of each printing its traceback.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            with warnings.catch_warnings():
                # The scheduler's HTTP server takes another port when 8787 is taken (a
                # notebook's dashboard) and warns in four lines: no dashboard is asked for.
                warnings.filterwarnings("ignore", "Port 8787 is already in use", UserWarning)
                # One thread per worker process: tagging is Python code that holds the GIL.
                # Workers log warnings such as the task cancelled by closing at Ctrl-C; a
                # report's failure reaches the run as its error row, so errors alone are logged.
                cluster = LocalCluster(
                    n_workers=int(count),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
        finally:
            signal.signal(signal.SIGINT, previous)
        with cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"cannot reach the scheduler at {address}: {error}") from None
    with client:
        yield client


def tag_files_on_cluster(
    paths: list[Path],
    model: ThemeModel,
    client: Client,
    *,
    limits: Limits = DEFAULT_LIMITS,
    top: int = 0,
) -> Iterator[ReportResult]:
    """Tag report files on the cluster's workers, one ReportResult per file, in order.

    The model goes to every worker once; a task whose worker dies is run again elsewhere by
    the scheduler, and one that keeps failing comes back as errors, never lost."""
    shared_model = client.scatter(model, broadcast=True, hash=False)
    window = TASKS_PER_THREAD * max(sum(client.nthreads().values()), 1)
    batches = report_batches(paths)
    in_flight: deque = deque()

    def submit(tasks: int) -> None:
        for batch in itertools.islice(batches, tasks):
            future = client.submit(tag_file_batch, batch, shared_model, limits, top, pure=False)
            in_flight.append((batch, future))

    submit(window)
    while in_flight:
        batch, future = in_flight.popleft()
        try:
            results = future.result()
        except Exception as error:  # a worker lost too often, or a fault in the worker
            reason = f"failed on the cluster ({type(error).__name__}: {error})"
            results = [ReportResult(path, error=reason) for path in batch]
        future.release()
        submit(1)
        yield from results
