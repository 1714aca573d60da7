"""The troubleshooting reports of flowsg.report.rejects: REJECTs without the internet scan noise
(with the smallest fix), the scan noise on its own, and the ACCEPTs no rule explains.

On the sample scenario (sample_logs/README.md): the 09:40 incident, the hostile partner host
blocked by a network ACL, the scanners, the snapshot drift. Then hand-built cases over real files
(a snapshot and a flow-log file, loaded and attributed by flowsg) for the edge conditions: the
remote address's class, the group a fix goes on and references, egress fixes, replies, interfaces
without security groups, the filters (bound as parameters), the hints of `unexplained`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import reference_matcher as ref
from reference_matcher import T0, Snap, eni, rec, rule

import flowsg
from flowsg.output import FORMATS, render_table
from flowsg.report.rejects import (
    rejects_with_noise,
    report_rejects,
    report_unexplained,
    scan_noise,
)

ROOT = Path(__file__).resolve().parents[1]

# --- the sample scenario --------------------------------------------------------------------------

APP_1, APP_2 = "eni-0407936e8cb8deeec", "eni-09c5db217897934a6"
ALB_A, ALB_B = "eni-0f216dc6abe2937f9", "eni-0e6aa1fed6427484e"
NAT, BASTION = "eni-0ea46ac3acff9953b", "eni-06a5f9fee2bb5a547"
WEB = {  # web server address -> its interface
    "198.51.100.68": "eni-0f750b2721f9a7f4a",
    "198.51.100.75": "eni-0048148020af4d0b5",
    "198.51.100.83": "eni-0a628e334b70e14e0",
}
APP_TIER, WEB_TIER = "sg-09b9e5cf8b4aa01cc", "sg-071e4a6ac26585745"
INCIDENT_FIX = f"allow tcp 8443 ingress on {APP_TIER} from {WEB_TIER}"
GENERAL_HINT = (
    "the snapshot and the logs cover different times, or a rule was removed while "
    "connections stayed tracked"
)


def at(hhmmss: str) -> datetime:
    """A time of the sample's morning (2026-11-02), UTC."""
    return datetime.fromisoformat(f"2026-11-02T{hhmmss}+00:00")


@pytest.fixture(scope="module")
def sample() -> Iterator[duckdb.DuckDBPyConnection]:
    con = flowsg.connect(":memory:")
    flowsg.analyze(con, [str(ROOT / "sample_logs")], str(ROOT / "sample_logs" / "snapshot"))
    try:
        yield con
    finally:
        con.close()


def reject_count(con: duckdb.DuckDBPyConnection) -> int:
    ((n,),) = con.execute("SELECT count(*) FROM flows WHERE action = 'REJECT'").fetchall()
    return int(n)


def test_sample_incident_groups_with_the_smallest_fix(sample: duckdb.DuckDBPyConnection) -> None:
    rows = report_rejects(sample).to_pylist()
    incident = [r for r in rows if r["interface_id"] in (APP_1, APP_2) and r["port"] == 8443]
    assert {(r["interface_id"], r["remote_address"]) for r in incident} == {
        (eni_id, web) for eni_id in (APP_1, APP_2) for web in WEB
    }
    for r in incident:
        assert r["direction"] == "ingress" and r["protocol"] == "tcp"
        assert r["verdict"] == "no_rule" and r["reason"] is None
        assert r["remote_class"] == "interface"
        assert r["remote_interface"] == WEB[r["remote_address"]]
        assert r["smallest_fix"] == INCIDENT_FIX
        assert r["group_ids"] == ["sg-0903ccdd08bb482d4", APP_TIER]
        assert r["group_names"] == ["ssh-from-bastion", "app-tier"]
        assert r["first_seen"] >= at("09:41:30")
        assert r["last_seen"] <= at("11:30:00")
    assert sum(r["records"] for r in incident) == 149  # finding 2 of the sample's README
    first = min(r["first_seen"] for r in incident)
    assert first == at("09:41:30") and first.tzinfo is not None
    # most records first; the incident is the bulk of the internal problems
    assert [r["records"] for r in rows] == sorted((r["records"] for r in rows), reverse=True)


