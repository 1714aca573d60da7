"""Running flowsg's SQL on Spark for the Spark ingest: the statements the engines share through
:mod:`flowsg.dialect` (DuckDB's, transpiled by sqlglot, with the Spark forms of the macros of
``queries/dialect/spark/`` expanded inline), and the Spark-only ones of ``queries/spark/``.

A shared ``CREATE VIEW`` becomes a temporary view, a shared ``CREATE TABLE`` a temporary view
computed once (a local checkpoint, which also cuts its plan); of a shared ``INSERT`` the query it
inserts is taken (:func:`inserted`). ``$named`` parameters are bound by Spark (``:named``),
never formatted in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .. import dialect, sql


def materialize(spark: Any, view: str, *, small: bool = False) -> None:
    """Compute the view once and keep its rows (on the executors), cutting its plan: the views
    after it are planned on the stored rows, not on the whole chain of views before it (which
    Spark would otherwise analyse again, copy by copy, in every statement that reads it).
    ``small``: joins against it broadcast it (stored rows have no size Spark could judge)."""
    frame = spark.table(view).localCheckpoint(eager=True)
    if small:
        from pyspark.sql.functions import broadcast

        frame = broadcast(frame)
    frame.createOrReplaceTempView(view)


def small_view(spark: Any, frame: Any, view: str) -> None:
    """``frame`` (a few rows made by the driver) as the view ``view``, broadcast in joins."""
    from pyspark.sql.functions import broadcast

    broadcast(frame).createOrReplaceTempView(view)


SMALL = frozenset({"ingest/ip_numbers"})
"""Shared tables that are small (one row per distinct address), broadcast in joins."""


def shared(spark: Any, name: str) -> None:
    """Run the shared ``CREATE ... AS`` statement ``queries/<name>.sql`` on Spark."""
    stmt = dialect.spark_statement(name)
    if stmt.target is None:
        raise ValueError(f"query {name} creates nothing")
    if stmt.cached:
        spark.sql(stmt.query).createOrReplaceTempView(stmt.target)
        materialize(spark, stmt.target, small=name in SMALL)
    else:
        spark.sql(stmt.text)


def inserted(name: str, where: str | None = None) -> str:
    """The query that the shared ``INSERT`` statement ``queries/<name>.sql`` inserts (its
    ``RETURNING`` left out), as Spark SQL, with the condition ``where`` added (a constant
    condition of the caller's, not a value)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql.query(name), read="duckdb")
    if not isinstance(tree, exp.Insert) or not isinstance(tree.expression, exp.Select):
        raise ValueError(f"query {name} is not an INSERT ... SELECT")
    query = tree.expression
    if where is not None:
        query = query.where(where, dialect="spark")
    return query.sql(dialect="spark")


def run(spark: Any, name: str, params: Mapping[str, Any] | None = None) -> Any:
    """Run ``queries/<name>.sql`` (Spark SQL) with its parameters bound; gives the DataFrame."""
    given = params or {}
    wanted = sql.parameters(name)
    missing = [p for p in wanted if p not in given]
    if missing:
        raise TypeError(f"query {name} needs parameters {missing}")
    text = sql.query(name)
    for param in wanted:
        text = re.sub(rf"\${param}\b", f":{param}", text)
    if wanted:
        return spark.sql(text, args={p: given[p] for p in wanted})
    return spark.sql(text)
