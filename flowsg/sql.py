"""Finding, reading and running the SQL in ``queries/``.

Every statement lives in ``queries/<stage>/<name>.sql``, one statement per file, with a header
comment. Values are always bound as ``$named`` parameters; :func:`run` passes exactly the
parameters the statement uses, taken from the mapping it is given, and fails loudly when one is
missing. The engine-specific expressions (IP parsing, lenient-cast guards) are DuckDB macros in
``queries/dialect/duckdb/``, installed on every connection by :func:`install_dialect`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from .errors import DatabaseError

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_LITERALS_AND_COMMENTS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*")


def queries_dir() -> Path:
    """The folder holding the SQL: inside the installed package, or at the top of a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "queries", here.parent / "queries"):
        if (candidate / "ingest").is_dir():
            return candidate
    raise DatabaseError(
        f"the SQL folder queries/ is missing (looked in {here} and {here.parent})",
        "reinstall flowsg: the wheel ships queries/ inside the package",
    )


@cache
def query(name: str) -> str:
    """The text of ``queries/<name>.sql``, e.g. ``query("ingest/convert")``."""
    return (queries_dir() / f"{name}.sql").read_text(encoding="utf-8")


@cache
def parameters(name: str) -> tuple[str, ...]:
    """The ``$named`` parameters a statement uses, outside its literals and comments."""
    code = _LITERALS_AND_COMMENTS.sub(" ", query(name))
    return tuple(dict.fromkeys(_PARAM.findall(code)))


def run(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Execute one statement from ``queries/`` with its parameters bound (never formatted in)."""
    given = params or {}
    wanted = parameters(name)
    missing = [p for p in wanted if p not in given]
    if missing:
        raise TypeError(f"query {name} needs parameters {missing}")
    bound = {p: given[p] for p in wanted}
    return con.execute(query(name), bound) if bound else con.execute(query(name))


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_TEMPLATE_TYPES = frozenset({"INTEGER", "BIGINT", "VARCHAR"})


def run_template(con: duckdb.DuckDBPyConnection, name: str, **names: str) -> None:
    """Execute a DDL template from ``queries/`` (DDL takes no bound parameters): ``{placeholders}``
    are filled with identifiers, never values. Each must be a plain lower-case name (a ``type`` one
    of INTEGER, BIGINT, VARCHAR); the caller has checked it against the list it comes from."""
    for key, value in names.items():
        allowed = value in _TEMPLATE_TYPES if key == "type" else _IDENTIFIER.fullmatch(value)
        if not allowed:
            raise ValueError(f"query {name}: {key} {value!r} is not a plain name")
    con.execute(query(name).format(**names)).fetchall()


def arrow_reader(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> pa.RecordBatchReader:
    """Run a query from ``queries/`` and stream its result as Arrow record batches."""
    given = params or {}
    bound = {p: given[p] for p in parameters(name)}
    reader: pa.RecordBatchReader = con.sql(query(name), params=bound or None).to_arrow_reader()
    return reader


def write_parquet(
    con: duckdb.DuckDBPyConnection,
    name: str,
    path: str,
    params: Mapping[str, Any] | None = None,
) -> None:
    """Run a query from ``queries/`` and write its result to a Parquet file (zstd) with DuckDB's
    own parallel writer; the path is an argument, never part of the SQL."""
    given = params or {}
    bound = {p: given[p] for p in parameters(name)}
    con.sql(query(name), params=bound or None).write_parquet(path, compression="zstd")


def fetchall(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """Run a query from ``queries/`` and return all its rows."""
    return run(con, name, params).fetchall()


def install_dialect(con: duckdb.DuckDBPyConnection) -> None:
    """Create flowsg's DuckDB macros (temporary: they live with the connection, not the file)."""
    for path in sorted((queries_dir() / "dialect" / "duckdb").glob("*.sql")):
        con.execute(path.read_text(encoding="utf-8")).fetchall()