def test_sample_partner_host_is_blocked_elsewhere_not_noise(
    sample: duckdb.DuckDBPyConnection,
) -> None:
    rows = [r for r in report_rejects(sample).to_pylist() if r["remote_address"] == "192.0.2.66"]
    assert {(r["interface_id"], r["port"], r["records"]) for r in rows} == {
        (BASTION, 22, 30),
        (ALB_A, 443, 8),
    }
    (flows_reasons,) = sample.execute(
        "SELECT list(DISTINCT reason) FROM flows WHERE srcaddr = '192.0.2.66' AND action = 'REJECT'"
    ).fetchall()[0]
    assert {r["reason"] for r in rows} == set(flows_reasons or [None])  # carried as flows has it
    for r in rows:
        assert r["verdict"] == "blocked_elsewhere"
        assert r["remote_class"] == "public"  # public, but a rule allows it: not scan noise
        assert r["smallest_fix"] is None
        assert r["direction"] == "ingress"


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"group": APP_TIER},
        {"interface": BASTION},
        {"since": at("09:40:00")},
        {"until": at("09:40:00"), "top": 2},
    ],
)
def test_rejects_with_noise_account_for_every_reject_record(
    sample: duckdb.DuckDBPyConnection, filters: dict[str, Any]
) -> None:
    """One grouping of the REJECT records gives both tables (report_rejects and scan_noise are
    its two halves): per interface, the reject groups' records and the noise's add up to the
    REJECT records of `flows` that the filters select, and top limits the ports listed."""
    rejects, noise = rejects_with_noise(sample, **filters)
    bound = {
        "group": filters.get("group"),
        "interface": filters.get("interface"),
        "since": int(filters["since"].timestamp()) if "since" in filters else None,
        "until": int(filters["until"].timestamp()) if "until" in filters else None,
    }
    expected = dict(
        sample.execute(
            """
            SELECT interface_id, count(*) FROM flows
            WHERE action = 'REJECT'
                AND ($interface IS NULL OR interface_id = $interface)
                AND ($group IS NULL OR interface_id IN (
                    SELECT interface_id FROM interface_groups WHERE group_id = $group))
                AND ($since IS NULL OR "start" >= $since)
                AND ($until IS NULL OR "start" < $until)
            GROUP BY interface_id
            """,
            bound,
        ).fetchall()
    )
    got: dict[str, int] = {}
    for row in [*rejects.to_pylist(), *noise.to_pylist()]:
        got[row["interface_id"]] = got.get(row["interface_id"], 0) + row["records"]
    assert got == expected and expected
    assert all(len(r["top_ports"]) <= filters.get("top", 5) for r in noise.to_pylist())
    if "top" in filters:
        assert max(len(r["top_ports"]) for r in noise.to_pylist()) == filters["top"]


def test_sample_scan_noise_per_interface(sample: duckdb.DuckDBPyConnection) -> None:
    noise = scan_noise(sample).to_pylist()
    got = {r["interface_id"]: (r["records"], r["sources"], r["ports"]) for r in noise}
    assert got == {
        ALB_A: (118, 7, 19),
        ALB_B: (103, 7, 19),
        NAT: (100, 6, 20),  # no security group: every unsolicited public REJECT is noise
        BASTION: (99, 6, 20),  # the scanners' probes of 22 too (they also probe closed ports)
    }
    for r in noise:
        assert len(r["top_ports"]) == 5
        assert all(p.split()[0] in ("tcp", "udp") for p in r["top_ports"])
        assert r["first_seen"] <= r["last_seen"]
    assert noise[0]["interface_id"] == ALB_A  # most records first
    assert noise[0]["top_ports"][0] == "tcp 8080"
    assert scan_noise(sample, top=2).column("top_ports").to_pylist()[0] == ["tcp 8080", "tcp 3389"]

    rows = report_rejects(sample).to_pylist()
    # every REJECT is in exactly one of the two reports
    assert sum(r["records"] for r in rows) + sum(r["records"] for r in noise) == reject_count(
        sample
    )
    # what is left of the internet: 192.0.2.66 (blocked elsewhere), the vendor app-2 calls out to,
    # and IPv6 web clients on port 80 (the IPv4-only rule): no scanner, nothing on the NAT
    public = {r["remote_address"] for r in rows if r["remote_class"] == "public"}
    scanners = {"203.0.113.201", "203.0.113.207", "203.0.113.213", "203.0.113.222"}
    assert not public & (scanners | {"203.0.113.238", "203.0.113.249", "2001:db8:ffff:dead::66"})
    assert {"192.0.2.66", "203.0.113.50"} <= public
    assert all(
        r["port"] == 80 and r["interface_id"] in (ALB_A, ALB_B)
        for r in rows
        if r["remote_class"] == "public" and ":" in r["remote_address"]
    )
    assert NAT not in {r["interface_id"] for r in rows}
    egress = [r for r in rows if r["direction"] == "egress"]
    assert [(r["interface_id"], r["remote_address"], r["port"], r["records"]) for r in egress] == [
        (APP_2, "203.0.113.50", 443, 4)
    ]
    assert egress[0]["smallest_fix"] is None  # a public address: no rule is suggested


