"""Stage 4, verdict: orientation and verdict of every record, and the usage of every rule.

Verdicts (a public contract, see the README): allowed, return, unexplained, blocked_elsewhere,
no_rule, unknown_interface, no_security_group, skipped.
"""

from __future__ import annotations

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

SWAP = (
    "match/assign_keys",
    "match/flow_verdicts",
    "match/flows_view",
    "match/rule_usage",
)
"""In one transaction: every record's key_id, the verdicts of the keys, the view `flows` that joins
them, and rule_usage. The records are not written again: only their key_id column is updated."""


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
    them intact."""
    for step in STEPS:
        sql.run(con, step).fetchall()
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        for step in SWAP:
            if step == "match/assign_keys":
                _assign_keys(con)
            else:
                sql.run(con, step).fetchall()
        db.commit_checkpointed(con)  # no write-ahead log of every record's key_id
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise
    db.checkpoint(con)  # every record's key_id, compressed
    counts = dict(sql.fetchall(con, "verdict/by_verdict"))
    return AttributionResult({v: int(counts.get(v, 0)) for v in VERDICTS})


ASSIGN_ROWS = 2_000_000
"""Rows of flow_store that one match/assign_keys statement updates (see its header)."""


def _assign_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Every record's key_id, by slices of ASSIGN_ROWS rows (in the caller's transaction). A
    record's key is found by the hash of its key columns when no two keys share a hash (nearly
    always: a 64-bit hash over thousands to millions of keys), else by the columns themselves;
    both find the same key (see match/assign_keys_hashed)."""
    sql.run(con, "match/key_hashes").fetchall()
    [(unique,)] = sql.fetchall(con, "match/key_hashes_unique")
    statement = "match/assign_keys_hashed" if unique else "match/assign_keys"
    [(end,)] = sql.fetchall(con, "match/store_rows")
    for first in range(0, end, ASSIGN_ROWS):
        params = {"first_row": first, "end_row": first + ASSIGN_ROWS}
        sql.run(con, statement, params).fetchall()


def attribute(con: duckdb.DuckDBPyConnection) -> AttributionResult:
    """Match and judge: fills flows.direction, verdict, matched_rule_ids and reason, and creates
    rule_usage. Needs the loaded records (`flow_records`, flowsg.load) and the snapshot tables
    (flowsg.load_snapshot).

    The matching steps write temporary tables only; the records' key_id, the keys' verdicts
    (flow_verdicts) and the view `flows` that joins them are written in one transaction at the end
    (judge), so that a failed run changes nothing."""
    match(con)
    return judge(con)
