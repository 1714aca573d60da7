"""The filters every report shares: --group, --interface, --since, --until."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from .. import sql
from ..errors import UsageError

Time = int | float | datetime
"""A point in time: unix seconds, or a datetime (naive means UTC)."""


def to_seconds(value: Time | None, name: str = "time") -> int | None:
    """Unix seconds (rounded down) from seconds or a datetime; UsageError for anything else."""
    if value is None:
        return None
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return int(aware.timestamp() // 1)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UsageError(f"{name} must be unix seconds or a datetime, not {value!r}")
    return int(value // 1)


def check_known(con: duckdb.DuckDBPyConnection, group: str | None, interface: str | None) -> None:
    """UsageError (exit 2) when --group or --interface names nothing in the snapshot: a typo
    should say so, not print an empty report. The values are bound, never formatted into SQL."""
    params = {"group": group or None, "interface": interface or None}
    group_known, interface_known = sql.fetchall(con, "report/filter_check", params)[0]
    if not group_known:
        raise UsageError(
            f"no security group {group} in the snapshot",
            "the table security_groups lists them; leave out --group to see every group",
        )
    if not interface_known:
        raise UsageError(
            f"no network interface {interface} in the snapshot",
            "the table interfaces lists them; an interface missing from the snapshot has no rules",
        )
