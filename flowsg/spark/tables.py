"""DuckDB tables handed to a SparkSession as temporary views, through Arrow.

The snapshot tables (:data:`flowsg.snapshot.TABLES`) are small: they are marked for broadcast, so
that every join against them ships them to the executors instead of shuffling the records. The
records (``flow_records``, ``source_files``) can be handed over the same way where they fit in the
driver's memory (the tests do); large record sets are read by Spark itself. Spark 4 takes the
Arrow table as it is; Spark 3.5 takes its rows, with the Arrow schema's types (slower: fine for the
snapshot and tests, not for millions of records). Column types map one to one (INTEGER -> int,
BIGINT -> bigint, VARCHAR -> string, BOOLEAN -> boolean, VARCHAR[] -> array<string>).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.functions import broadcast
from pyspark.sql.pandas.types import from_arrow_schema

from ..snapshot import TABLES as SNAPSHOT_TABLES

RECORD_TABLES = ("flow_records", "source_files")
"""The input of :func:`flowsg.spark.attribute.attribute` besides the snapshot."""


def to_spark(
    con: duckdb.DuckDBPyConnection,
    spark: SparkSession,
    table: str,
    *,
    small: bool = False,
    view: str | None = None,
) -> DataFrame:
    """The DuckDB table ``table`` as the Spark temporary view ``view`` (default: the same name),
    through Arrow; ``small`` marks it for broadcast joins. Returns the DataFrame."""
    arrow = con.table(table).to_arrow_table()
    if int(spark.version.split(".")[0]) >= 4:
        df = spark.createDataFrame(arrow)
    else:  # Spark 3.5 takes no Arrow table: rows, with the types of the Arrow schema
        df = spark.createDataFrame(arrow.to_pylist(), schema=from_arrow_schema(arrow.schema))
    if small:
        df = broadcast(df)
    df.createOrReplaceTempView(view or table)
    return df


def snapshot_to_spark(con: duckdb.DuckDBPyConnection, spark: SparkSession) -> None:
    """Every snapshot table of ``con`` as a broadcast-sized temporary view of ``spark``."""
    for table in SNAPSHOT_TABLES:
        to_spark(con, spark, table, small=True)


def records_to_spark(
    con: duckdb.DuckDBPyConnection, spark: SparkSession, tables: Iterable[str] = RECORD_TABLES
) -> None:
    """The loaded records (``flow_records``, ``source_files``) as temporary views of ``spark``."""
    for table in tables:
        to_spark(con, spark, table)
