"""The whole ``flowsg analyze`` on Spark (``--engine spark``): the snapshot through DuckDB, the
flow logs read by Spark (:mod:`flowsg.spark.ingest`), the attribution on Spark
(:mod:`flowsg.spark.attribute`), the summary on Spark (:mod:`flowsg.spark.summary`) and the
``--out`` files written by Spark (:mod:`flowsg.spark.output`): no record passes through the driver
for these.

Only when the results are wanted in a DuckDB database (``--db FILE``, for the reports) are they
handed over through the driver as Arrow (:func:`handoff`): the records with their attribution key
(``flow_records``), the keys' verdicts (``flow_verdicts``), ``rule_usage``, ``source_files``,
``malformed`` and ``files``, swapped in as a DuckDB load swaps its tables in (one transaction: a
failed run leaves the database as it was). The views ``flows`` and ``flow_rows`` are DuckDB's own.
That costs about 0.4 KB of driver memory per record: for one machine's scale, not a cluster's.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from .. import sql
from ..errors import DatabaseError, InputError
from ..ingest import LOADED_TABLES, LoadResult, _columns, _swap_in, _widen, insert_files
from ..logformat import LogFormat
from ..output import summary_document
from ..report import AnalyzeSummary
from ..snapshot import SnapshotResult, load_snapshot
from ..verdict import AttributionResult
from .ingest import SparkLoad, load
from .session import spark_session


@dataclass(frozen=True)
class SparkAnalyzeResult:
    """What :func:`analyze` did, in the terms of :class:`flowsg.pipeline.AnalyzeResult`, plus
    the summary made on Spark (what :func:`flowsg.analyze_summary` gives on the DuckDB engine) and
    the seconds of each stage (``spark_seconds``: ``session``, ``snapshot``, ``ingest``,
    ``attribute``, ``summary``, and ``out`` and ``handoff`` when they ran)."""

    load: LoadResult
    snapshot: SnapshotResult
    attribution: AttributionResult
    summary: AnalyzeSummary
    seconds: float
    spark_seconds: dict[str, float]


def analyze(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[str | os.PathLike[str]],
    snapshot: str | os.PathLike[str],
    *,
    log_format: str | LogFormat | None = None,
    spark: Any = None,
    master: str | None = None,
    since: int | None = None,
    until: int | None = None,
    out: str | None = None,
    keep: bool = True,
) -> SparkAnalyzeResult:
    """Load the snapshot into ``con``, read and attribute the flow logs with Spark, summarise them
    on Spark, and write the ``--out`` files with Spark when ``out`` is given (a local folder or a
    URI, :func:`flowsg.spark.output.write_out`).

    ``keep``: also hand the results over to ``con`` (tables ``flow_records``, ``flow_verdicts``,
    ``rule_usage``, ``source_files``, ``malformed``, ``files`` and the view ``flows``, as the
    DuckDB engine leaves them) through the driver. Without it ``con`` holds the snapshot only and
    the results stay in the Spark session's views (``flows``, ``rule_usage``, ``malformed``,
    ``files``).

    ``spark``: a SparkSession (default: :func:`flowsg.spark.session.spark_session` on ``master``).
    Paths may be local files and directories or Hadoop URIs (``s3a://BUCKET/PREFIX/``);
    ``since``/``until`` choose files by the date in their path (:func:`flowsg.ingest.walk`).
    ``snapshot`` may be a URI too (copied into a temporary folder first, :func:`fetch_folder`).
    """
    began = time.monotonic()
    stages: dict[str, float] = {}
    remote_snapshot = "://" in os.fspath(snapshot)
    if not remote_snapshot:  # first: an invalid snapshot stops the run before Spark starts
        if not Path(snapshot).exists():
            raise InputError(f"no such snapshot: {os.fspath(snapshot)}", "give --snapshot DIR")
        snap = load_snapshot(con, snapshot)
        stages["snapshot"] = time.monotonic() - began
    mark = time.monotonic()
    if spark is None:
        spark = spark_session(master)
    stages["session"] = time.monotonic() - mark
    if remote_snapshot:  # on EMR or Glue: from S3, through the cluster's file system
        mark = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="flowsg-snapshot-") as scratch:
            snap = load_snapshot(con, fetch_folder(spark, os.fspath(snapshot), scratch))
        stages["snapshot"] = time.monotonic() - mark
    from .attribute import attribute
    from .output import write_out
    from .summary import analyze_summary, files_view
    from .tables import snapshot_to_spark

    with _spark_errors():
        mark = time.monotonic()
        snapshot_to_spark(con, spark)
        loaded = load(spark, paths, log_format=log_format, since=since, until=until)
        if loaded.files_read == 0:
            raise InputError(
                "no readable flow-log file: " + ", ".join(os.fspath(p) for p in paths),
                "see the table `malformed` (flowsg wrote why each file was not read)",
            )
        stages["ingest"] = time.monotonic() - mark
        mark = time.monotonic()
        attributed = attribute(spark)
        stages["attribute"] = time.monotonic() - mark
        mark = time.monotonic()
        files_view(spark, loaded)
        summary = analyze_summary(spark)
        stages["summary"] = time.monotonic() - mark
        if out is not None:
            mark = time.monotonic()
            write_out(spark, out, summary_document(summary))
            stages["out"] = time.monotonic() - mark
        if keep:
            mark = time.monotonic()
            handoff(con, spark, loaded)
            stages["handoff"] = time.monotonic() - mark
    result = LoadResult(
        files_read=loaded.files_read,
        files_unreadable=len(loaded.files) + len(loaded.unreadable) - loaded.files_read,
        files_skipped=loaded.skipped,
        lines_read=loaded.lines_read,
        seconds=stages["ingest"],
    )
    return SparkAnalyzeResult(result, snap, attributed, summary, time.monotonic() - began, stages)


@contextlib.contextmanager
def _spark_errors() -> Iterator[None]:
    """A failed Spark job (out of memory, a lost executor, an unreadable bucket) as a
    DatabaseError (exit 5) with one line, not an internal error with the JVM's stack trace."""
    try:
        yield
    except Exception as exc:
        if not _from_spark(exc):
            raise
        text = " ".join(str(exc).split())
        hint = "see Spark's log above; --debug shows the whole error"
        if "OutOfMemoryError" in text:
            text = "java.lang.OutOfMemoryError: Java heap space"
            hint = (
                "give Spark more memory (spark.driver.memory in local mode, spark.executor.memory"
                " on a cluster), or read fewer files at a time"
            )
        raise DatabaseError(f"Spark failed: {text[:300]}", hint) from exc


def _from_spark(exc: BaseException) -> bool:
    """Whether the error comes from Spark or its JVM (pyspark's and py4j's exceptions)."""
    return any(cls.__module__.startswith(("pyspark", "py4j")) for cls in type(exc).__mro__)


def _arrow(spark: Any, view: str) -> pa.Table:
    """A Spark view's rows in the driver, as Arrow."""
    frame = spark.table(view)
    if hasattr(frame, "toArrow"):  # pyspark 4
        table: pa.Table = frame.toArrow()
        return table
    collected: pa.Table = pa.Table.from_batches(frame._collect_as_arrow())
    return collected


def handoff(con: duckdb.DuckDBPyConnection, spark: Any, loaded: SparkLoad) -> None:
    """Spark's results into the DuckDB database, as a load and an attribution leave them there."""
    for table in LOADED_TABLES:
        sql.run(con, f"ingest/create_{table}").fetchall()
        sql.run(con, f"ingest/create_{table}_loading").fetchall()
    sql.run(con, "ingest/flow_records_view").fetchall()
    records = _arrow(spark, "flow_records")
    wanted = [c for c in _columns(con, "flow_records") if c in records.column_names]
    has = {"file_id", "line_number", "key_id"}  # the columns every store has
    _widen(con, "flow_store_loading", has, [c for c in wanted if c not in has])
    tables = {
        "spark_flow_records": records.select(wanted),
        "load_file_ids": _arrow(spark, "source_files"),
        "spark_malformed": _arrow(spark, "malformed"),
        "spark_flow_verdicts": _arrow(spark, "flow_verdicts"),
        "spark_rule_usage": _arrow(spark, "rule_usage"),
    }
    for name, rows in tables.items():
        con.register(name, rows)
    try:
        sql.run(con, "handoff/insert_flow_records").fetchall()
        sql.run(con, "ingest/insert_source_files").fetchall()
        sql.run(con, "handoff/insert_malformed").fetchall()
        insert_files(con, loaded.file_rows(), unreadable=False)
        _swap_in(con, append=False)
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            sql.run(con, "handoff/flow_verdicts").fetchall()
            sql.run(con, "match/flows_view").fetchall()
            sql.run(con, "handoff/rule_usage").fetchall()
            con.execute("COMMIT").fetchall()
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise
    finally:
        for name in tables:
            con.unregister(name)


def fetch_folder(spark: Any, uri: str, local: str | os.PathLike[str]) -> str:
    """Copy the folder ``uri`` (``s3a://BUCKET/snapshot/``) into the local folder ``local`` with
    Hadoop's file system (the cluster's credentials); gives the local copy's path. The snapshot
    is read by DuckDB in the driver, so on EMR or Glue it comes from S3 this way."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    source = jvm.org.apache.hadoop.fs.Path(uri)
    fs = source.getFileSystem(conf)
    if not fs.exists(source):
        raise InputError(f"no such snapshot: {uri}", "give --snapshot DIR or s3a://BUCKET/PREFIX/")
    target = os.path.join(os.fspath(local), "snapshot")
    fs.copyToLocalFile(False, source, jvm.org.apache.hadoop.fs.Path("file:" + target), True)
    return target
