"""Running flowsg's SQL on Spark: the statements of ``queries/`` that both engines share
(DuckDB's dialect, transpiled by sqlglot), the Spark-only ones of ``queries/spark/``, and the
Spark versions of the dialect functions (``queries/dialect/spark/``).

A shared statement is parsed as DuckDB SQL and written as Spark SQL; the few expressions sqlglot
has no Spark spelling for are rewritten here (``regexp_full_match``). A ``CREATE ... AS`` becomes
a temporary view of its query (optionally cached: Spark has no temporary tables), an ``INSERT``
gives its query as a DataFrame. ``$named`` parameters are bound by Spark (``:named``), never
formatted in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlglot
from sqlglot import exp

from .. import sql


def install_dialect(spark: Any) -> None:
    """Create flowsg's Spark SQL functions (temporary: they live with the session)."""
    for path in sorted((sql.queries_dir() / "dialect" / "spark").glob("*.sql")):
        spark.sql(path.read_text(encoding="utf-8"))


def _full_match(node: exp.Expression) -> exp.Expression:
    """DuckDB's regexp_full_match(x, re) as Spark's x RLIKE '^(?:re)\\z'."""
    full_match = getattr(exp, "RegexpFullMatch", None)
    if full_match is not None and isinstance(node, full_match):
        pattern = node.expression
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            anchored = exp.Literal.string("^(?:" + pattern.this + ")\\z")
            return exp.RegexpLike(this=node.this, expression=anchored)
    return node


def shared(name: str) -> exp.Query:
    """The query of the shared statement ``queries/<name>.sql`` in Spark's terms (for a CREATE or
    an INSERT, the query it creates from or inserts)."""
    tree = sqlglot.parse_one(sql.query(name), read="duckdb")
    if isinstance(tree, exp.Create | exp.Insert):
        tree = tree.expression
    tree.set("returning", None)
    query = tree.transform(_full_match)
    assert isinstance(query, exp.Query), name
    return query


def shared_sql(name: str) -> str:
    """:func:`shared` as Spark SQL text (string literals are escaped for Spark's parser)."""
    return shared(name).sql(dialect="spark")


def shared_view(spark: Any, name: str, view: str, *, cache: bool = False) -> Any:
    """Run a shared ``CREATE ... AS`` statement as the temporary view ``view``."""
    frame = spark.sql(shared_sql(name))
    if cache:
        frame = frame.cache()
    frame.createOrReplaceTempView(view)
    return frame


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