def test_sample_unexplained_groups_and_hints(sample: duckdb.DuckDBPyConnection) -> None:
    rows = report_unexplained(sample).to_pylist()
    assert {(r["interface_id"], r["remote_address"]) for r in rows} == {
        (eni_id, web) for eni_id in (APP_1, APP_2) for web in WEB
    }
    for r in rows:
        assert (r["direction"], r["protocol"], r["port"]) == ("ingress", "tcp", 8443)
        assert r["replies"] * 2 == r["records"]  # every request has its reply
        assert r["last_seen"] < at("09:50:00")
        assert r["hint"].startswith("stopped at ")
        assert "the snapshot and the logs cover different times" in r["hint"]
    assert sum(r["records"] for r in rows) == 666  # 333 requests and their 333 replies
    tracked = by_remote(report_unexplained(sample))[APP_2, "198.51.100.83"]
    assert tracked["last_seen"] == at("09:48:48")  # the pooled connection tracked past 09:40
    assert tracked["hint"].startswith("stopped at 09:48: a rule may have been removed then")
    assert rows[0] == tracked  # most records first


def test_sample_filters(sample: duckdb.DuckDBPyConnection) -> None:
    by_group = report_rejects(sample, group=WEB_TIER)
    assert by_group.num_rows == 0  # the web servers never REJECT: their peers do
    app = report_rejects(sample, group=APP_TIER).to_pylist()
    assert {r["interface_id"] for r in app} == {APP_1, APP_2}
    one = report_rejects(sample, interface=APP_2).to_pylist()
    assert {r["interface_id"] for r in one} == {APP_2}
    assert scan_noise(sample, interface=APP_2).num_rows == 0
    assert scan_noise(sample, group="sg-07d9f55a79bc1500c").column("interface_id").to_pylist() == [
        BASTION
    ]
    # before the edit nothing on app-2 was rejected; from 10:00 the incident continues
    assert report_rejects(sample, interface=APP_2, until=at("09:40:00")).num_rows == 0
    late = report_rejects(sample, interface=APP_2, since=at("10:00:00")).to_pylist()
    assert late and all(r["first_seen"] >= at("10:00:00") for r in late)
    before = report_unexplained(sample, until=int(at("09:40:00").timestamp())).to_pylist()
    assert sum(r["records"] for r in before) < 666
    assert report_unexplained(sample, since=at("10:00:00")).num_rows == 0


def test_sample_reports_render_in_every_format(sample: duckdb.DuckDBPyConnection) -> None:
    for table in (report_rejects(sample), scan_noise(sample), report_unexplained(sample)):
        for fmt in FORMATS:
            text = render_table(table, fmt)
            assert text.endswith("\n")
        rows = json.loads(render_table(table, "json"))
        assert len(rows) == table.num_rows
        assert rows[0]["first_seen"].endswith("+00:00")


# --- hand-built cases -----------------------------------------------------------------------------

