"""Network ACLs (issue 4): the decision of every record's subnet ACL in attribution (temp table
key_nacl, the `reason` of blocked_elsewhere and no_rule records) and the library function
flowsg.nacl.nacl_decision, on hand-built snapshots and on the sample scenario.

Hand-built layout: VPC ``VPC`` with subnet-a (associated with acl-a), subnet-b (no association:
the VPC's default ACL acl-def; another VPC's default ACL allows everything and must not be used),
subnet-c (acl-c, which lists the `*` entries as AWS returns them) and subnet-d in a VPC without
any ACL in the snapshot. Interfaces in 192.0.2.0/24 and 2001:db8::/64, remote hosts in
198.51.100.0/24, 203.0.113.0/24 and 2001:db8:ffff::/48.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
from reference_matcher import LOG_FIELDS, RECORD_DEFAULTS, VPC, eni, rec, rule
from reference_matcher import group as sg_group

import flowsg
from flowsg.errors import UsageError
from flowsg.nacl import nacl_decision, nacl_decisions, parse_address

ROOT = Path(__file__).resolve().parents[1]
OTHER_VPC = "vpc-0ffffffffffffffff"
BARE_VPC = "vpc-0eeeeeeeeeeeeeeee"

# --- builders (also used by test_explain.py) ----------------------------------------------------


def entry(
    number: int,
    action: str,
    cidr: str,
    *,
    egress: bool = False,
    protocol: str = "-1",
    ports: tuple[int, int] | None = None,
    icmp: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """A describe-network-acls entry."""
    doc: dict[str, Any] = {
        "RuleNumber": number,
        "Protocol": protocol,
        "RuleAction": action,
        "Egress": egress,
        "Ipv6CidrBlock" if ":" in cidr else "CidrBlock": cidr,
    }
    if ports is not None:
        doc["PortRange"] = {"From": ports[0], "To": ports[1]}
    if icmp is not None:
        doc["IcmpTypeCode"] = {"Type": icmp[0], "Code": icmp[1]}
    return doc


def acl(
    acl_id: str,
    entries: Sequence[dict[str, Any]],
    subnets: Sequence[str] = (),
    *,
    default: bool = False,
    vpc: str = VPC,
) -> dict[str, Any]:
    """A describe-network-acls item."""
    return {
        "NetworkAclId": acl_id,
        "VpcId": vpc,
        "IsDefault": default,
        "Associations": [
            {"NetworkAclAssociationId": f"aclassoc-{i}", "NetworkAclId": acl_id, "SubnetId": s}
            for i, s in enumerate(subnets)
        ],
        "Entries": list(entries),
        "Tags": [],
    }


def iface(
    iid: str,
    groups: Sequence[str],
    primary: str,
    subnet: str,
    *,
    ipv6: Sequence[str] = (),
    vpc: str = VPC,
    kind: str = "interface",
) -> dict[str, Any]:
    """A describe-network-interfaces entry in `subnet`."""
    doc = eni(iid, groups, primary, ipv6=ipv6, kind=kind)
    doc["SubnetId"] = subnet
    doc["VpcId"] = vpc
    return doc


FIELDS = [*LOG_FIELDS, "reject-reason"]


def write_case(
    root: Path,
    *,
    groups: Sequence[str],
    rules: Sequence[dict[str, Any]],
    enis: Sequence[dict[str, Any]],
    acls: Sequence[dict[str, Any]],
    records: Sequence[Mapping[str, Any]] = (),
) -> tuple[Path, Path]:
    """The snapshot (one file per describe-* command) and a flow log with a header (record i on
    line i + 2, reject-reason included)."""
    snap = root / "snapshot"
    snap.mkdir(parents=True, exist_ok=True)
    docs = {
        "groups": {"SecurityGroups": [sg_group(g) for g in groups]},
        "rules": {"SecurityGroupRules": list(rules)},
        "enis": {"NetworkInterfaces": list(enis)},
        "acls": {"NetworkAcls": list(acls)},
    }
    for name, doc in docs.items():
        (snap / f"{name}.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    lines = [" ".join(FIELDS)]
    for r in records:
        values = [r.get(name, RECORD_DEFAULTS.get(name)) for name in FIELDS]
        lines.append(" ".join("-" if v is None else str(v) for v in values))
    log = root / "flows.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return log, snap


def analyzed(root: Path, **case: Any) -> duckdb.DuckDBPyConnection:
    """A connection with the case loaded and attributed (the caller closes it)."""
    log, snap = write_case(root, **case)
    con = flowsg.connect(":memory:")
    if case.get("records"):
        flowsg.load(con, [log])
    flowsg.load_snapshot(con, snap)
    if case.get("records"):
        flowsg.attribute(con)
    return con


def reasons(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None]]:
    """(verdict, reason) per record, in line order."""
    return [
        (str(v), r)
        for v, r in con.execute("SELECT verdict, reason FROM flows ORDER BY line_number").fetchall()
    ]


# --- the hand-built snapshot -------------------------------------------------------------------

A, A2, B, C, D, CLOSED = (
    "192.0.2.10",
    "192.0.2.11",
    "192.0.2.20",
    "192.0.2.30",
    "192.0.2.40",
    "192.0.2.50",
)
A6 = "2001:db8::10"
CLIENT, HOSTILE, CLIENT6 = "198.51.100.7", "203.0.113.5", "2001:db8:ffff::7"

ACL_A = acl(
    "acl-a",
    [
        # deliberately not in rule-number order: the engine must sort
        entry(200, "allow", "0.0.0.0/0", protocol="6", ports=(1000, 2000)),
        entry(100, "deny", "198.51.100.0/24", protocol="6", ports=(1500, 1600)),
        entry(110, "allow", "198.51.100.0/24", protocol="17", ports=(53, 53)),
        entry(120, "deny", "203.0.113.0/24"),
        entry(130, "allow", "0.0.0.0/0", protocol="1", icmp=(8, -1)),
        entry(140, "allow", "::/0", protocol="6", ports=(443, 443)),
        entry(100, "allow", "0.0.0.0/0", egress=True),
    ],
    ["subnet-a"],
)
ACL_DEFAULT = acl(
    "acl-def", [entry(100, "allow", "0.0.0.0/0", protocol="6", ports=(22, 22))], default=True
)
ACL_OTHER_VPC = acl(
    "acl-0other",
    [entry(100, "allow", "0.0.0.0/0"), entry(100, "allow", "0.0.0.0/0", egress=True)],
    default=True,
    vpc=OTHER_VPC,
)
ACL_C = acl(
    "acl-c",
    [
        entry(100, "allow", "0.0.0.0/0", protocol="6", ports=(80, 80)),
        entry(32767, "deny", "0.0.0.0/0"),
        entry(32768, "deny", "::/0"),
        entry(32767, "deny", "0.0.0.0/0", egress=True),
    ],
    ["subnet-c"],
)
OPEN_RULES = [
    rule("sgr-in4", "sg-open", "ingress", "-1", cidr="0.0.0.0/0"),
    rule("sgr-in6", "sg-open", "ingress", "-1", cidr="::/0"),
    rule("sgr-out4", "sg-open", "egress", "-1", cidr="0.0.0.0/0"),
    rule("sgr-out6", "sg-open", "egress", "-1", cidr="::/0"),
]
ENIS = [
    iface("eni-a", ["sg-open"], A, "subnet-a", ipv6=[A6]),
    iface("eni-a2", ["sg-open"], A2, "subnet-a"),
    iface("eni-b", ["sg-open"], B, "subnet-b"),
    iface("eni-c", ["sg-open"], C, "subnet-c"),
    iface("eni-d", ["sg-open"], D, "subnet-d", vpc=BARE_VPC),
    iface("eni-closed", ["sg-closed"], CLOSED, "subnet-a"),
]
CASE: dict[str, Any] = {
    "groups": ["sg-open", "sg-closed"],
    "rules": OPEN_RULES,
    "enis": ENIS,
    "acls": [ACL_A, ACL_DEFAULT, ACL_OTHER_VPC, ACL_C],
}


def reject(
    iface_id: str, src: str, dst: str, sport: int, dport: int, proto: int = 6, bpa: bool = False
) -> dict[str, Any]:
    record = rec(iface_id, src, dst, sport, dport, proto, "REJECT")
    record["reject-reason"] = "BPA" if bpa else None
    return record


NOT_SG = (
    "not a security group: network ACL outside the snapshot, or packets after the connection closed"
)

# (record, expected verdict, expected reason)
EXPECTED: list[tuple[dict[str, Any], str, str | None]] = [
    # first match in rule-number order: 100 denies 1500-1600 although 200 (listed first) allows
    (reject("eni-a", CLIENT, A, 40000, 1550), "blocked_elsewhere",
     "network ACL acl-a rule 100 denies ingress"),
    # outside 100's range: 200 allows, so the ACL is not the cause
    (reject("eni-a", CLIENT, A, 40001, 1700), "blocked_elsewhere", NOT_SG),
    # protocol -1: 120 denies every protocol and port from 203.0.113.0/24, before 200
    (reject("eni-a", HOSTILE, A, 40002, 1700), "blocked_elsewhere",
     "network ACL acl-a rule 120 denies ingress"),
    (reject("eni-a", HOSTILE, A, 40003, 53, 17), "blocked_elsewhere",
     "network ACL acl-a rule 120 denies ingress"),
    # no entry matches: the `*` rule, not listed in the snapshot
    (reject("eni-a", CLIENT, A, 40004, 3000), "blocked_elsewhere",
     "network ACL acl-a rule 32767 (*) denies ingress"),
    # UDP port ranges
    (reject("eni-a", CLIENT, A, 40005, 53, 17), "blocked_elsewhere", NOT_SG),
    (reject("eni-a", CLIENT, A, 40006, 54, 17), "blocked_elsewhere",
     "network ACL acl-a rule 32767 (*) denies ingress"),
    # an ICMP entry with a type matches any ICMP record (flow logs carry no type)
    (reject("eni-a", CLIENT, A, 0, 0, 1), "blocked_elsewhere", NOT_SG),
    # IPv6: only IPv6 entries; 140 allows 443, nothing else (`*` is 32768 for IPv6)
    (reject("eni-a", CLIENT6, A6, 40007, 443), "blocked_elsewhere", NOT_SG),
    (reject("eni-a", CLIENT6, A6, 40008, 22), "blocked_elsewhere",
     "network ACL acl-a rule 32768 (*) denies ingress"),
    # IPv4 443 from a client: 140 is an IPv6 entry and never matches IPv4
    (reject("eni-a", CLIENT, A, 40009, 443), "blocked_elsewhere",
     "network ACL acl-a rule 32767 (*) denies ingress"),
    # egress: the outbound entries, matched against the destination
    (reject("eni-a", A, CLIENT, 40010, 443), "blocked_elsewhere", NOT_SG),
    (reject("eni-a", A6, CLIENT6, 40011, 443), "blocked_elsewhere",
     "network ACL acl-a rule 32768 (*) denies egress"),
    # subnet-b has no association: the default ACL of its VPC (not the other VPC's)
    (reject("eni-b", CLIENT, B, 40012, 22), "blocked_elsewhere", NOT_SG),
    (reject("eni-b", CLIENT, B, 40013, 80), "blocked_elsewhere",
     "network ACL acl-def rule 32767 (*) denies ingress"),
    # the same subnet: ACLs do not apply; another subnet: they do
    (reject("eni-a", A2, A, 40014, 3000), "blocked_elsewhere", NOT_SG),
    (reject("eni-a", B, A, 40015, 3000), "blocked_elsewhere",
     "network ACL acl-a rule 32767 (*) denies ingress"),
    # the `*` entry as the snapshot lists it reads the same
    (reject("eni-c", CLIENT, C, 40016, 81), "blocked_elsewhere",
     "network ACL acl-c rule 32767 (*) denies ingress"),
    (reject("eni-c", CLIENT, C, 40017, 80), "blocked_elsewhere", NOT_SG),
    # no ACL for the subnet in the snapshot
    (reject("eni-d", CLIENT, D, 40018, 3000), "blocked_elsewhere", NOT_SG),
    # VPC Block Public Access says so itself, and the record's word beats the snapshot's ACL
    (reject("eni-b", CLIENT, B, 40019, 22, bpa=True), "blocked_elsewhere",
     "VPC Block Public Access"),
    (reject("eni-b", CLIENT, B, 40023, 80, bpa=True), "blocked_elsewhere",
     "VPC Block Public Access"),
    # no_rule whose ACL denies too, and one whose ACL allows
    (reject("eni-closed", CLIENT, CLOSED, 40020, 1550), "no_rule",
     "no security-group rule allows it, and network ACL acl-a rule 100 denies ingress too"),
    (reject("eni-closed", CLIENT, CLOSED, 40021, 1700), "no_rule", None),
    # an ACCEPT keeps no ACL reason, whatever the ACL says
    (rec("eni-a", CLIENT, A, 40022, 3000, 6, "ACCEPT"), "allowed", None),
]  # fmt: skip


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    records = [r for r, _, _ in EXPECTED]
    con = analyzed(tmp_path_factory.mktemp("nacl"), **CASE, records=records)
    yield con
    con.close()


def test_reasons_follow_the_acl_decisions(hand: duckdb.DuckDBPyConnection) -> None:
    got = reasons(hand)
    assert len(got) == len(EXPECTED)
    for i, (got_one, (_, verdict, reason)) in enumerate(zip(got, EXPECTED, strict=True)):
        assert got_one == (verdict, reason), f"record {i} (line {i + 2})"


def records_of(key: str) -> str:
    """SQL joining the records (keyed_flows AS f) to the key table aliased `key`."""
    return f"""
        JOIN keyed_flows AS f
            ON f.interface_id = {key}.interface_id AND f.protocol = {key}.protocol
            AND f.srcaddr_lo = {key}.srcaddr_lo AND f.dstaddr_lo = {key}.dstaddr_lo
            AND f.srcport_class = {key}.srcport_class AND f.dstport_class = {key}.dstport_class
            AND f.action = {key}.action
        """


def test_key_nacl_holds_the_first_matching_entry(hand: duckdb.DuckDBPyConnection) -> None:
    rows = hand.execute(
        """
        SELECT f.dstport, n.acl_id, n.rule_number, n.rule_action
        FROM key_nacl AS n JOIN flow_keys AS k USING (key_id) """
        + records_of("k")
        + """
        WHERE f.interface_id = 'eni-a' AND f.srcport IN (40000, 40001, 40004)
        ORDER BY f.srcport
        """
    ).fetchall()
    assert rows == [
        (1550, "acl-a", 100, "deny"),
        (1700, "acl-a", 200, "allow"),
        (3000, "acl-a", 32767, "deny"),
    ]
    # no row for the subnet without an ACL, nor for traffic inside one subnet
    none = hand.execute(
        """
        SELECT count(*) FROM key_nacl AS n JOIN flow_keys AS k USING (key_id) """
        + records_of("k")
        + """
        WHERE f.interface_id = 'eni-d' OR (f.interface_id = 'eni-a' AND f.srcport = 40014)
        """
    ).fetchall()
    assert none == [(0,)]


def test_nacl_decision_agrees_with_the_engine(hand: duckdb.DuckDBPyConnection) -> None:
    """For every key with an ACL decision, the library function gives the same entry."""
    rows = hand.execute(
        """
        SELECT i.subnet_id, d.direction, d.protocol, f.dstport,
               CASE d.direction WHEN 'ingress' THEN f.srcaddr ELSE f.dstaddr END AS remote,
               n.acl_id, n.rule_number, n.rule_action
        FROM key_nacl AS n
        JOIN key_directions AS d USING (key_id)
        JOIN interfaces AS i ON i.interface_id = d.interface_id
        """
        + records_of("d")
    ).fetchall()
    assert len(rows) >= 15
    for subnet, direction, protocol, port, remote, acl_id, number, action in rows:
        got = nacl_decision(hand, subnet, direction, protocol, port, remote)
        assert got is not None
        assert (got.acl_id, got.rule_number, got.rule_action) == (acl_id, number, action)


def test_nacl_decision_describes_the_entry(hand: duckdb.DuckDBPyConnection) -> None:
    d = nacl_decision(hand, "subnet-a", "ingress", "tcp", 1550, CLIENT)
    assert d is not None
    assert (d.acl_id, d.rule_number, d.rule_action, d.rule) == ("acl-a", 100, "deny", "100")
    assert d.description == "rule 100: deny tcp 1500-1600 from 198.51.100.0/24"
    assert d.associated and d.listed and not d.allows
    star = nacl_decision(hand, "subnet-a", "ingress", 6, 3000, CLIENT)
    assert star is not None
    assert (star.rule_number, star.rule, star.listed, star.cidr) == (
        32767,
        "32767 (*)",
        False,
        None,
    )
    assert star.description == "rule 32767 (*): deny (no entry matches)"
    star6 = nacl_decision(hand, "subnet-a", "ingress", 6, 22, CLIENT6)
    assert star6 is not None and star6.rule == "32768 (*)"
    listed = nacl_decision(hand, "subnet-c", "ingress", 6, 81, CLIENT)
    assert listed is not None and listed.listed and listed.rule == "32767 (*)"
    icmp = nacl_decision(hand, "subnet-a", "ingress", "icmp", None, CLIENT)
    assert icmp is not None and icmp.rule_number == 130
    assert icmp.description == "rule 130: allow icmp type 8 from 0.0.0.0/0"
    default = nacl_decision(hand, "subnet-b", "ingress", "tcp", 22, CLIENT)
    assert default is not None
    assert (default.acl_id, default.associated, default.is_default) == ("acl-def", False, True)
    assert nacl_decision(hand, "subnet-d", "ingress", "tcp", 22, CLIENT) is None
    assert nacl_decision(hand, "subnet-unknown", "egress", "tcp", 22, CLIENT) is None


def test_a_packet_without_a_port_matches_only_every_port_entries(
    hand: duckdb.DuckDBPyConnection,
) -> None:
    d = nacl_decision(hand, "subnet-a", "ingress", "tcp", None, CLIENT)
    assert d is not None and d.rule_number == 32767  # 100 and 200 need a port
    d = nacl_decision(hand, "subnet-a", "ingress", "tcp", None, HOSTILE)
    assert d is not None and d.rule_number == 120  # protocol -1: every port


def test_port_ranges_are_split_where_the_decision_changes(
    hand: duckdb.DuckDBPyConnection,
) -> None:
    pieces = nacl_decisions(hand, "subnet-a", "ingress", "tcp", (1, 65535), CLIENT)
    assert [(d.ports, d.rule_number, d.rule_action) for d in pieces] == [
        ((1, 999), 32767, "deny"),
        ((1000, 1499), 200, "allow"),
        ((1500, 1600), 100, "deny"),
        ((1601, 2000), 200, "allow"),
        ((2001, 65535), 32767, "deny"),
    ]
    whole = nacl_decisions(hand, "subnet-a", "egress", "udp", (1024, 65535), CLIENT)
    assert [(d.ports, d.rule_number) for d in whole] == [((1024, 65535), 100)]
    assert nacl_decisions(hand, "subnet-d", "egress", "udp", (1024, 65535), CLIENT) == []


def test_bad_arguments_are_usage_errors(hand: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UsageError):
        nacl_decision(hand, "subnet-a", "inbound", "tcp", 22, CLIENT)
    with pytest.raises(UsageError):
        nacl_decision(hand, "subnet-a", "ingress", "tcp", 22, "not-an-address")
    with pytest.raises(UsageError):
        nacl_decision(hand, "subnet-a", "ingress", "gre", 22, CLIENT)
    with pytest.raises(UsageError):
        nacl_decisions(hand, "subnet-a", "ingress", "icmp", (1, 2), CLIENT)


def test_addresses_take_flowsg_numeric_form() -> None:
    v4 = parse_address("198.51.100.7")
    assert (v4.family, v4.hi) == (4, -(2**63))
    assert v4.lo == (0xFFFF << 32 | 0xC6336407) - 2**63
    assert parse_address("::ffff:198.51.100.7").family == 6
    assert parse_address("2001:db8::1").host_cidr == "2001:db8::1/128"


# --- the sample scenario -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> Iterator[duckdb.DuckDBPyConnection]:
    con = flowsg.connect(":memory:")
    flowsg.analyze(con, [ROOT / "sample_logs"], ROOT / "sample_logs" / "snapshot")
    yield con
    con.close()


def test_an_acl_listed_without_entries_denies_everything(tmp_path: Path) -> None:
    """AWS lists the `*` entries of every ACL; one listed without any entry is read as them
    alone, as a VPC's default ACL as well as an associated one (the default ACL used to be
    ignored, as if the snapshot had no ACL for the subnet)."""
    con = analyzed(
        tmp_path,
        groups=["sg-open"],
        rules=OPEN_RULES,
        enis=[iface("eni-b", ["sg-open"], B, "subnet-b", ipv6=["2001:db8::20"])],
        acls=[acl("acl-empty", [], default=True)],
        records=[reject("eni-b", CLIENT, B, 40000, 80), reject("eni-b", B, CLIENT6, 40001, 443)],
    )
    try:
        assert reasons(con) == [
            ("blocked_elsewhere", "network ACL acl-empty rule 32767 (*) denies ingress"),
            ("blocked_elsewhere", "network ACL acl-empty rule 32768 (*) denies egress"),
        ]
        assert con.execute(
            "SELECT rule_number, egress, protocol, rule_action, cidr FROM nacls ORDER BY ALL"
        ).fetchall() == [
            (32767, False, -1, "deny", "0.0.0.0/0"),
            (32767, True, -1, "deny", "0.0.0.0/0"),
            (32768, False, -1, "deny", "::/0"),
            (32768, True, -1, "deny", "::/0"),
        ]
    finally:
        con.close()


def test_sample_blocked_elsewhere_names_acl_rule_90(sample: duckdb.DuckDBPyConnection) -> None:
    rows = sample.execute(
        "SELECT reason, srcaddr, count(*) FROM flows WHERE verdict = 'blocked_elsewhere' "
        "GROUP BY ALL"
    ).fetchall()
    assert rows == [("network ACL acl-037940bb8e616a0fb rule 90 denies ingress", "192.0.2.66", 38)]


def test_sample_reasons_elsewhere_are_unchanged(sample: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        sample.execute(
            "SELECT reason, count(*) FROM flows WHERE verdict <> 'blocked_elsewhere' "
            "AND reason IS NOT NULL GROUP BY reason"
        ).fetchall()
    )
    assert rows == {"log-status NODATA": 214, "log-status SKIPDATA": 3}


def test_sample_acls(sample: duckdb.DuckDBPyConnection) -> None:
    public_a, db = "subnet-02a19962870c55348", "subnet-0fc9b8968cecaf1f5"
    hostile = nacl_decision(sample, public_a, "ingress", "tcp", 22, "192.0.2.66")
    assert hostile is not None
    assert (hostile.acl_id, hostile.rule_number, hostile.rule_action) == (
        "acl-037940bb8e616a0fb",
        90,
        "deny",
    )
    partner = nacl_decision(sample, public_a, "ingress", "tcp", 22, "192.0.2.70")
    assert partner is not None and (partner.rule_number, partner.rule_action) == (100, "allow")
    v6 = nacl_decision(sample, public_a, "ingress", "tcp", 443, "2001:db8:ffff::1")
    assert v6 is not None and v6.rule_number == 101
    ssh = nacl_decision(sample, db, "ingress", "tcp", 22, "198.51.100.5")
    assert ssh is not None and (ssh.rule_number, ssh.rule_action) == (110, "allow")
    outside = nacl_decision(sample, db, "ingress", "tcp", 5432, "192.0.2.5")
    assert outside is not None and (outside.rule, outside.listed) == ("32767 (*)", True)
    replies = nacl_decisions(sample, db, "egress", "tcp", (1, 65535), "198.51.100.101")
    assert [(d.ports, d.rule_number, d.rule_action) for d in replies] == [
        ((1, 1023), 32767, "deny"),
        ((1024, 65535), 100, "allow"),
    ]
    app = "subnet-03e647bb62583cd1e"  # associated with the default ACL explicitly
    default = nacl_decision(sample, app, "egress", "udp", 53, "198.51.100.2")
    assert default is not None
    assert (default.acl_id, default.is_default, default.associated) == (
        "acl-0a1ba508cb39e8018",
        True,
        True,
    )
