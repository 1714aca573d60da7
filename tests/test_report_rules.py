"""`flowsg report rules` as a library: report_rules, tightening, group_evidence, egress_breakdown
and covering_cidrs.

On the sample scenario (sample_logs/README.md, findings 5 to 8): the status of every rule, the
redundant endpoint rule and the rule covering it, the broad app-tier rule narrowed to tcp 8443,
the evidence per group, the web tier's all-traffic egress broken down. On hand-built cases (a
snapshot's JSON and a flow-log file written into tmp_path, then flowsg.analyze): overlapping
rules, a rule used only by replies, a group whose interfaces never log, exposure to the internet,
egress classes, filters; and, with Hypothesis, covering CIDRs that never widen.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import combinations, pairwise
from pathlib import Path
from typing import Any

import duckdb
import pytest
import reference_matcher as ref
from hypothesis import given
from hypothesis import strategies as st
from reference_matcher import T0, Snap, eni, nodata, rec, rule

import flowsg
from flowsg.output import FORMATS, render_table
from flowsg.report.rules import (
    EGRESS_SCHEMA,
    EVIDENCE_SCHEMA,
    RULES_SCHEMA,
    STATUSES,
    TABLE_COLUMNS,
    TIGHTENING_COLUMNS,
    covering_cidrs,
    egress_breakdown,
    group_evidence,
    report_rules,
    rule_statuses,
    rules_with_evidence,
    tightening,
)

ROOT = Path(__file__).resolve().parents[1]

# --- the sample scenario ------------------------------------------------------------------------

SAMPLE_STATUS = {
    # finding 5: no traffic
    "sgr-05c06dca1a6947566": "unused",  # RDP from office
    "sgr-01db9341fa3942f70": "unused",  # 8444, the typo
    "sgr-056e4f543b2134460": "unused",  # MySQL leftover
    "sgr-088c3452de8e441be": "unused",  # db egress: the db only replies
    "sgr-0cafcf334d5350b5c": "unused",  # endpoint egress
    # the default group is attached to no interface: nothing logged says anything about it
    "sgr-03e61527a2252d98e": "no evidence",
    "sgr-004e74d9fc0115aee": "no evidence",
    "sgr-0e232968de4dd9056": "no evidence",
    # finding 8
    "sgr-02e984bd527c6d02a": "unresolvable",
    # finding 6
    "sgr-0429b1ff859771226": "redundant",
    # the rest carry traffic no other rule allowed
    "sgr-0155317b6fc10129c": "used",
    "sgr-03d417d70f0057ec1": "used",
    "sgr-03f11977dd47cfa4f": "used",
    "sgr-0406e63bd9b71467c": "used",
    "sgr-04ad5ec9f16c7a2b3": "used",
    "sgr-04ddcbf06804704bd": "used",
    "sgr-051696717012742ff": "used",
    "sgr-0533865da3611804d": "used",
    "sgr-05d269466713f1006": "used",
    "sgr-05d30a0e0c88e03eb": "used",
    "sgr-07112c6b46e666296": "used",
    "sgr-07c4bc85b3a4fa110": "used",
    "sgr-082644bce20111928": "used",
    "sgr-0c4fb1852f9ce6f73": "used",
    "sgr-0c58956e4183d7e36": "used",
    "sgr-0d221709f81f1fd78": "used",
    "sgr-0deddba7f639bf3b8": "used",
    "sgr-0e30969c0826609fb": "used",
    "sgr-0e4b3ce6ac4296f97": "used",
    "sgr-0e635f9f488ebc8e9": "used",
    "sgr-0fe62f6f569558dd5": "used",
}

WEB_TIER = "sg-071e4a6ac26585745"
APP_TIER = "sg-09b9e5cf8b4aa01cc"
DEFAULT_GROUP = "sg-02ddfc4a6742e7fca"
DB_GROUP = "sg-052bfb3a50b3eb9b1"
APP_2 = "eni-09c5db217897934a6"


@pytest.fixture(scope="module")
def sample() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = flowsg.connect(":memory:")
    flowsg.analyze(connection, [ROOT / "sample_logs"], ROOT / "sample_logs" / "snapshot")
    yield connection
    connection.close()


def by_rule(table: Any) -> dict[str, dict[str, Any]]:
    return {r["rule_id"]: r for r in table.to_pylist()}


def test_sample_status_of_every_rule(sample: duckdb.DuckDBPyConnection) -> None:
    table = report_rules(sample)
    assert table.schema == RULES_SCHEMA
    assert {r["rule_id"]: r["status"] for r in table.to_pylist()} == SAMPLE_STATUS
    assert set(SAMPLE_STATUS.values()) == set(STATUSES)


def test_sample_rows_are_ordered_by_group_then_rule(sample: duckdb.DuckDBPyConnection) -> None:
    rows = report_rules(sample).to_pylist()
    names = [r["group_name"] for r in rows]
    assert names == sorted(names)
    app = [(r["direction"], r["rule_id"]) for r in rows if r["group_id"] == APP_TIER]
    assert app == sorted(app, key=lambda d: (d[0] != "ingress", d[1]))


def test_sample_usage_is_rule_usage_with_or_without_a_filter(
    sample: duckdb.DuckDBPyConnection,
) -> None:
    stored = {
        r[0]: r[1:]
        for r in sample.execute(
            "SELECT rule_id, hits, sole_hits, return_hits, packets, bytes, first_seen, last_seen"
            " FROM rule_usage"
        ).fetchall()
    }

    def usage(table: Any) -> dict[str, tuple[Any, ...]]:
        return {
            r["rule_id"]: (
                r["hits"],
                r["sole_hits"],
                r["return_hits"],
                r["packets"],
                r["bytes"],
                None if r["first_seen"] is None else int(r["first_seen"].timestamp()),
                None if r["last_seen"] is None else int(r["last_seen"].timestamp()),
            )
            for r in table.to_pylist()
        }

    assert usage(report_rules(sample)) == stored
    # a time filter that holds every record recomputes the same numbers from flows
    everything = report_rules(sample, since=0, until=2**40)
    assert usage(everything) == stored
    assert everything.to_pylist() == report_rules(sample).to_pylist()


def test_sample_redundant_rule_and_what_covers_it(sample: duckdb.DuckDBPyConnection) -> None:
    rows = by_rule(report_rules(sample))
    redundant = rows["sgr-0429b1ff859771226"]
    assert (redundant["hits"], redundant["sole_hits"]) == (57, 0)
    assert redundant["covered_by"] == ["sgr-082644bce20111928"]
    assert redundant["note"] is None  # the covering rule is used, not redundant too
    assert redundant["suggestion"] is None
    assert all(r["covered_by"] is None for r in rows.values() if r["status"] != "redundant")


def test_sample_broad_rule_narrows_to_tcp_8443(sample: duckdb.DuckDBPyConnection) -> None:
    broad = by_rule(report_rules(sample))["sgr-05d30a0e0c88e03eb"]
    assert broad["ports"] == "tcp all ports"
    assert broad["remote_addresses"] == 2  # app-1 and app-2
    # 32 addresses x 65,536 ports allowed, 2 addresses x 1 port used
    assert broad["permissiveness"] == pytest.approx(32 * 65_536 / 2)
    suggestion = broad["suggestion"]
    assert "ports: only tcp 8443 used (allows tcp all ports)" in suggestion
    assert "198.51.100.101/32, 198.51.100.108/32 (allows 198.51.100.96/27)" in suggestion
    assert f"reference {APP_TIER} (app-tier) instead of 198.51.100.96/27" in suggestion


def test_sample_weaker_candidates(sample: duckdb.DuckDBPyConnection) -> None:
    rows = by_rule(report_rules(sample))
    vpc_wide = rows["sgr-082644bce20111928"]["suggestion"]
    assert "peers: the 5 address(es) seen fit in" in vpc_wide
    assert "(allows 198.51.100.0/24)" in vpc_wide
    payments = rows["sgr-05d269466713f1006"]["suggestion"]
    assert "203.0.113.5/32, 203.0.113.9/32 (allows 203.0.113.0/28)" in payments
    web_egress = rows["sgr-0533865da3611804d"]["suggestion"]
    assert web_egress.startswith(
        f"egress seen: tcp 8443 to {APP_TIER} (app-tier); "
        "tcp 443 to sg-0749b639bc172ea15 (vpce-secretsmanager)"
    )
    # one rule per port, one peer: nothing to narrow
    assert rows["sgr-0c4fb1852f9ce6f73"]["suggestion"] is None
    assert rows["sgr-07c4bc85b3a4fa110"]["suggestion"] is None
    # a public web service is not narrowed to the clients it happened to see
    assert rows["sgr-0e4b3ce6ac4296f97"]["suggestion"] is None
    assert not rows["sgr-0e4b3ce6ac4296f97"]["exposed"]


def test_sample_notes(sample: duckdb.DuckDBPyConnection) -> None:
    rows = by_rule(report_rules(sample))
    assert (
        "port 80 on a load balancer is usually only the HTTPS redirect"
        in (rows["sgr-0406e63bd9b71467c"]["note"])
    )
    assert rows["sgr-02e984bd527c6d02a"]["note"].startswith(
        "group sg-08d6691ab78c5e1e6 of account 444455556666 is not in the snapshot"
    )
    for rid in ("sgr-03e61527a2252d98e", "sgr-004e74d9fc0115aee", "sgr-0e232968de4dd9056"):
        assert rows[rid]["note"].startswith("its group is attached to no interface")
    # an all-traffic rule could be meant for traffic flow logs never record
    assert "flow logs never record Amazon DNS" in rows["sgr-088c3452de8e441be"]["note"]
    assert rows["sgr-056e4f543b2134460"]["note"] is None  # tcp 3306: nothing hidden there
    assert "eni-060ecc667166dc49a" in rows["sgr-05c06dca1a6947566"]["note"]  # the spare ENI
    # path MTU discovery from anywhere is not an exposure
    assert not rows["sgr-0155317b6fc10129c"]["exposed"]
    assert "path MTU discovery" in rows["sgr-0155317b6fc10129c"]["note"]


def test_rule_statuses_are_the_report_without_its_advice(
    sample: duckdb.DuckDBPyConnection,
) -> None:
    """what-if's caveats read rule_statuses: every column but the advice is report_rules', and
    the advice is empty (the sample has suggestions, so the two do differ there)."""
    full = report_rules(sample).to_pylist()
    short = rule_statuses(sample).to_pylist()
    advice = {"remote_addresses", "public_sources", "permissiveness", "suggestion"}
    assert [{k: v for k, v in r.items() if k not in advice} for r in short] == [
        {k: v for k, v in r.items() if k not in advice} for r in full
    ]
    assert {r["status"] for r in full} == set(STATUSES)
    assert any(r["suggestion"] for r in full)
    assert all(r["suggestion"] is None and r["permissiveness"] is None for r in short)
    assert all(r["remote_addresses"] == 0 and r["public_sources"] == 0 for r in short)


def test_rules_with_evidence_are_the_two_reports(sample: duckdb.DuckDBPyConnection) -> None:
    """`report rules`, the HTML report and the graph take both from one evidence query: the
    same tables as report_rules and group_evidence, with each filter (a group's evidence is its
    own row; the rules' statuses still come from every group's)."""
    group, interface = sample.execute(
        "SELECT group_id, interface_id FROM interface_groups ORDER BY 1, 2 LIMIT 1"
    ).fetchone() or (None, None)
    assert group is not None
    start = sample.execute('SELECT min("start") + 1800 FROM flows').fetchone()
    assert start is not None
    for filters in [{}, {"group": group}, {"interface": interface}, {"since": start[0]}]:
        rules, evidence = rules_with_evidence(sample, **filters)
        assert rules.equals(report_rules(sample, **filters))
        assert evidence.equals(group_evidence(sample, **filters))
        if "group" in filters:
            assert evidence["group_id"].to_pylist() == [group]
        else:
            assert evidence.num_rows > 1


def test_sample_group_evidence(sample: duckdb.DuckDBPyConnection) -> None:
    table = group_evidence(sample)
    assert table.schema == EVIDENCE_SCHEMA
    rows = {r["group_name"]: r for r in table.to_pylist()}
    assert len(rows) == 8
    window = (datetime(2026, 11, 2, 8, 0, tzinfo=UTC), datetime(2026, 11, 2, 11, 30, tzinfo=UTC))
    assert all((r["window_start"], r["window_end"]) == window for r in rows.values())
    assert (rows["default"]["interfaces"], rows["default"]["logged_interfaces"]) == (0, 0)
    db = rows["db-postgres"]
    # the idle replica logs NODATA only: it appears in the logs, it is evidence
    assert (db["interfaces"], db["logged_interfaces"], db["nodata_records"]) == (2, 2, 214)
    web = rows["web-tier"]
    assert (web["interfaces"], web["logged_interfaces"]) == (4, 3)
    assert web["silent_interfaces"] == ["eni-060ecc667166dc49a"]
    assert web["skipdata_records"] == 1
    assert rows["app-tier"]["skipdata_records"] == 1  # app-2, 09:51:30
    only = group_evidence(sample, group=DB_GROUP).to_pylist()
    assert [r["group_id"] for r in only] == [DB_GROUP]


def test_sample_egress_breakdown(sample: duckdb.DuckDBPyConnection) -> None:
    table = egress_breakdown(sample, "sgr-0533865da3611804d")
    assert table.schema == EGRESS_SCHEMA
    rows = table.to_pylist()
    assert sum(r["records"] for r in rows) == 550  # every hit of the rule
    assert {r["class"] for r in rows} == {"vpc"}
    first, second = rows[0], rows[1]
    assert (first["destination"], first["destination_name"], first["port"]) == (
        APP_TIER,
        "app-tier",
        8443,
    )
    assert (first["records"], first["addresses"]) == (488, 2)
    assert first["suggested_rule"] == f"tcp 8443 to {APP_TIER}"
    assert (second["destination_name"], second["port"], second["records"]) == (
        "vpce-secretsmanager",
        443,
        43,
    )


def test_sample_filters(sample: duckdb.DuckDBPyConnection) -> None:
    only_db = report_rules(sample, group=DB_GROUP).to_pylist()
    assert {r["group_id"] for r in only_db} == {DB_GROUP}
    assert len(only_db) == 4
    # app-2 carries app-tier and ssh-from-bastion: their rules, counted on app-2 only
    on_app2 = by_rule(report_rules(sample, interface=APP_2))
    assert {r["group_name"] for r in on_app2.values()} == {"app-tier", "ssh-from-bastion"}
    whole = by_rule(report_rules(sample))
    assert 0 < on_app2["sgr-05d30a0e0c88e03eb"]["hits"] < whole["sgr-05d30a0e0c88e03eb"]["hits"]
    # the on-call SSH session to app-2 (09:46) is the only one to it
    ssh = on_app2["sgr-0deddba7f639bf3b8"]
    assert ssh["first_seen"] >= datetime(2026, 11, 2, 9, 46, tzinfo=UTC)
    # a window after the last SSH session through ssh-from-bastion (10:12:30)
    late = by_rule(report_rules(sample, since=datetime(2026, 11, 2, 10, 30, tzinfo=UTC)))
    assert late["sgr-0deddba7f639bf3b8"]["status"] == "unused"
    assert late["sgr-0deddba7f639bf3b8"]["hits"] == 0


def test_sample_tightening_is_worst_first(sample: duckdb.DuckDBPyConnection) -> None:
    table = tightening(sample)
    rows = table.to_pylist()
    assert rows and all(r["suggestion"] for r in rows)
    assert all(r["status"] == "used" for r in rows)
    values = [r["permissiveness"] for r in rows]
    assert values == sorted(values, reverse=True)
    assert table.select(list(TIGHTENING_COLUMNS)).num_rows == len(rows)


@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_renders_in_every_format(sample: duckdb.DuckDBPyConnection, fmt: str) -> None:
    text = render_table(report_rules(sample), fmt)
    assert "sgr-0429b1ff859771226" in text
    assert render_table(report_rules(sample).select(list(TABLE_COLUMNS)), fmt)
    assert render_table(group_evidence(sample), fmt)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"group": "sg-nope"}, "no security group sg-nope"),
        ({"interface": "eni-nope"}, "no network interface eni-nope"),
        ({"since": 200, "until": 100}, "is after --until"),
        ({"since": "yesterday"}, "unix seconds"),
    ],
)
def test_bad_filters_are_usage_errors(
    sample: duckdb.DuckDBPyConnection, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(flowsg.UsageError, match=message):
        report_rules(sample, **kwargs)


def test_a_database_without_analysis(tmp_path: Path) -> None:
    con = flowsg.connect(":memory:")
    with pytest.raises(flowsg.DatabaseError, match=r"no analysis \(flows, rules, ") as info:
        report_rules(con)
    assert "flowsg analyze" in info.value.hint
    log, _ = ref.write_case(tmp_path, [], {}, [rec("eni-1", "192.0.2.1", "192.0.2.2", 1, 2)])
    flowsg.load(con, [log])  # flows without verdicts, no snapshot
    with pytest.raises(flowsg.DatabaseError, match=r"flows\.matched_rule_ids missing"):
        group_evidence(con)


def test_unknown_rule_for_egress_breakdown(sample: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(flowsg.UsageError, match="no rule sgr-nope"):
        egress_breakdown(sample, "sgr-nope")


# --- hand-built cases ---------------------------------------------------------------------------

WEB = "192.0.2.10"
WEB_2 = "192.0.2.11"
QUIET = "192.0.2.20"
IDLE = "192.0.2.21"


def analyze_case(
    root: Path, snap: Snap, records: Sequence[Mapping[str, Any]]
) -> duckdb.DuckDBPyConnection:
    """Write the snapshot's JSON and a flow-log file into root, then flowsg.analyze them."""
    log, snap_dir = ref.write_case(root, snap.documents(), snap.entries(), records)
    con = flowsg.connect(":memory:")
    flowsg.analyze(con, [log], snap_dir)
    return con


