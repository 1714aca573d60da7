"""One source of SQL for two engines: the statements of ``queries/`` as DuckDB or Spark runs them.

The attribution queries (``queries/match``, ``queries/nacl``, ``queries/verdict``) are written once,
in DuckDB's dialect, and run unchanged on DuckDB. For Apache Spark, :func:`statement` gives the
same statement transpiled with sqlglot (DuckDB -> Spark SQL) after a few rewrites of the
engine-specific parts, all of them here and in ``queries/dialect/spark/``:

* **Macros.** DuckDB runs flowsg's macros (``queries/dialect/duckdb/``, installed by
  :func:`flowsg.sql.install_dialect`); Spark SQL has no macros, so ``queries/dialect/spark/``
  holds the same macros written in Spark SQL (same file names, same ``CREATE OR REPLACE TEMP
  MACRO`` form) and every call is expanded inline: ``flowsg_sorted_ids(x)`` (sorting a list,
  ``list_sort`` / ``array_sort``) and the table macro ``flowsg_ports()`` (the ports 0-65535,
  ``range()`` in both, with different column names), used by the attribution; and the primitives
  of address parsing, ``flowsg_ipv4_num``, ``flowsg_hex`` and ``flowsg_to_hex``, with which
  ``ingest/ip_numbers`` runs on Spark too; and ``flowsg_flow_hash`` (DuckDB's ``hash``, Spark's
  ``xxhash64``), with which ``match/reject_pairs`` looks records up by one number.
* **Whole-text regular expressions.** ``regexp_full_match(x, 'p')`` becomes
  ``x RLIKE '^(?:p)\\z'`` (Spark's RLIKE matches anywhere in the text; ``\\z``, not ``$``, which
  in Java also matches before a final line terminator).
* **Numbering rows.** ``row_number() OVER ()`` (the keys' ids, in no particular order) becomes
  ``monotonically_increasing_id() + 1``: Spark numbers rows only in an ordered window.
* **Replaced statements.** A statement DuckDB runs in a way Spark cannot has a Spark version under
  ``queries/dialect/spark/<stage>/<name>.sql``, in the same shared dialect. There is one:
  ``match/assign_keys`` updates ``flow_store``'s key column by DuckDB's ``rowid`` (``record_row``);
  on Spark the records are written again with their key by the same join.
* **Tables.** ``CREATE [TEMP] TABLE x AS q`` becomes a temporary view on Spark that is computed
  once and kept (``CACHE TABLE x AS q``; the runner takes a local checkpoint, which also cuts the
  plan), which is what the tables are for; ``CREATE VIEW`` a temporary view, resolved when read.
  :class:`SparkStatement` keeps the parts apart for the runner (:mod:`flowsg.spark.attribute`),
  which also expands ``t.* EXCLUDE (...)`` into column names (:func:`expand_stars`) because not
  every Spark version has ``* EXCEPT``.

Everything else (list aggregation ``list`` -> ``collect_list``, ``IS NOT DISTINCT FROM``, casts,
``NULLS LAST`` orderings, identifiers) is sqlglot's ordinary DuckDB -> Spark translation. Results
are cached per statement name: transpiling happens once per process.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from .sql import queries_dir, query

if TYPE_CHECKING:
    from sqlglot import exp

ENGINES = ("duckdb", "spark")

_MACRO = re.compile(
    r"CREATE\s+OR\s+REPLACE\s+TEMP\s+MACRO\s+(\w+)\s*\(([^)]*)\)\s+AS\s+(TABLE\s+)?(.*?);?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_COMMENT = re.compile(r"--[^\n]*")


@dataclass(frozen=True)
class Macro:
    """One macro of ``queries/dialect/<engine>/``: its parameters and its body (an expression,
    or a query for a table macro), as the text of that engine's SQL."""

    name: str
    params: tuple[str, ...]
    body: str
    table: bool


