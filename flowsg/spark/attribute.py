"""Attribution on Apache Spark: the steps of :mod:`flowsg.match` and :mod:`flowsg.verdict`, run
from the same ``queries/`` through :func:`flowsg.dialect.spark_statement`.

Input contract (temporary views, or tables, of the SparkSession):

* ``flow_records`` and ``source_files`` with the columns of DuckDB's view and table of the same
  names (``queries/ingest/flow_records_view.sql``, ``create_source_files.sql``; ``key_id`` may be
  0 or NULL: it is recomputed; ``record_row``, DuckDB's storage row, is not needed);
* the snapshot tables of :data:`flowsg.snapshot.TABLES` with the columns DuckDB gives them
  (:func:`flowsg.spark.tables.snapshot_to_spark` hands them over from a DuckDB connection).

:func:`attribute` runs :data:`flowsg.match.STEPS`, :data:`flowsg.verdict.STEPS`,
:data:`flowsg.verdict.ASSIGN_KEYS` and :data:`flowsg.verdict.SWAP` in that order (the same
statements DuckDB runs; one, ``match/assign_keys``, has a Spark version, see
:mod:`flowsg.dialect`; DuckDB runs it in slices before its final transaction, and renames the
column it wrote there, which Spark has no need for) and leaves these temporary views, with the
columns, names and types of DuckDB's:

* ``flows``: every record with direction, verdict, matched_rule_ids and reason (a view over
  ``flow_rows``, which this module creates first as a load does on DuckDB, and ``flow_verdicts``);
* ``flow_verdicts``: per key, what its records take from it;
* ``rule_usage``: per rule of the snapshot, the traffic it carried;
* the intermediate tables of the steps (``flow_keys``, ``key_matches``, ...).

What DuckDB makes a table is computed once and kept (a local checkpoint: in the executors'
storage, not written anywhere). ``flow_records`` is replaced by the records with their key_id
(``match/assign_keys``), kept the same way. The input ``flow_records`` is read by four steps
(``reject_candidates``, ``reject_pairs``, ``flow_keys``, ``assign_keys``): cache it first when
reading it is costly, and unpersist it afterwards. There is no transaction: a failure leaves
the views of the steps that ran. Works with ``spark.sql.ansi.enabled`` on (Spark 4's default)
or off (3.5's).
"""

from __future__ import annotations

from functools import cache

from pyspark.sql import DataFrame, SparkSession

from .. import dialect, sql
from ..db import connect
from ..errors import DatabaseError
from ..match import STEPS as MATCH_STEPS
from ..snapshot import TABLES as SNAPSHOT_TABLES
from ..verdict import ASSIGN_KEYS, SWAP, VERDICTS, AttributionResult
from ..verdict import STEPS as VERDICT_STEPS

BASE_VIEWS = ("ingest/flow_rows_view",)
"""Created before the steps, as a load creates them on DuckDB: ``flow_rows`` (the records with
their file's path), which the view ``flows`` reads."""


def run(spark: SparkSession, name: str) -> DataFrame:
    """Run one statement of ``queries/`` on Spark. A CREATE TABLE becomes a temporary view computed
    now and kept (a local checkpoint), a CREATE VIEW a temporary view (resolved when it is read,
    as DuckDB's views are); a query gives its DataFrame."""
    stmt = dialect.spark_statement(name)

    def columns(view: str) -> list[str]:
        return spark.table(view).columns

    if stmt.target is None:
        return spark.sql(dialect.expand_stars(stmt.query, columns))
    if not stmt.cached:
        spark.sql(dialect.expand_stars(stmt.text, columns))
        return spark.table(stmt.target)
    # computed now, as DuckDB computes a table, and from the view it may replace; a local
    # checkpoint also cuts the plan, so that the next steps' plans stay small
    df = spark.sql(dialect.expand_stars(stmt.query, columns)).localCheckpoint(eager=True)
    df.createOrReplaceTempView(stmt.target)
    return df


INPUTS = {
    "flow_records": ("ingest/create_flow_store", "ingest/flow_records_view"),
    "source_files": ("ingest/create_source_files",),
}
"""The record tables of the input, and the statements that create them (empty) on DuckDB."""

OPTIONAL_COLUMNS = ("record_row",)
"""Columns of DuckDB's flow_records that Spark's input need not have (record_row: the record's row
in DuckDB's flow_store, by which DuckDB writes key_id; Spark writes the records again instead)."""


@cache
def record_columns() -> dict[str, tuple[str, ...]]:
    """The columns the input tables flow_records and source_files must have: DuckDB's."""
    con = connect(":memory:")
    try:
        out = {}
        for table, statements in INPUTS.items():
            for name in statements:
                sql.run(con, name).fetchall()
            columns = con.table(table).columns
            out[table] = tuple(c for c in columns if c not in OPTIONAL_COLUMNS)
        return out
    finally:
        con.close()


def check_inputs(spark: SparkSession) -> None:
    """Raise DatabaseError naming what :func:`attribute` needs and the session lacks: the input
    tables or views, and the columns of flow_records and source_files."""
    tables = (*record_columns(), *SNAPSHOT_TABLES)
    missing = [t for t in tables if not spark.catalog.tableExists(t)]
    if missing:
        raise DatabaseError(
            f"Spark has no table or view {', '.join(missing)}",
            "hand the snapshot over with flowsg.spark.tables.snapshot_to_spark and create the "
            "views flow_records and source_files (see flowsg.spark.attribute)",
        )
    for table, wanted in record_columns().items():
        have = {c.lower() for c in spark.table(table).columns}
        lacking = [c for c in wanted if c.lower() not in have]
        if lacking:
            raise DatabaseError(
                f"the Spark view {table} lacks the column(s) {', '.join(lacking)}",
                "it needs the columns of flowsg's DuckDB table of the same name",
            )


def attribute(spark: SparkSession) -> AttributionResult:
    """Match and judge on Spark; see the module docstring for what it reads and writes. Raises
    DatabaseError when an input is missing (:func:`check_inputs`)."""
    check_inputs(spark)
    for step in (*BASE_VIEWS, *MATCH_STEPS, *VERDICT_STEPS, ASSIGN_KEYS, *SWAP):
        run(spark, step)
    counts = {str(r[0]): int(r[1]) for r in run(spark, "verdict/by_verdict").collect()}
    return AttributionResult({v: counts.get(v, 0) for v in VERDICTS})
