"""What-if: replay the observed traffic without some rules (``flowsg whatif --remove``).

Security groups are a union of allow rules, so removing rules changes the fate of exactly the
records they alone allowed: an ``allowed`` record (a request) loses every permitting rule when all
of its ``matched_rule_ids`` are among the removed ones. Removing two rules that cover each other
therefore shows the records that need at least one of them, although each is redundant alone.
Replies (``return`` records) follow their requests and are not listed. The SQL is
``queries/report/whatif_*.sql``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from .. import sql
from ..db import require_analysis
from ..errors import UsageError
from .rules import rule_statuses

SAFE = "safe: no observed flow depends on these rules"
"""What to say when :func:`whatif` returns no row."""


def _field(name: str, type_: pa.DataType) -> pa.Field[Any]:
    return pa.field(name, type_)


WHATIF_SCHEMA = pa.schema(
    [
        _field("interface_id", pa.string()),
        _field("direction", pa.string()),
        _field("remote_address", pa.string()),
        _field("protocol", pa.int32()),
        _field("port", pa.int32()),
        _field("records", pa.int64()),
        _field("packets", pa.int64()),
        _field("bytes", pa.int64()),
        _field("first_seen", pa.timestamp("s", tz="UTC")),
        _field("last_seen", pa.timestamp("s", tz="UTC")),
        _field("rules", pa.list_(pa.string())),
    ]
)
"""The columns of :func:`whatif`."""


def rule_ids(remove: Sequence[str] | str) -> list[str]:
    """The rule ids asked for, in order, without blanks or repeats; 'a,b' is split on commas."""
    items = [remove] if isinstance(remove, str) else list(remove)
    out: list[str] = []
    for item in items:
        for part in str(item).split(","):
            ident = part.strip()
            if ident and ident not in out:
                out.append(ident)
    return out


def _checked(con: duckdb.DuckDBPyConnection, remove: Sequence[str] | str) -> list[str]:
    require_analysis(con)
    ids = rule_ids(remove)
    if not ids:
        raise UsageError("no rule to remove", "give rule ids: flowsg whatif --remove sgr-…[,sgr-…]")
    known = [r[0] for r in sql.fetchall(con, "report/whatif_rule_ids")]
    known_set = set(known)
    unknown = [i for i in ids if i not in known_set]
    if unknown:
        close = [m for i in unknown for m in difflib.get_close_matches(i, known, n=1, cutoff=0.8)]
        hint = "the rule ids are in `flowsg report rules` (or the table rules)"
        if close:
            hint = f"did you mean {', '.join(close)}? " + hint
        raise UsageError(
            f"no rule {', '.join(unknown)} in the snapshot"
            if len(unknown) == 1
            else f"no rules {', '.join(unknown)} in the snapshot",
            hint,
        )
    return ids


def whatif(con: duckdb.DuckDBPyConnection, remove: Sequence[str] | str) -> pa.Table:
    """The observed ``allowed`` flows that would lose every permitting rule without the rules of
    ``remove``: grouped by interface, direction, remote address, protocol and port, with records,
    packets, bytes, first and last seen and the removed rules they depended on (schema
    :data:`WHATIF_SCHEMA`). Empty when removing them breaks nothing observed (:data:`SAFE`).
    Unknown rule ids raise :class:`flowsg.UsageError`."""
    ids = _checked(con, remove)
    table = sql.arrow_reader(con, "report/whatif_flows", {"remove": ids}).read_all()
    columns = []
    for field in WHATIF_SCHEMA:
        column = table.column(field.name)
        if pa.types.is_timestamp(field.type):
            column = column.cast(pa.int64())
        columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=WHATIF_SCHEMA)


def whatif_caveats(con: duckdb.DuckDBPyConnection, remove: Sequence[str] | str) -> list[str]:
    """What the replay cannot know about the rules of ``remove``, one line each (for stderr):
    rules flowsg cannot resolve, rules whose group's interfaces never appear in the logs, rules
    that could carry traffic flow logs never record, and the window replayed."""
    ids = _checked(con, remove)
    rows = {r["rule_id"]: r for r in rule_statuses(con).to_pylist() if r["rule_id"] in ids}
    lines: list[str] = []
    for ident in ids:
        row = rows[ident]
        if row["status"] in ("unresolvable", "no evidence") or (
            row["status"] == "unused" and row["note"]
        ):
            lines.append(f"{ident} ({row['status']}): {row['note']}")
    first, last, *_ = sql.fetchall(con, "report/load_overview")[0]  # the records' time range
    if first is not None:
        lines.append(
            f"replayed the records from {_iso(first)} to {_iso(last)}: "
            "traffic outside that window is not known"
        )
    return lines


def _iso(seconds: int) -> str:
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%d %H:%M:%S} UTC"
