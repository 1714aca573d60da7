"""A failed attribution changes nothing: flows and rule_usage stay as the last good run left
them, and no half-made table (flows_attributed) stays behind."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import flowsg

SAMPLE = Path(__file__).resolve().parent.parent / "sample_logs"


def test_a_failed_attribution_leaves_flows_and_rule_usage_as_they_were(
    con: duckdb.DuckDBPyConnection,
) -> None:
    flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot")
    before = con.execute("SELECT verdict, count(*) FROM flows GROUP BY ALL ORDER BY 1").fetchall()
    usage = con.execute("SELECT * FROM rule_usage ORDER BY rule_id").fetchall()
    assert sum(n for _, n in before) > 0
    con.execute("DROP TABLE nacls").fetchall()  # the first step reads it
    with pytest.raises(duckdb.Error):
        flowsg.attribute(con)
    after = con.execute("SELECT verdict, count(*) FROM flows GROUP BY ALL ORDER BY 1").fetchall()
    assert after == before
    assert con.execute("SELECT * FROM rule_usage ORDER BY rule_id").fetchall() == usage
    tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "flows_attributed" not in tables


def test_attribution_again_gives_the_same_verdicts(con: duckdb.DuckDBPyConnection) -> None:
    first = flowsg.analyze(con, [SAMPLE], SAMPLE / "snapshot").attribution.by_verdict
    again = flowsg.attribute(con).by_verdict
    assert again == first
    columns = [
        c
        for (c,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = 'flows'"
        ).fetchall()
    ]
    assert columns.count("verdict") == 1
