"""flowsg: what your AWS security groups actually do, from VPC Flow Logs, in DuckDB.

The library API. Every stage is a function over a DuckDB connection; the database is the state::

    import flowsg

    con = flowsg.connect("flowsg.duckdb")          # or ":memory:"
    flowsg.load(con, ["sample_logs/"])             # -> tables flows, malformed, files
    print(flowsg.load_summary(con))
    con.sql("SELECT action, count(*) FROM flows GROUP BY action").show()
"""

from __future__ import annotations

__version__ = "0.1.0"

from .db import DEFAULT_DB, connect
from .errors import (
    DatabaseError,
    FlowsgError,
    InputError,
    SnapshotError,
    UsageError,
)
from .fields import DEFAULT_FORMAT, FIELDS, Field
from .ingest import MAX_LINE_BYTES, LoadResult, Progress, load, walk
from .logformat import LogFormat, parse_log_format
from .report import LoadSummary, load_summary
from .sql import queries_dir

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_FORMAT",
    "FIELDS",
    "MAX_LINE_BYTES",
    "DatabaseError",
    "Field",
    "FlowsgError",
    "InputError",
    "LoadResult",
    "LoadSummary",
    "LogFormat",
    "Progress",
    "SnapshotError",
    "UsageError",
    "__version__",
    "connect",
    "load",
    "load_summary",
    "parse_log_format",
    "queries_dir",
    "walk",
]
