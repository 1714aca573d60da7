"""Records over time: the accepted and rejected records per time bucket, by verdict.

:func:`records_over_time` aggregates in SQL (``queries/report/records_over_time.sql``); the HTML
report draws it per hour, and a notebook can plot it at any resolution.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from .. import sql
from ..db import require_analysis
from ..errors import UsageError
from .filters import Time, check_known, to_seconds

HOUR = 3600
"""Seconds in an hour: the default bucket."""


def _field(name: str, type_: pa.DataType) -> pa.Field[Any]:
    return pa.field(name, type_)


TIMELINE_SCHEMA = pa.schema(
    [
        _field("time", pa.timestamp("s", tz="UTC")),
        _field("action", pa.string()),
        _field("verdict", pa.string()),
        _field("records", pa.int64()),
        _field("packets", pa.int64()),
        _field("bytes", pa.int64()),
    ]
)
"""The columns of :func:`records_over_time`."""


def records_over_time(
    con: duckdb.DuckDBPyConnection,
    *,
    seconds: int = HOUR,
    group: str | None = None,
    interface: str | None = None,
    since: Time | None = None,
    until: Time | None = None,
) -> pa.Table:
    """ACCEPT and REJECT records per time bucket of ``seconds`` (default one hour), action and
    verdict, with packets and bytes (schema :data:`TIMELINE_SCHEMA`; ``time`` is the start of the
    bucket, UTC). NODATA and SKIPDATA records and records without an action are left out. The
    filters are those of every report: ``group``, ``interface``, ``since``/``until`` (records
    whose start is in [since, until))."""
    require_analysis(con)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
        raise UsageError(
            f"the bucket must be a whole number of seconds (1 or more), not {seconds!r}"
        )
    check_known(con, group or None, interface or None)
    params: dict[str, Any] = {
        "bucket_seconds": seconds,
        "group": group or None,
        "interface": interface or None,
        "since": to_seconds(since, "since"),
        "until": to_seconds(until, "until"),
    }
    table = sql.arrow_reader(con, "report/records_over_time", params).read_all()
    return pa.Table.from_arrays(
        [
            table.column("bucket").cast(pa.int64()).cast(TIMELINE_SCHEMA.field("time").type),
            table.column("action").cast(pa.string()),
            table.column("verdict").cast(pa.string()),
            table.column("records").cast(pa.int64()),
            table.column("packets").cast(pa.int64()),
            table.column("bytes").cast(pa.int64()),
        ],
        schema=TIMELINE_SCHEMA,
    )
