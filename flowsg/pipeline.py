"""The whole job, stage after stage: load the logs, load the snapshot, attribute, summarise."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .errors import InputError
from .ingest import LoadResult, Progress, ProgressCallback, WalkResult, load, walk
from .logformat import LogFormat
from .snapshot import SnapshotResult, load_snapshot
from .sources import SourceOptions, with_format
from .verdict import AttributionResult, attribute


@dataclass(frozen=True)
class AnalyzeResult:
    load: LoadResult
    snapshot: SnapshotResult
    attribution: AttributionResult
    seconds: float


def analyze(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | os.PathLike[str]] | WalkResult,
    snapshot: str | os.PathLike[str],
    *,
    log_format: str | LogFormat | None = None,
    progress: ProgressCallback | None = None,
    sources: SourceOptions | None = None,
) -> AnalyzeResult:
    """Load flow logs and the snapshot into `con`, then attribute every record.

    The snapshot is read first: an invalid one (SnapshotError) stops the run before the logs,
    which take the time, are read. ``sources``: s3:// and cwl:// paths and the time range (see
    :func:`flowsg.ingest.walk`).
    """
    began = time.monotonic()
    if not Path(snapshot).exists():
        raise InputError(f"no such snapshot: {os.fspath(snapshot)}", "give --snapshot DIR")
    if not isinstance(paths, WalkResult):
        paths = walk(paths, sources=with_format(sources, log_format))
    walked = paths
    snap = load_snapshot(con, snapshot)
    loaded = load(con, walked, log_format=log_format, progress=progress)
    if progress:
        progress(Progress(len(walked.files), len(walked.files), loaded.lines_read, "", "attribute"))
    attributed = attribute(con)
    return AnalyzeResult(loaded, snap, attributed, time.monotonic() - began)
