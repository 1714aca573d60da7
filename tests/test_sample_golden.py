"""Golden expectations for the sample scenario (sample_logs/README.md, "What flowsg analyze
says"): verdict counts, the usage of every rule, and the findings they stand for."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import flowsg

ROOT = Path(__file__).resolve().parents[1]
APP_ENIS = ("eni-0407936e8cb8deeec", "eni-09c5db217897934a6")

VERDICTS = {
    "allowed": 3410,
    "return": 3252,
    "unexplained": 666,
    "no_security_group": 544,
    "no_rule": 484,
    "skipped": 217,
    "blocked_elsewhere": 38,
}

# rule_id: (hits, sole_hits, return_hits)
USAGE = {
    "sgr-004e74d9fc0115aee": (0, 0, 0),
    "sgr-0155317b6fc10129c": (1, 1, 0),
    "sgr-01db9341fa3942f70": (0, 0, 0),
    "sgr-02e984bd527c6d02a": (0, 0, 0),
    "sgr-03d417d70f0057ec1": (375, 375, 375),
    "sgr-03e61527a2252d98e": (0, 0, 0),
    "sgr-03f11977dd47cfa4f": (186, 186, 186),
    "sgr-0406e63bd9b71467c": (60, 60, 60),
    "sgr-0429b1ff859771226": (57, 0, 57),
    "sgr-04ad5ec9f16c7a2b3": (1, 1, 1),
    "sgr-04ddcbf06804704bd": (48, 48, 48),
    "sgr-051696717012742ff": (60, 60, 60),
    "sgr-0533865da3611804d": (550, 550, 393),
    "sgr-056e4f543b2134460": (0, 0, 0),
    "sgr-05c06dca1a6947566": (0, 0, 0),
    "sgr-05d269466713f1006": (108, 108, 108),
    "sgr-05d30a0e0c88e03eb": (51, 51, 51),
    "sgr-07112c6b46e666296": (24, 24, 24),
    "sgr-07c4bc85b3a4fa110": (372, 372, 372),
    "sgr-082644bce20111928": (102, 45, 102),
    "sgr-088c3452de8e441be": (0, 0, 0),
    "sgr-0c4fb1852f9ce6f73": (91, 91, 91),
    "sgr-0c58956e4183d7e36": (77, 77, 77),
    "sgr-0cafcf334d5350b5c": (0, 0, 0),
    "sgr-0d221709f81f1fd78": (298, 298, 298),
    "sgr-0deddba7f639bf3b8": (35, 35, 35),
    "sgr-0e232968de4dd9056": (0, 0, 0),
    "sgr-0e30969c0826609fb": (304, 304, 304),
    "sgr-0e4b3ce6ac4296f97": (588, 588, 588),
    "sgr-0e635f9f488ebc8e9": (21, 21, 21),
    "sgr-0fe62f6f569558dd5": (58, 58, 58),
}


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = flowsg.connect(":memory:")
    flowsg.analyze(connection, [ROOT / "sample_logs"], ROOT / "sample_logs" / "snapshot")
    yield connection  # type: ignore[misc]
    connection.close()


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[tuple[object, ...]]:
    return con.execute(query).fetchall()


def test_verdict_counts(con: duckdb.DuckDBPyConnection) -> None:
    assert dict(rows(con, "SELECT verdict, count(*) FROM flows GROUP BY verdict")) == VERDICTS


def test_rule_usage(con: duckdb.DuckDBPyConnection) -> None:
    got = {
        r[0]: (r[1], r[2], r[3])
        for r in rows(con, "SELECT rule_id, hits, sole_hits, return_hits FROM rule_usage")
    }
    assert got == USAGE


def test_unused_and_unresolvable_rules(con: duckdb.DuckDBPyConnection) -> None:
    unused = {r[0] for r in rows(con, "SELECT rule_id FROM rule_usage WHERE hits = 0")}
    assert unused == {rule for rule, (hits, _, _) in USAGE.items() if hits == 0}
    assert len(unused) == 9
    assert rows(con, "SELECT rule_id FROM rule_usage WHERE NOT resolvable") == [
        ("sgr-02e984bd527c6d02a",)
    ]


def test_incident_rejects_have_no_rule(con: duckdb.DuckDBPyConnection) -> None:
    incident = rows(
        con,
        f"""SELECT count(*), min("start"), count(DISTINCT srcaddr) FROM flows
        WHERE verdict = 'no_rule' AND dstport = 8443 AND interface_id IN {APP_ENIS}""",
    )
    # 149 REJECTs, none before 09:41:30 (the edit was at 09:40), from the three web servers
    assert incident == [(149, 1793612490, 3)]


def test_network_acl_rejects_are_blocked_elsewhere(con: duckdb.DuckDBPyConnection) -> None:
    blocked = rows(
        con,
        """SELECT srcaddr, interface_id, count(*), min(matched_rule_ids[1]) FROM flows
        WHERE verdict = 'blocked_elsewhere' GROUP BY ALL ORDER BY 1, 2""",
    )
    assert blocked == [
        ("192.0.2.66", "eni-06a5f9fee2bb5a547", 30, "sgr-0e635f9f488ebc8e9"),
        ("192.0.2.66", "eni-0f216dc6abe2937f9", 8, "sgr-0e4b3ce6ac4296f97"),
    ]


def test_snapshot_drift_is_unexplained(con: duckdb.DuckDBPyConnection) -> None:
    drift = rows(
        con,
        f"""SELECT direction, count(*), max("start") FROM flows
        WHERE verdict = 'unexplained' AND interface_id IN {APP_ENIS} GROUP BY 1 ORDER BY 1""",
    )
    # requests before the edit (and one tracked connection until 09:48:30), and their replies
    assert drift == [("egress", 333, 1793612910), ("ingress", 333, 1793612910)]


def test_every_record_has_a_known_verdict(con: duckdb.DuckDBPyConnection) -> None:
    assert (
        rows(
            con, f"SELECT DISTINCT verdict FROM flows WHERE verdict NOT IN {tuple(flowsg.VERDICTS)}"
        )
        == []
    )
    assert rows(con, "SELECT count(*) FROM flows WHERE matched_rule_ids IS NULL") == [(0,)]