@dataclass(frozen=True)
class SparkStatement:
    """A statement of ``queries/`` as Spark runs it. ``target`` is the temporary view it creates
    (None for a plain query), ``cached`` whether that view is computed once and kept (a DuckDB
    table), ``query`` the Spark SQL query that computes it, and ``text`` the whole statement:
    ``CREATE OR REPLACE TEMPORARY VIEW target AS query`` for a view, ``CACHE TABLE target AS
    query`` for a table (what it means; the runner computes it with a local checkpoint)."""

    name: str
    target: str | None
    cached: bool
    query: str
    text: str


def _dialect_dir(engine: str) -> Path:
    return queries_dir() / "dialect" / engine


@cache
def macros(engine: str) -> dict[str, Macro]:
    """The macros of ``queries/dialect/<engine>/`` by name."""
    out: dict[str, Macro] = {}
    for path in sorted(_dialect_dir(engine).glob("*.sql")):
        code = _COMMENT.sub("", path.read_text(encoding="utf-8")).strip()
        m = _MACRO.fullmatch(code)
        if m is None:
            raise ValueError(f"{path}: not one CREATE OR REPLACE TEMP MACRO statement")
        name, params, table, body = m.groups()
        names = tuple(p.strip() for p in params.split(",") if p.strip())
        out[name.lower()] = Macro(name.lower(), names, body.strip(), table is not None)
    return out


def source(name: str, engine: str) -> str:
    """The shared-dialect text an engine starts from: the engine's replacement of the statement
    (``queries/dialect/<engine>/<name>.sql``) when there is one, else ``queries/<name>.sql``."""
    replaced = _dialect_dir(engine) / f"{name}.sql"
    return replaced.read_text(encoding="utf-8") if replaced.is_file() else query(name)


def statement(name: str, engine: str = "duckdb") -> str:
    """The text of the statement ``queries/<name>.sql`` for ``engine`` (``duckdb`` or ``spark``)."""
    if engine == "duckdb":
        return query(name)
    if engine == "spark":
        return spark_statement(name).text
    raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")


@cache
def spark_statement(name: str) -> SparkStatement:
    """``queries/<name>.sql`` rewritten for Spark (see the module docstring); cached."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(source(name, "spark"), read="duckdb")
    tree = _expand_macros(tree, macros("spark"))
    tree = _number_rows(tree)
    tree = _full_matches(tree)
    target: str | None = None
    cached = False
    body: exp.Expr = tree
    text = ""
    if isinstance(tree, exp.Create):
        kind = str(tree.args.get("kind") or "").upper()
        if kind not in ("TABLE", "VIEW") or not isinstance(tree.this, exp.Table):
            raise ValueError(f"query {name}: Spark runs CREATE TABLE/VIEW ... AS only")
        target = tree.this.name
        cached = kind == "TABLE"
        expression = tree.expression
        if not isinstance(expression, exp.Query):
            raise ValueError(f"query {name}: CREATE without AS <query>")
        body = expression
        if cached:
            text = exp.Cache(this=exp.to_table(target), expression=body.copy()).sql(
                dialect="spark", pretty=True
            )
        else:
            view = exp.Create(
                this=exp.to_table(target),
                kind="VIEW",
                replace=True,
                properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
                expression=body.copy(),
            )
            text = view.sql(dialect="spark", pretty=True)
    elif not isinstance(tree, exp.Query):
        raise ValueError(f"query {name}: Spark runs queries and CREATE ... AS <query> only")
    query = body.sql(dialect="spark", pretty=True)
    return SparkStatement(name, target, cached, query, text or query)


def _expand_macros(tree: exp.Expr, found: dict[str, Macro]) -> exp.Expr:
    """Every call of a macro replaced by its body (parameters replaced by the arguments); a table
    macro in FROM/JOIN becomes a subquery with the call's alias."""
    import sqlglot
    from sqlglot import exp

    def body(macro: Macro, args: Sequence[exp.Expr]) -> exp.Expr:
        parsed = sqlglot.parse_one(macro.body, read="spark")
        if len(args) != len(macro.params):
            raise ValueError(f"macro {macro.name} takes {len(macro.params)} argument(s)")
        values = dict(zip(macro.params, args, strict=True))

        def substitute(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.Column) and not node.table and node.name in values:
                return values[node.name].copy()
            return node

        return parsed.transform(substitute)

    def rewrite(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous):
            macro = found.get(node.this.name.lower())
            if macro is not None and macro.table:
                alias = node.args.get("alias") or exp.TableAlias(this=exp.to_identifier(macro.name))
                return exp.Subquery(this=body(macro, node.this.expressions), alias=alias)
        if isinstance(node, exp.Anonymous):
            macro = found.get(node.name.lower())
            if macro is not None and not macro.table:
                return exp.Paren(this=body(macro, node.expressions))
        return node

    return tree.transform(rewrite)


