"""Stage 4, verdict: orientation and verdict of every record, and the usage of every rule.

Verdicts (a public contract, see the README): allowed, return, unexplained, blocked_elsewhere,
no_rule, unknown_interface, no_security_group, skipped.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import duckdb

from . import db, sql
from .match import match

VERDICTS = (
    "allowed",
    "return",
    "unexplained",
    "blocked_elsewhere",
    "no_rule",
    "unknown_interface",
    "no_security_group",
    "skipped",
)

STEPS = (
    "match/key_verdicts",
    "match/key_rule_lists",
    "nacl/key_nacl",
    "match/key_results",
)
"""Outside a transaction: temporary tables, one row per key."""

ASSIGN_KEYS = "match/assign_keys"
"""Every record's key. DuckDB writes it before the final transaction, slice by slice, into a column
of its own (_assign_keys); Spark runs its own version of the statement (the records written again
with their key) as one step before SWAP."""

KEY_SWAP = ("match/drop_keys_column", "match/rename_next_keys_column")
"""DuckDB, first in the final transaction: the new keys (key_id_next) become the records' key_id."""

SWAP = (
    "match/flow_verdicts",
    "match/flows_view",
    "match/rule_usage",
)
"""In one transaction, after KEY_SWAP: the verdicts of the keys, the view `flows` that joins them
to the records, and rule_usage. The records are not written again: only their key column is."""


@dataclass(frozen=True)
class AttributionResult:
    """Records by verdict after :func:`attribute`."""

    by_verdict: dict[str, int]

    @property
    def records(self) -> int:
        return sum(self.by_verdict.values())


def judge(con: duckdb.DuckDBPyConnection) -> AttributionResult:
    """From the matches of :func:`flowsg.match.match`: verdicts into flows, and rule_usage.

    Until the final transaction commits, flows and rule_usage are as they were: a failure leaves
    them intact. The records' new keys are written before it, into a column of their own."""
    for step in STEPS:
        sql.run(con, step).fetchall()
    try:
        _assign_keys(con)
        con.execute("BEGIN TRANSACTION").fetchall()
        for step in (*KEY_SWAP, *SWAP):
            sql.run(con, step).fetchall()
        db.commit_checkpointed(con)  # compresses the keys as it commits (in memory, just after)
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # outside a transaction, ROLLBACK fails
            con.execute("ROLLBACK").fetchall()
        with contextlib.suppress(duckdb.Error):  # the first error is the one to report
            sql.run(con, "match/drop_next_keys_column").fetchall()
        raise
    counts = dict(sql.fetchall(con, "verdict/by_verdict"))
    return AttributionResult({v: int(counts.get(v, 0)) for v in VERDICTS})


ASSIGN_ROWS = 2_000_000
"""Rows of flow_store that one match/assign_keys statement updates (see its header)."""


def _assign_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Every record's new key, into flow_store.key_id_next (key_id keeps the last attribution's
    until judge's final transaction), by slices of ASSIGN_ROWS rows, each committed with a
    checkpoint: DuckDB holds the versions of the rows an UPDATE changed until it is committed and
    checkpointed, about 38 bytes a record, so one transaction over every record made the
    attribution the peak of a run in memory at 30M records (2.45-2.51 GB against the load's 1.83
    GB; in slices the run peaks in its load again, 1.87 GB; 2026-12-07). A record's key is found
    by the hash of its key columns when no two keys share a hash (nearly always: a 64-bit hash
    over thousands to millions of keys), else by the columns themselves; both find the same key
    (see match/assign_keys_hashed)."""
    sql.run(con, "match/drop_next_keys_column").fetchall()  # left by a run that was killed
    sql.run(con, "match/add_next_keys_column").fetchall()
    sql.run(con, "match/key_hashes").fetchall()
    [(unique,)] = sql.fetchall(con, "match/key_hashes_unique")
    statement = "match/assign_keys_hashed" if unique else ASSIGN_KEYS
    [(end,)] = sql.fetchall(con, "match/store_rows")
    for first in range(0, end, ASSIGN_ROWS):
        con.execute("BEGIN TRANSACTION").fetchall()
        params = {"first_row": first, "end_row": first + ASSIGN_ROWS}
        sql.run(con, statement, params).fetchall()
        db.commit_checkpointed(con)  # no write-ahead log of the keys, nor their versions held


def attribute(con: duckdb.DuckDBPyConnection) -> AttributionResult:
    """Match and judge: fills flows.direction, verdict, matched_rule_ids and reason, and creates
    rule_usage. Needs the loaded records (`flow_records`, flowsg.load) and the snapshot tables
    (flowsg.load_snapshot).

    The matching steps write temporary tables only, and the records' new keys a column of their
    own; the records' key_id, the keys' verdicts (flow_verdicts) and the view `flows` that joins
    them are written in one transaction at the end (judge), so that a failed run changes
    nothing."""
    match(con)
    return judge(con)
