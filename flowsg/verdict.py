"""Stage 4, verdict: orientation and verdict of every record, and the usage of every rule.

Verdicts (a public contract, see the README): allowed, return, unexplained, blocked_elsewhere,
no_rule, unknown_interface, no_security_group, skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from . import sql
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
    "match/apply_verdicts",
)
"""Outside a transaction: temporary tables, and the attributed records in flows_attributed."""

SWAP = (
    "match/replace_flows",
    "match/rename_flows",
    "match/rule_usage",
)
"""In one short transaction: flows_attributed becomes flows, and rule_usage is written."""


@dataclass(frozen=True)
class AttributionResult:
    """Records by verdict after :func:`attribute`."""

    by_verdict: dict[str, int]

    @property
    def records(self) -> int:
        return sum(self.by_verdict.values())


def judge(con: duckdb.DuckDBPyConnection) -> AttributionResult:
    """From the matches of :func:`flowsg.match.match`: verdicts into flows, and rule_usage.

    Until the final swap, flows and rule_usage are as they were: a failure leaves them intact."""
    try:
        for step in STEPS:
            sql.run(con, step).fetchall()
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            for step in SWAP:
                sql.run(con, step).fetchall()
            con.execute("COMMIT").fetchall()
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise
    finally:
        sql.run(con, "match/drop_flows_attributed").fetchall()
    counts = dict(sql.fetchall(con, "verdict/by_verdict"))
    return AttributionResult({v: int(counts.get(v, 0)) for v in VERDICTS})


def attribute(con: duckdb.DuckDBPyConnection) -> AttributionResult:
    """Match and judge: fills flows.direction, verdict, matched_rule_ids and reason, and creates
    rule_usage. Needs `flows` (flowsg.load) and the snapshot tables (flowsg.load_snapshot).

    The matching steps write temporary tables only; the records with their verdicts are written
    beside flows and swapped in at the end (judge), so that a failed run changes nothing."""
    match(con)
    return judge(con)