DB, WEB1, WEB2, PUB, NAT_IP = "10.1.2.5", "10.1.0.10", "10.1.0.11", "198.51.100.10", "10.1.9.9"
SCANNER, ULA = "203.0.113.66", "fd12:3456::5"


def case_snapshot() -> Snap:
    """A database in a group of its own plus a shared group, two web servers, an internet-facing
    host in a VPC numbered from a public range (198.51.100.0/24), and a NAT gateway (no group)."""
    return Snap(
        groups=["sg-aaa-shared", "sg-db", "sg-web", "sg-pub"],
        rules=[
            rule("sgr-shared-ssh", "sg-aaa-shared", "ingress", "tcp", 22, 22, cidr="10.0.0.0/8"),
            rule("sgr-db-pg", "sg-db", "ingress", "tcp", 5432, 5432, cidr="10.1.5.0/24"),
            rule("sgr-web-out", "sg-web", "egress", "-1", cidr="0.0.0.0/0"),
            rule("sgr-pub-https", "sg-pub", "ingress", "tcp", 443, 443, cidr="0.0.0.0/0"),
            rule("sgr-pub-ssh", "sg-pub", "ingress", "tcp", 22, 22, cidr="192.0.2.0/28"),
        ],
        enis=[
            # sorted, the shared group comes first; it has 3 members, sg-db 1
            eni("eni-db", ["sg-aaa-shared", "sg-db"], DB),
            eni("eni-web1", ["sg-aaa-shared", "sg-web"], WEB1),
            eni("eni-web2", ["sg-aaa-shared", "sg-web"], WEB2),
            eni("eni-pub", ["sg-pub"], PUB),
            eni("eni-nat", [], NAT_IP, kind="nat_gateway"),
        ],
    )


def case_records() -> list[dict[str, Any]]:
    return [
        # eni-db: REJECTs from an interface of the snapshot, a private address, IPv6 ULA
        rec("eni-db", WEB1, DB, 40000, 5432, action="REJECT", flags=2, start=T0, end=T0 + 5),
        rec("eni-db", WEB1, DB, 40001, 5432, action="REJECT", flags=2, start=T0, end=T0 + 5),
        rec("eni-db", "10.9.9.9", DB, 40002, 5432, action="REJECT", start=T0 + 600, end=T0 + 660),
        rec(
            "eni-db",
            ULA,
            DB,
            40003,
            53,
            17,
            "REJECT",
            direction="ingress",
            start=T0 + 700,
            end=T0 + 760,
        ),
        # eni-db egress (it has no egress rule): to an interface, to a private address
        rec("eni-db", DB, WEB2, 40004, 8080, action="REJECT", start=T0 + 800, end=T0 + 860),
        rec("eni-db", DB, "172.16.5.5", 40005, 443, action="REJECT", start=T0 + 900, end=T0 + 960),
        # eni-db accepted, no rule: a TCP connection with its handshake, then continuations
        rec("eni-db", WEB1, DB, 41000, 5432, flags=2, start=T0, end=T0 + 60),
        rec("eni-db", DB, WEB1, 5432, 41000, flags=18, start=T0, end=T0 + 60),
        rec("eni-db", WEB1, DB, 41000, 5432, flags=0, start=T0 + 60, end=T0 + 120),
        rec("eni-db", DB, WEB1, 5432, 41000, flags=0, start=T0 + 60, end=T0 + 120),
        # ... and UDP without flags (the lower port is the service), until the end of the window
        rec("eni-db", WEB2, DB, 53000, 53, 17, start=T0 + 2900, end=T0 + 2960),
        rec("eni-db", DB, WEB2, 53, 53000, 17, start=T0 + 2900, end=T0 + 2960),
        rec("eni-db", DB, WEB2, 53, 53000, 17, start=T0 + 2940, end=T0 + 3000),
        # eni-pub: same /16 as the VPC (private), another /16 (public), a public address on a
        # port opened for the office only (not noise), a scanner (closed and open ports: noise),
        # the scanner on 443 (a rule allows it: blocked elsewhere), a blocked reply
        rec("eni-pub", "198.51.7.7", PUB, 40000, 8443, action="REJECT", start=T0, end=T0 + 5),
        rec("eni-pub", "198.52.0.1", PUB, 40000, 8443, action="REJECT", start=T0, end=T0 + 5),
        rec("eni-pub", "203.0.113.77", PUB, 40000, 22, action="REJECT", start=T0, end=T0 + 5),
        rec("eni-pub", SCANNER, PUB, 40000, 23, action="REJECT", start=T0 + 10, end=T0 + 15),
        rec("eni-pub", SCANNER, PUB, 40001, 22, action="REJECT", start=T0 + 20, end=T0 + 25),
        rec("eni-pub", SCANNER, PUB, 40002, 3389, action="REJECT", start=T0 + 30, end=T0 + 35),
        rec("eni-pub", SCANNER, PUB, 40003, 443, action="REJECT", start=T0 + 40, end=T0 + 45),
        rec("eni-pub", "203.0.113.80", PUB, 50000, 443, start=T0, end=T0 + 60),
        rec("eni-pub", PUB, "203.0.113.80", 443, 50000, action="REJECT", start=T0, end=T0 + 60),
        # eni-nat: no security group; a scanner (noise) and an internal address (not noise)
        rec("eni-nat", SCANNER, NAT_IP, 40000, 3389, action="REJECT", start=T0, end=T0 + 5),
        rec("eni-nat", WEB1, NAT_IP, 40000, 9999, action="REJECT", start=T0, end=T0 + 5),
    ]


