"""The summary of a Spark run (what ``flowsg analyze`` prints, and summary.json), made on Spark by
the same statements and the same code as on DuckDB (:func:`flowsg.report.summarise_analysis`):
only the aggregates reach the driver, never the records.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyspark.sql import SparkSession

from .. import dialect
from ..report import AnalyzeSummary, Fetch, summarise_analysis
from .ingest import SparkLoad


def fetcher(spark: SparkSession) -> Fetch:
    """:data:`flowsg.report.Fetch` on Spark: a statement of ``queries/`` transpiled by
    :func:`flowsg.dialect.spark_statement`, its parameters bound by Spark (``:name``)."""

    def fetch(name: str, params: Mapping[str, Any] | None) -> list[tuple[Any, ...]]:
        stmt = dialect.spark_statement(name)
        text = dialect.expand_stars(stmt.query, lambda view: spark.table(view).columns)
        rows = spark.sql(text, args=dict(params) if params else None).collect()
        return [tuple(row) for row in rows]

    return fetch


def analyze_summary(spark: SparkSession, top: int = 10) -> AnalyzeSummary:
    """:func:`flowsg.report.analyze_summary` on Spark: needs the views ``flows``, ``rule_usage``,
    ``malformed`` and ``files`` and the snapshot's."""
    return summarise_analysis(fetcher(spark), top)


FILES_SCHEMA = (
    "source_file string, file_type string, lines_read bigint, headers bigint, records bigint,"
    " malformed bigint, formats string, error string"
)
"""The columns of DuckDB's table ``files`` (``queries/ingest/create_files.sql``), for Spark."""


def file_rows(loaded: SparkLoad) -> list[tuple[Any, ...]]:
    """The rows of ``files`` for a Spark load: every file it read or could not read."""
    rows: list[tuple[Any, ...]] = [
        (path, "unreadable", 0, 0, 0, 0, None, reason) for path, reason in loaded.unreadable
    ]
    rows += [
        (
            f.source_file,
            f.file_type,
            f.lines_read,
            f.headers,
            f.records,
            f.malformed,
            " | ".join(dict.fromkeys(f.formats)) or None,
            f.error,
        )
        for f in loaded.files
    ]
    return rows


def files_view(spark: SparkSession, loaded: SparkLoad) -> None:
    """The Spark view ``files`` of a Spark load (one row per file, made in the driver)."""
    spark.createDataFrame(file_rows(loaded), FILES_SCHEMA).createOrReplaceTempView("files")