def test_redundancy_of_overlapping_rules(tmp_path: Path) -> None:
    snap = Snap(
        groups=["sg-a"],
        rules=[
            rule("sgr-wide", "sg-a", "ingress", "tcp", 443, 443, cidr="198.51.100.0/24"),
            rule("sgr-host", "sg-a", "ingress", "tcp", 443, 443, cidr="198.51.100.7/32"),
        ],
        enis=[eni("eni-web", ["sg-a"], WEB)],
    )
    records = [
        rec("eni-web", "198.51.100.7", WEB, 50000, 443),  # both rules
        rec("eni-web", "198.51.100.7", WEB, 50001, 443),  # both rules
        rec("eni-web", "198.51.100.8", WEB, 50002, 443),  # the wide rule alone
    ]
    rows = by_rule(report_rules(analyze_case(tmp_path, snap, records)))
    assert (rows["sgr-host"]["status"], rows["sgr-host"]["covered_by"]) == (
        "redundant",
        ["sgr-wide"],
    )
    assert (rows["sgr-host"]["hits"], rows["sgr-host"]["sole_hits"]) == (2, 0)
    assert rows["sgr-wide"]["status"] == "used"
    assert rows["sgr-wide"]["covered_by"] is None


def three_overlapping(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """sgr-all (the /24) and the two halves: each half is covered by sgr-all and sgr-all by the
    two halves together."""
    snap = Snap(
        groups=["sg-a"],
        rules=[
            rule("sgr-all", "sg-a", "ingress", "tcp", 443, 443, cidr="198.51.100.0/24"),
            rule("sgr-low", "sg-a", "ingress", "tcp", 443, 443, cidr="198.51.100.0/25"),
            rule("sgr-high", "sg-a", "ingress", "tcp", 443, 443, cidr="198.51.100.128/25"),
        ],
        enis=[eni("eni-web", ["sg-a"], WEB)],
    )
    records = [
        rec("eni-web", "198.51.100.7", WEB, 50000, 443),
        rec("eni-web", "198.51.100.200", WEB, 50001, 443),
        rec("eni-web", "198.51.100.201", WEB, 50002, 443),
    ]
    return analyze_case(tmp_path, snap, records)


def test_rules_that_cover_each_other(tmp_path: Path) -> None:
    rows = by_rule(report_rules(three_overlapping(tmp_path)))
    assert {r: rows[r]["status"] for r in rows} == {
        "sgr-all": "redundant",
        "sgr-low": "redundant",
        "sgr-high": "redundant",
    }
    # no single rule is in every record of sgr-all: the two halves cover it together
    assert rows["sgr-all"]["covered_by"] == ["sgr-high", "sgr-low"]
    assert "no single rule allowed all its flows" in rows["sgr-all"]["note"]
    assert rows["sgr-low"]["covered_by"] == ["sgr-all"]
    # removing both of two rules that cover each other breaks traffic: say so
    assert "sgr-all is redundant too and they cover each other" in rows["sgr-low"]["note"]
    assert "sgr-high, sgr-low are redundant too" in rows["sgr-all"]["note"]


def test_rule_used_only_by_replies(tmp_path: Path) -> None:
    snap = Snap(
        groups=["sg-a"],
        rules=[rule("sgr-out", "sg-a", "egress", "tcp", 443, 443, cidr="198.51.100.0/24")],
        enis=[eni("eni-web", ["sg-a"], WEB)],
    )
    # only the server's SYN-ACK was captured: a reply to a request the log does not hold
    records = [rec("eni-web", "198.51.100.7", WEB, 443, 50000, flags=18)]
    con = analyze_case(tmp_path, snap, records)
    assert con.execute("SELECT verdict FROM flows").fetchall() == [("return",)]
    row = by_rule(report_rules(con))["sgr-out"]
    assert (row["hits"], row["return_hits"], row["status"]) == (0, 1, "unused")
    assert (
        "only replies: a rule that carries nothing but return traffic permits nothing"
        in (row["note"])
    )
    assert row["suggestion"] is None and row["permissiveness"] is None


def test_group_whose_interfaces_never_log(tmp_path: Path) -> None:
    snap = Snap(
        groups=["sg-web", "sg-quiet", "sg-idle"],
        rules=[
            rule("sgr-web", "sg-web", "ingress", "tcp", 443, 443, cidr="0.0.0.0/0"),
            rule("sgr-quiet", "sg-quiet", "ingress", "tcp", 22, 22, cidr="198.51.100.0/24"),
            rule("sgr-idle", "sg-idle", "ingress", "tcp", 22, 22, cidr="198.51.100.0/24"),
        ],
        enis=[
            eni("eni-web", ["sg-web"], WEB),
            eni("eni-quiet", ["sg-quiet"], QUIET),  # no record at all
            eni("eni-idle", ["sg-idle"], IDLE),  # NODATA only: logged, and idle
        ],
    )
    records = [
        rec("eni-web", "198.51.100.7", WEB, 50000, 443),
        nodata("eni-idle"),
        nodata("eni-idle"),
        nodata("eni-web", "SKIPDATA"),
    ]
    con = analyze_case(tmp_path, snap, records)
    rows = by_rule(report_rules(con))
    assert rows["sgr-quiet"]["status"] == "no evidence"
    assert rows["sgr-quiet"]["note"] == "none of its group's 1 interface(s) appear in the logs"
    assert rows["sgr-idle"]["status"] == "unused"
    assert rows["sgr-web"]["status"] == "used"
    evidence = {r["group_id"]: r for r in group_evidence(con).to_pylist()}
    quiet = evidence["sg-quiet"]
    assert (quiet["interfaces"], quiet["logged_interfaces"]) == (1, 0)
    assert quiet["silent_interfaces"] == ["eni-quiet"]
    idle = evidence["sg-idle"]
    assert (idle["logged_interfaces"], idle["records"], idle["nodata_records"]) == (1, 0, 2)
    web = evidence["sg-web"]
    assert (web["records"], web["skipdata_records"]) == (1, 1)


def test_exposure_comes_first(tmp_path: Path) -> None:
    snap = Snap(
        groups=["sg-a", "sg-b"],
        rules=[
            rule("sgr-ssh", "sg-a", "ingress", "tcp", 22, 22, cidr="0.0.0.0/0"),
            rule("sgr-https", "sg-a", "ingress", "tcp", 443, 443, cidr="0.0.0.0/0"),
            rule("sgr-wide", "sg-a", "ingress", "tcp", 0, 65535, cidr="10.0.0.0/8"),
        ],
        enis=[eni("eni-web", ["sg-a"], WEB), eni("eni-peer", ["sg-b"], WEB_2)],
    )
    records = [
        rec("eni-web", "203.0.113.9", WEB, 50000, 22),
        rec("eni-web", "203.0.113.9", WEB, 50001, 22),
        rec("eni-web", "198.51.100.7", WEB, 50002, 22),
        rec("eni-web", "198.51.100.8", WEB, 50003, 22),
        rec("eni-web", WEB_2, WEB, 50004, 22),  # an interface of the snapshot: not public
        rec("eni-web", "10.1.2.3", WEB, 50005, 22),  # private: not public
        rec("eni-web", "10.1.2.3", WEB, 50006, 8080),
        rec("eni-web", "198.51.100.7", WEB, 50007, 443),
    ]
    con = analyze_case(tmp_path, snap, records)
    rows = by_rule(report_rules(con))
    ssh = rows["sgr-ssh"]
    assert ssh["exposed"] and ssh["public_sources"] == 3 and ssh["remote_addresses"] == 5
    assert ssh["suggestion"].startswith(
        "open to the internet on tcp 22: 3 public source(s) seen: 203.0.113.9, "
    )
    assert "fit in" in ssh["suggestion"]
    assert not rows["sgr-https"]["exposed"]  # a public web service
    assert rows["sgr-https"]["suggestion"] is None
    assert rows["sgr-wide"]["permissiveness"] > ssh["permissiveness"]
    order = [r["rule_id"] for r in tightening(con).to_pylist()]
    assert order == ["sgr-ssh", "sgr-wide"]  # exposure first, then the most permissive


def test_ports_and_group_reference_suggestions(tmp_path: Path) -> None:
    snap = Snap(
        groups=["sg-app", "sg-web"],
        rules=[
            rule("sgr-range", "sg-app", "ingress", "tcp", 8000, 8999, cidr="192.0.2.0/24"),
            rule("sgr-exact", "sg-app", "ingress", "tcp", 8443, 8443, sg="sg-web"),
        ],
        enis=[
            eni("eni-app", ["sg-app"], "192.0.2.100"),
            eni("eni-web1", ["sg-web"], WEB),
            eni("eni-web2", ["sg-web"], WEB_2),
        ],
    )
    records = [
        rec("eni-app", WEB, "192.0.2.100", 50000, 8080),
        rec("eni-app", WEB_2, "192.0.2.100", 50001, 8081),
        rec("eni-app", WEB_2, "192.0.2.100", 50002, 8443),
    ]
    rows = by_rule(report_rules(analyze_case(tmp_path, snap, records)))
    suggestion = rows["sgr-range"]["suggestion"]
    assert "ports: only tcp 8080-8081, 8443 used (allows tcp 8000-8999)" in suggestion
    assert "fit in 192.0.2.10/31 (allows 192.0.2.0/24)" in suggestion
    assert "or reference sg-web (name-sg-web) instead of 192.0.2.0/24" in suggestion
    # 8443 is allowed by both rules: the exact one is redundant, the range stays used
    assert rows["sgr-exact"]["status"] == "redundant"
    assert rows["sgr-range"]["permissiveness"] == pytest.approx(256 * 1000 / (2 * 3))


def write_v5(path: Path, lines: Sequence[Sequence[Any]]) -> Path:
    """A flow-log file with the pkt-dst-aws-service field."""
    fields = (
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
        " start end action log-status flow-direction pkt-dst-aws-service"
    )
    body = [fields]
    for iface, src, dst, sport, dport, service in lines:
        body.append(
            f"5 123456789012 {iface} {src} {dst} {sport} {dport} 6 10 1000 {T0} {T0 + 60}"
            f" ACCEPT OK egress {service or '-'}"
        )
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    return path


def test_egress_classes(tmp_path: Path) -> None:
    snap = Snap(
        groups=["sg-web", "sg-db", "sg-shared"],
        rules=[
            rule("sgr-all-out", "sg-web", "egress", "-1", cidr="0.0.0.0/0"),
            rule("sgr-s3", "sg-web", "egress", "tcp", 443, 443, pl="pl-0a53"),
        ],
        enis=[
            eni("eni-web", ["sg-web"], WEB),
            # the db interface has two groups: the smaller one is the one to reference
            eni("eni-db", ["sg-db", "sg-shared"], "192.0.2.30"),
            eni("eni-other", ["sg-shared"], "192.0.2.31"),
        ],
        prefix_lists={"pl-0a53": ["203.0.113.32/28"]},
    )
    log, snap_dir = ref.write_case(tmp_path, snap.documents(), snap.entries(), [])
    write_v5(
        log,
        [
            ("eni-web", WEB, "192.0.2.30", 40000, 5432, None),
            ("eni-web", WEB, "203.0.113.40", 40001, 443, "S3"),
            ("eni-web", WEB, "203.0.113.40", 40002, 8080, "S3"),
            ("eni-web", WEB, "198.51.100.99", 40003, 443, "DYNAMODB"),
            ("eni-web", WEB, "10.9.8.7", 40004, 53, None),
            ("eni-web", WEB, "203.0.113.5", 40005, 443, None),
            ("eni-web", WEB, "203.0.113.9", 40006, 443, None),
        ],
    )
    con = flowsg.connect(":memory:")
    flowsg.analyze(con, [log], snap_dir)
    rows = egress_breakdown(con, "sgr-all-out").to_pylist()
    got = [
        (
            r["class"],
            r["destination"],
            r["port"],
            r["records"],
            r["sole_records"],
            r["suggested_rule"],
        )
        for r in rows
    ]
    assert got == [
        ("vpc", "sg-db", 5432, 1, 1, "tcp 5432 to sg-db"),
        # 203.0.113.40:443 is allowed by the prefix-list rule too: nothing to replace there
        ("prefix-list", "pl-0a53", 443, 1, 0, None),
        ("prefix-list", "pl-0a53", 8080, 1, 1, "tcp 8080 to pl-0a53"),
        ("aws-service", "DYNAMODB", 443, 1, 1, "tcp 443 to 198.51.100.99/32"),
        ("private", None, 53, 1, 1, "tcp 53 to 10.9.8.7/32"),
        ("internet", None, 443, 2, 2, "tcp 443 to 203.0.113.5/32, 203.0.113.9/32"),
    ]
    rule_row = by_rule(report_rules(con))["sgr-all-out"]
    assert rule_row["suggestion"] == (
        "egress seen: tcp 443 to 203.0.113.5/32, 203.0.113.9/32; tcp 5432 to sg-db (name-sg-db); "
        "tcp 8080 to pl-0a53 (list-pl-0a53); tcp 443 to 198.51.100.99/32; 1 more "
        "(see egress_breakdown)"
    )


def test_filters_by_group_interface_and_time(tmp_path: Path) -> None:
    snap = Snap(
        groups=["sg-a", "sg-b"],
        rules=[
            rule("sgr-a", "sg-a", "ingress", "tcp", 443, 443, cidr="198.51.100.0/24"),
            rule("sgr-b", "sg-b", "ingress", "tcp", 22, 22, cidr="198.51.100.0/24"),
        ],
        enis=[eni("eni-1", ["sg-a"], WEB), eni("eni-2", ["sg-a", "sg-b"], WEB_2)],
    )
    hour = 3600
    records = [
        rec("eni-1", "198.51.100.7", WEB, 50000, 443, start=T0, end=T0 + 60),
        rec("eni-2", "198.51.100.7", WEB_2, 50001, 443, start=T0, end=T0 + 60),
        rec("eni-2", "198.51.100.7", WEB_2, 50002, 443, start=T0 + hour, end=T0 + hour + 60),
        rec("eni-2", "198.51.100.7", WEB_2, 50003, 22, start=T0 + 2 * hour, end=T0 + 2 * hour),
    ]
    con = analyze_case(tmp_path, snap, records)
    assert [r["rule_id"] for r in report_rules(con, group="sg-b").to_pylist()] == ["sgr-b"]
    on_1 = by_rule(report_rules(con, interface="eni-1"))
    assert set(on_1) == {"sgr-a"} and on_1["sgr-a"]["hits"] == 1
    on_2 = by_rule(report_rules(con, interface="eni-2"))
    assert (on_2["sgr-a"]["hits"], on_2["sgr-b"]["hits"]) == (2, 1)
    # the window of the second hour holds one record of sgr-a; sgr-b's comes later
    window: dict[str, Any] = {"since": T0 + hour, "until": T0 + hour + 600}
    timed = by_rule(report_rules(con, **window))
    assert (timed["sgr-a"]["hits"], timed["sgr-b"]["hits"]) == (1, 0)
    assert timed["sgr-a"]["first_seen"] == datetime.fromtimestamp(T0 + hour, UTC)
    assert timed["sgr-b"]["status"] == "unused"  # eni-2 logged in that window
    # within eni-1 and the second hour, nothing was logged: no evidence for sgr-a
    quiet = by_rule(report_rules(con, interface="eni-1", **window))
    assert quiet["sgr-a"]["status"] == "no evidence"
    evidence = group_evidence(con, interface="eni-1", **window).to_pylist()
    assert [(r["group_id"], r["interfaces"], r["logged_interfaces"]) for r in evidence] == [
        ("sg-a", 1, 0)
    ]


# --- covering CIDRs -----------------------------------------------------------------------------


@st.composite
def cidr_and_addresses(draw: st.DrawFn) -> tuple[Any, list[Any]]:
    version = draw(st.sampled_from([4, 6]))
    width = 32 if version == 4 else 128
    prefix = draw(st.integers(min_value=0, max_value=width))
    base = draw(st.integers(min_value=0, max_value=2**width - 1))
    network = ipaddress.IPv4Network if version == 4 else ipaddress.IPv6Network
    net = network((base >> (width - prefix) << (width - prefix), prefix))
    first = int(net.network_address)
    offsets = st.integers(min_value=0, max_value=net.num_addresses - 1)
    picked = draw(st.lists(offsets, min_size=1, max_size=40))
    make = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    return net, [make(first + o) for o in picked]


@given(cidr_and_addresses(), st.integers(min_value=1, max_value=4))
def test_covering_cidrs_never_widen(case: tuple[Any, list[Any]], k: int) -> None:
    net, addresses = case
    cover = covering_cidrs(addresses, net, k)
    assert 1 <= len(cover) <= k
    assert all(c.subnet_of(net) for c in cover)
    assert all(any(a in c for c in cover) for a in addresses)
    assert sum(c.num_addresses for c in cover) <= net.num_addresses
    assert [c.prefixlen for c in cover] == sorted(c.prefixlen for c in cover)  # largest first
    for a, b in combinations(cover, 2):
        assert not a.overlaps(b)


def lca(values: Sequence[int]) -> int:
    """The size of the smallest CIDR holding every value (sorted)."""
    return 1 << (values[0] ^ values[-1]).bit_length()


def best_by_cuts(values: list[int], k: int) -> int:
    """Brute force: the sorted addresses cut into at most k runs, each covered by its smallest
    CIDR; CIDRs are intervals, so an optimal cover is one of these."""
    n = len(values)
    best = lca(values)
    for cuts in range(1, min(k, n)):
        for points in combinations(range(1, n), cuts):
            bounds = [0, *points, n]
            best = min(best, sum(lca(values[a:b]) for a, b in pairwise(bounds)))
    return best


@given(
    st.lists(st.integers(min_value=0, max_value=255), min_size=1, max_size=9, unique=True),
    st.integers(min_value=1, max_value=4),
)
def test_covering_cidrs_are_the_smallest(last_octets: list[int], k: int) -> None:
    net = ipaddress.ip_network("198.51.100.0/24")
    addresses = [f"198.51.100.{o}" for o in last_octets]
    cover = covering_cidrs(addresses, net, k)
    values = sorted(int(ipaddress.ip_address(a)) for a in addresses)
    assert sum(c.num_addresses for c in cover) == best_by_cuts(values, k)


def test_covering_cidrs_examples() -> None:
    assert [str(n) for n in covering_cidrs(["10.0.0.1", "10.0.0.2"], "10.0.0.0/8")] == [
        "10.0.0.1/32",
        "10.0.0.2/32",
    ]
    many = [f"10.0.{i}.1" for i in range(8)]
    assert [str(n) for n in covering_cidrs(many, "10.0.0.0/8")] == [
        "10.0.0.0/22",
        "10.0.4.0/23",
        "10.0.6.1/32",
        "10.0.7.1/32",
    ]
    assert [str(n) for n in covering_cidrs(many, "10.0.0.0/8", 1)] == ["10.0.0.0/21"]
    # never wider than the original, addresses outside it or of the other family ignored
    assert [str(n) for n in covering_cidrs(["10.0.0.1", "10.9.0.1", "::1"], "10.0.0.0/16")] == [
        "10.0.0.1/32"
    ]
    assert covering_cidrs([], "0.0.0.0/0") == []
