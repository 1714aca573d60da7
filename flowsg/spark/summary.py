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
from .ingest import FILE_COLUMNS, SparkLoad


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


def files_view(spark: SparkSession, loaded: SparkLoad) -> None:
    """The Spark view ``files`` of a Spark load (one row per file, made in the driver)."""
    rows = [tuple(row[c] for c in FILE_COLUMNS) for row in loaded.file_rows()]
    spark.createDataFrame(rows, FILES_SCHEMA).createOrReplaceTempView("files")
