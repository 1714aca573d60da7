"""Stage 5, report: answers read from the database. For now, the summary of a load."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

import duckdb

from .. import sql

Fetch = Callable[[str, Mapping[str, Any] | None], list[tuple[Any, ...]]]
"""Runs a statement of ``queries/`` (by name, with its parameters) and gives its rows: DuckDB's
:func:`flowsg.sql.fetchall` on a connection, or Spark's (:mod:`flowsg.spark.summary`), so that
both engines summarise with the same statements."""


@dataclass(frozen=True)
class FileCount:
    file_type: str  # text, gzip, parquet or unreadable
    files: int
    lines_read: int
    headers: int
    records: int
    malformed: int


@dataclass(frozen=True)
class LoadSummary:
    """What the database holds after a load: files, line accounting, records, time range."""

    files: tuple[FileCount, ...]
    records: tuple[tuple[str | None, str | None, int], ...]  # (log_status, action, records)
    top_reasons: tuple[tuple[str, int], ...]
    file_problems: tuple[tuple[str, str], ...]  # (source_file, reason)
    first_start: datetime | None
    last_end: datetime | None
    interfaces: int
    malformed_lines: int

    @property
    def files_read(self) -> int:
        return sum(f.files for f in self.files if f.file_type != "unreadable")

    @property
    def files_unreadable(self) -> int:
        return sum(f.files for f in self.files if f.file_type == "unreadable")

    @property
    def lines_read(self) -> int:
        return sum(f.lines_read for f in self.files)

    @property
    def headers(self) -> int:
        return sum(f.headers for f in self.files)

    @property
    def record_count(self) -> int:
        return sum(n for _, _, n in self.records)


def load_summary(con: duckdb.DuckDBPyConnection, top: int = 5) -> LoadSummary:
    """Summarise the tables `files`, `flows` and `malformed` as the last load left them."""
    return summarise_load(partial(sql.fetchall, con), top)


def summarise_load(fetch: Fetch, top: int = 5) -> LoadSummary:
    """:func:`load_summary` on any engine."""
    files = tuple(FileCount(*row) for row in fetch("report/load_files", None))
    records = tuple(fetch("report/load_records", None))
    reasons = tuple(fetch("report/load_reasons", {"top": top}))
    problems = tuple(fetch("report/load_file_problems", None))
    first, last, interfaces, malformed = fetch("report/load_overview", None)[0]
    return LoadSummary(
        files=files,
        records=records,
        top_reasons=reasons,
        file_problems=problems,
        first_start=_utc(first),
        last_end=_utc(last),
        interfaces=interfaces,
        malformed_lines=malformed,
    )


def _utc(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class RejectedDestination:
    interface_id: str | None
    dstaddr: str | None
    dstport: int | None
    protocol: int | None
    verdict: str
    records: int
    sources: int


@dataclass(frozen=True)
class AnalyzeSummary:
    """What `flowsg analyze` prints: the load, records by verdict and reason, unused rules and the
    most rejected destinations."""

    load: LoadSummary
    by_verdict: tuple[tuple[str, int], ...]
    by_reason: tuple[tuple[str, int], ...]
    rules: int
    unused_rules: tuple[tuple[Any, ...], ...]  # rule_id, group_id, group_name, direction, ...
    top_rejected: tuple[RejectedDestination, ...]


def analyze_summary(con: duckdb.DuckDBPyConnection, top: int = 10) -> AnalyzeSummary:
    """Summarise flows and rule_usage as `flowsg analyze` left them."""
    return summarise_analysis(partial(sql.fetchall, con), top)


def summarise_analysis(fetch: Fetch, top: int = 10) -> AnalyzeSummary:
    """:func:`analyze_summary` on any engine."""
    rules = fetch("report/rule_count", None)[0][0]
    return AnalyzeSummary(
        load=summarise_load(fetch),
        by_verdict=tuple(fetch("verdict/by_verdict", None)),
        by_reason=tuple(fetch("report/verdict_reasons", None)),
        rules=rules,
        unused_rules=tuple(fetch("report/unused_rules", None)),
        top_rejected=tuple(
            RejectedDestination(*row) for row in fetch("report/top_rejected", {"top": top})
        ),
    )