@pytest.fixture
def case(tmp_path: Path, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    log, snap = ref.write_case(
        tmp_path, case_snapshot().documents(), case_snapshot().entries(), case_records()
    )
    flowsg.load(con, [log])
    flowsg.load_snapshot(con, snap)
    flowsg.attribute(con)
    return con


def by_remote(table: pa.Table) -> dict[tuple[str, str | None], dict[str, Any]]:
    rows: dict[tuple[str, str | None], dict[str, Any]] = {}
    for r in table.to_pylist():
        key = (r["interface_id"], r["remote_address"])
        assert key not in rows, f"one group per interface and remote address here: {key}"
        rows[key] = r
    return rows


def test_fix_from_an_interface_of_the_snapshot(case: duckdb.DuckDBPyConnection) -> None:
    r = by_remote(report_rejects(case))["eni-db", WEB1]
    assert (r["direction"], r["protocol"], r["port"], r["records"]) == ("ingress", "tcp", 5432, 2)
    assert (r["verdict"], r["remote_class"], r["remote_interface"]) == (
        "no_rule",
        "interface",
        "eni-web1",
    )
    # the rule goes on the db's own group (1 member, not the shared one that sorts first) and
    # references the web servers' group (2 members, not the shared group's 3)
    assert r["smallest_fix"] == "allow tcp 5432 ingress on sg-db from sg-web"
    assert r["group_ids"] == ["sg-aaa-shared", "sg-db"]
    assert r["group_names"] == ["name-sg-aaa-shared", "name-sg-db"]
    assert r["first_seen"] == datetime.fromtimestamp(T0, UTC)
    assert r["last_seen"] == datetime.fromtimestamp(T0 + 5, UTC)


def test_fix_from_a_private_address_outside_the_snapshot(case: duckdb.DuckDBPyConnection) -> None:
    rows = by_remote(report_rejects(case))
    r = rows["eni-db", "10.9.9.9"]
    assert (r["remote_class"], r["remote_interface"]) == ("private", None)
    assert r["smallest_fix"] == "allow tcp 5432 ingress on sg-db from 10.9.9.9/32"
    ula = rows["eni-db", ULA]
    assert (ula["protocol"], ula["port"], ula["remote_class"]) == ("udp", 53, "private")
    assert ula["smallest_fix"] == "allow udp 53 ingress on sg-db from fd12:3456::5/128"
    # a VPC numbered from a public range: its /16 counts as private, the next one does not
    vpc = rows["eni-pub", "198.51.7.7"]
    assert vpc["remote_class"] == "private"
    assert vpc["smallest_fix"] == "allow tcp 8443 ingress on sg-pub from 198.51.7.7/32"
    assert ("eni-pub", "198.52.0.1") not in rows  # public, to a closed port: scan noise


def test_fix_for_egress_rejects(case: duckdb.DuckDBPyConnection) -> None:
    rows = by_remote(report_rejects(case))
    to_web = rows["eni-db", WEB2]
    assert (to_web["direction"], to_web["port"], to_web["remote_interface"]) == (
        "egress",
        8080,
        "eni-web2",
    )
    assert to_web["smallest_fix"] == "allow tcp 8080 egress on sg-db to sg-web"
    out = rows["eni-db", "172.16.5.5"]
    assert out["smallest_fix"] == "allow tcp 443 egress on sg-db to 172.16.5.5/32"


def test_public_sources_noise_and_blocked_replies(case: duckdb.DuckDBPyConnection) -> None:
    table = report_rejects(case)
    rows = by_remote(table)
    office_port = rows["eni-pub", "203.0.113.77"]  # public, to a port a rule opens: kept
    assert (office_port["port"], office_port["remote_class"]) == (22, "public")
    assert office_port["smallest_fix"] is None
    blocked = rows["eni-pub", SCANNER]  # the scanner on 443, which a rule allows: kept
    assert (blocked["verdict"], blocked["port"], blocked["records"]) == (
        "blocked_elsewhere",
        443,
        1,
    )
    reply = rows["eni-pub", "203.0.113.80"]  # a reply dropped after the rule allowed the request
    assert (reply["verdict"], reply["direction"], reply["port"]) == (
        "blocked_elsewhere",
        "ingress",
        443,
    )
    nat = rows["eni-nat", WEB1]  # no security group: nothing to fix in one
    assert (nat["verdict"], nat["remote_class"], nat["smallest_fix"]) == (
        "no_security_group",
        "interface",
        None,
    )
    noise = {r["interface_id"]: r for r in scan_noise(case).to_pylist()}
    assert set(noise) == {"eni-pub", "eni-nat"}
    pub = noise["eni-pub"]
    # 198.52.0.1 on 8443, the scanner on 23, 3389 and (a scanner) on 22, which a rule opens
    assert (pub["records"], pub["sources"], pub["ports"]) == (4, 2, 4)
    assert pub["top_ports"] == ["tcp 22", "tcp 23", "tcp 3389", "tcp 8443"]
    assert (noise["eni-nat"]["records"], noise["eni-nat"]["top_ports"]) == (1, ["tcp 3389"])
    assert noise["eni-nat"]["group_ids"] == []
    total = sum(table.column("records").to_pylist()) + sum(r["records"] for r in noise.values())
    assert total == reject_count(case)


def test_filters_by_group_interface_and_time(case: duckdb.DuckDBPyConnection) -> None:
    everything = report_rejects(case)
    db_rows = report_rejects(case, group="sg-db").to_pylist()
    assert db_rows and {r["interface_id"] for r in db_rows} == {"eni-db"}
    shared = report_rejects(case, group="sg-aaa-shared").column("interface_id").to_pylist()
    assert set(shared) == {"eni-db"}  # the web servers, also members, rejected nothing
    pub = report_rejects(case, interface="eni-pub").to_pylist()
    assert {r["interface_id"] for r in pub} == {"eni-pub"}
    assert len(db_rows) + len(pub) + 1 == everything.num_rows  # and eni-nat's internal one
    # [since, until): start >= since and start < until
    assert by_remote(report_rejects(case, interface="eni-db", until=T0 + 600)).keys() == {
        ("eni-db", WEB1)
    }
    later = report_rejects(case, interface="eni-db", since=T0 + 600)
    assert ("eni-db", WEB1) not in by_remote(later) and later.num_rows == 4
    since = datetime.fromtimestamp(T0 + 800, UTC).replace(tzinfo=None)  # naive means UTC
    assert report_rejects(case, interface="eni-db", since=since).num_rows == 2
    assert scan_noise(case, since=T0 + 1).column("records").to_pylist() == [3]
    assert scan_noise(case, interface="eni-db").num_rows == 0


@pytest.mark.parametrize(
    "value",
    [
        "sg-db' OR '1'='1",
        "sg-db'; DROP TABLE flows; --",
        'sg-db" OR 1=1 /* comment */',
        "$group",
    ],
)
def test_filters_are_data_not_sql(case: duckdb.DuckDBPyConnection, value: str) -> None:
    for report in (report_rejects, scan_noise, report_unexplained):
        # the value is looked up as a name, found nowhere, and said back as it was given
        with pytest.raises(flowsg.UsageError, match="no security group") as info:
            report(case, group=value)
        assert value in info.value.message
        with pytest.raises(flowsg.UsageError, match="no network interface"):
            report(case, interface=value)
    assert reject_count(case) == 16  # flows is still there, whole


def test_unexplained_groups_connections_and_hints(case: duckdb.DuckDBPyConnection) -> None:
    rows = by_remote(report_unexplained(case))
    assert set(rows) == {("eni-db", WEB1), ("eni-db", WEB2)}
    tcp = rows["eni-db", WEB1]
    # the handshake tells the replies apart (the continuations without flags too)
    assert (tcp["direction"], tcp["protocol"], tcp["port"]) == ("ingress", "tcp", 5432)
    assert (tcp["records"], tcp["replies"]) == (4, 2)
    assert tcp["last_seen"] == datetime.fromtimestamp(T0 + 120, UTC)
    # it stops 48 minutes before the interface's last record (T0 = 2023-11-14 22:13:20 UTC)
    assert tcp["hint"] == (
        "stopped at 22:15: a rule may have been removed then while connections stayed tracked, "
        "or the snapshot and the logs cover different times"
    )
    udp = rows["eni-db", WEB2]  # no flags: the lower port is the service
    assert (udp["direction"], udp["protocol"], udp["port"]) == ("ingress", "udp", 53)
    assert (udp["records"], udp["replies"]) == (3, 2)
    assert udp["hint"] == GENERAL_HINT  # it runs until the interface's last record
    assert udp["group_names"] == ["name-sg-aaa-shared", "name-sg-db"]
    # with the window cut before the UDP traffic, the TCP connection no longer stopped early
    cut = by_remote(report_unexplained(case, until=T0 + 700))
    assert set(cut) == {("eni-db", WEB1)}
    assert cut["eni-db", WEB1]["hint"] == GENERAL_HINT
    assert report_unexplained(case, group="sg-pub").num_rows == 0


def test_unexplained_hint_gives_the_date_across_days(
    tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    records = [
        rec("eni-db", WEB1, DB, 41000, 5432, flags=2, start=T0, end=T0 + 60),
        rec("eni-db", WEB1, DB, 22, 40000, action="REJECT", start=T0 + 7200, end=T0 + 7260),
    ]
    log, snap = ref.write_case(
        tmp_path, case_snapshot().documents(), case_snapshot().entries(), records
    )
    flowsg.load(con, [log])
    flowsg.load_snapshot(con, snap)
    flowsg.attribute(con)
    (row,) = report_unexplained(con).to_pylist()
    assert row["hint"].startswith("stopped at 2023-11-14 22:14: ")
    assert (row["records"], row["replies"]) == (1, 0)


def test_reports_run_on_a_read_only_database(
    case: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """The CLI opens the database `flowsg analyze` left read-only; the reports still run."""
    path = tmp_path / "case.duckdb"
    case.execute("ATTACH $path AS saved", {"path": str(path)}).fetchall()
    case.execute("COPY FROM DATABASE memory TO saved").fetchall()
    case.execute("DETACH saved").fetchall()
    expected = (report_rejects(case), scan_noise(case), report_unexplained(case))
    ro = flowsg.connect(path, read_only=True)
    try:
        got = (report_rejects(ro), scan_noise(ro), report_unexplained(ro))
    finally:
        ro.close()
    for want, have in zip(expected, got, strict=True):
        assert have.equals(want)


def test_time_filters_must_be_times(case: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(flowsg.UsageError, match="unix seconds or a datetime"):
        report_rejects(case, since="yesterday")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        scan_noise(case, top=-1)
