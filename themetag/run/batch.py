"""Tagging many report files in order, in parallel if asked; a bad file never stops the rest."""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from themetag.api import load_model, model_source
from themetag.model import ThemeModel
from themetag.readers import Limits, find_reports
from themetag.readers.limits import DEFAULT_LIMITS
from themetag.run.tasks import ReportResult, report_batches, tag_file_batch

if TYPE_CHECKING:
    from distributed import Client


# Bytes of report files from which worker processes pay for their start (each imports
# themetag and loads the model: about a second), measured in docs/PERFORMANCE.md.
PARALLEL_FROM_BYTES = 8 * 2**20


def _total_bytes(paths: list[Path], enough: int) -> int:
    """The size of the files, counted until `enough` is reached."""
    total = 0
    for path in paths:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
        if total >= enough:
            break
    return total


def tag_files(
    paths: Iterable[str | Path] | str | Path,
    *,
    jobs: int = 1,
    model: ThemeModel | None = None,
    client: Client | None = None,
    limits: Limits = DEFAULT_LIMITS,
    top: int = 0,
    parallel_from: int = PARALLEL_FROM_BYTES,
) -> Iterator[ReportResult]:
    """Tag report files and the supported files inside folders, one ReportResult per file,
    in order. With jobs > 1 the reports are tagged in that many processes once the files
    hold `parallel_from` bytes or more (smaller runs are done sooner here), and with a
    dask.distributed `client` on its cluster's workers, with the same results; `limits`
    bound what is read of each file, and each row keeps its `top` best themes."""
    if jobs < 1:
        raise ValueError(f"jobs must be 1 or more, got {jobs}")
    model = model or load_model()
    found = find_reports(paths).reports
    if jobs > 1 and _total_bytes(found, parallel_from) < parallel_from:
        jobs = 1
    if client is not None:
        from themetag.run.cluster import tag_files_on_cluster

        yield from tag_files_on_cluster(found, model, client, limits=limits, top=top)
        return
    if jobs == 1:
        for batch in report_batches(found):
            yield from tag_file_batch(batch, model, limits, top)
        return
    from joblib import Parallel, delayed

    source = model_source(model)
    results = Parallel(n_jobs=jobs, return_as="generator")(
        delayed(tag_file_batch)(batch, source, limits, top) for batch in report_batches(found)
    )
    try:
        for batch_results in results:
            yield from batch_results
    finally:
        # Stopped early (Ctrl-C), joblib warns that the tasks in flight were cancelled: meant.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=UserWarning, module="joblib")
            results.close()
