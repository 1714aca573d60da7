"""Opening the DuckDB database that holds flowsg's state."""

from __future__ import annotations

from pathlib import Path

import duckdb

from .errors import DatabaseError
from .sql import install_dialect

DEFAULT_DB = "flowsg.duckdb"


def connect(database: str | Path = DEFAULT_DB) -> duckdb.DuckDBPyConnection:
    """Open (or create) the database file, or ``":memory:"``, ready for flowsg's queries.

    No DuckDB extension is downloaded: everything flowsg runs is in DuckDB's core (the json and
    parquet extensions are statically linked in the Python package).
    """
    path = str(database)
    try:
        con = duckdb.connect(path, config={"autoinstall_known_extensions": False})
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
