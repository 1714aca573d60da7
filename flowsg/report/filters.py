"""The filters every report shares: --group, --interface, --since, --until."""

from __future__ import annotations

from datetime import UTC, datetime

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
