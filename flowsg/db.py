"""Opening the DuckDB database that holds flowsg's state."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .errors import DatabaseError
from .sql import fetchall, install_dialect

DEFAULT_DB = "flowsg.duckdb"


def connect(
    database: str | Path = DEFAULT_DB, *, read_only: bool = False
) -> duckdb.DuckDBPyConnection:
    """Open (or create) the database file, or ``":memory:"``, ready for flowsg's queries.

    ``read_only`` opens an existing database for the reports: it is never created, and several
    readers may share it. No DuckDB extension is downloaded: everything flowsg runs is in DuckDB's
    core (the json and parquet extensions are statically linked in the Python package).
    """
    path = str(database)
    if read_only and path != ":memory:" and not Path(path).exists():
        raise DatabaseError(
            f"no database at {path}",
            f"run `flowsg analyze LOGS --snapshot DIR --db {path}` first",
        )
    try:
        con = duckdb.connect(
            path, read_only=read_only, config={"autoinstall_known_extensions": False}
        )
    except duckdb.IOException as exc:
        text = str(exc)
        if "lock" in text.lower():
            raise DatabaseError(
                f"database {path} is in use by another process",
                "wait for the other flowsg run to finish, or use another --db",
            ) from exc
        raise DatabaseError(f"cannot open database {path}: {_first_line(text)}") from exc
    except duckdb.Error as exc:
        raise DatabaseError(f"cannot open database {path}: {_first_line(str(exc))}") from exc
    install_dialect(con)
    return con


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unknown error"


def require_analysis(con: duckdb.DuckDBPyConnection, database: str = "FILE") -> None:
    """Fail with a clear error (exit 5) unless `flowsg analyze` has filled this database."""
    missing = [name for (name,) in fetchall(con, "report/missing_tables")]
    if missing:
        raise DatabaseError(
            f"database {database} holds no analysis ({', '.join(missing)} missing)",
            f"run `flowsg analyze LOGS --snapshot DIR --db {database}` first",
        )