def _number_rows(tree: exp.Expr) -> exp.Expr:
    """``row_number() OVER ()`` (rows numbered in no particular order, 1, 2, ...) becomes
    ``monotonically_increasing_id() + 1``: Spark's row_number needs an ordered window (which
    would move every row to one partition); its ids are unique and at least 1, not consecutive.
    The numbers are computed once: the statements that number rows create tables, which the
    runner checkpoints."""
    from sqlglot import exp

    def rewrite(node: exp.Expr) -> exp.Expr:
        if (
            isinstance(node, exp.Window)
            and isinstance(node.this, exp.RowNumber)
            and not node.args.get("partition_by")
            and not node.args.get("order")
        ):
            mono = exp.Anonymous(this="monotonically_increasing_id", expressions=[])
            return exp.Paren(this=exp.Add(this=mono, expression=exp.Literal.number(1)))
        return node

    return tree.transform(rewrite)


def _full_matches(tree: exp.Expr) -> exp.Expr:
    """``regexp_full_match(x, 'p')`` (DuckDB: the whole text matches) becomes ``x RLIKE
    '^(?:p)\\z'`` (Spark's RLIKE finds the pattern anywhere; Java's ``$`` would also match before
    a final line terminator: '10.0.0.5\\r' is not an address). The pattern must be a literal."""
    from sqlglot import exp

    def rewrite(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.RegexpFullMatch):
            pattern = node.expression
            if not isinstance(pattern, exp.Literal) or not pattern.is_string:
                raise ValueError("regexp_full_match needs a literal pattern on Spark")
            anchored = exp.Literal.string(f"^(?:{pattern.this})\\z")
            return exp.RegexpLike(this=node.this.copy(), expression=anchored)
        return node

    return tree.transform(rewrite)


def expand_stars(text: str, columns: Callable[[str], Sequence[str]]) -> str:
    """``t.* EXCLUDE (a, b)`` (Spark: ``t.* EXCEPT (a, b)``) in a Spark query replaced by the
    columns of the table or view ``t`` refers to, minus those named; ``columns(name)`` gives a
    relation's columns. Stars without EXCEPT are left as they are."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(text, read="spark")
    changed = False
    for select in tree.find_all(exp.Select):
        sources = {t.alias_or_name: t.name for t in select.find_all(exp.Table)}
        out: list[exp.Expr] = []
        for e in select.expressions:
            star = e.this if isinstance(e, exp.Column) and isinstance(e.this, exp.Star) else None
            skip = star.args.get("except_") if star is not None else None
            if star is None or not skip:
                out.append(e)
                continue
            alias = e.table
            if alias not in sources:
                raise ValueError(f"cannot expand {e.sql(dialect='spark')}: {alias} is no table")
            dropped = {c.name.lower() for c in skip}
            out.extend(
                exp.column(c, table=alias, quoted=True)
                for c in columns(sources[alias])
                if c.lower() not in dropped
            )
            changed = True
        select.set("expressions", out)
    return tree.sql(dialect="spark", pretty=True) if changed else text
