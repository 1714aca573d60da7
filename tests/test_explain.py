"""`flowsg explain` as a library function (flowsg.report.explain.explain): one connection end to
end, on the sample scenario and on hand-built snapshots (two interfaces in different subnets, ACL
rule order and the `*` rule, the return path on ephemeral ports, one end outside the VPC)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from reference_matcher import rec, rule
from test_nacl import acl, analyzed, entry, iface

import flowsg
from flowsg.errors import DatabaseError, UsageError
from flowsg.report.explain import Explanation, explain

ROOT = Path(__file__).resolve().parents[1]

TOP_KEYS = {
    "source",
    "destination",
    "protocol",
    "protocol_name",
    "port",
    "same_subnet",
    "steps",
    "return_path",
    "observed",
    "result",
    "blocked_at",
    "conclusion",
    "fix",
    "fixes",
    "notes",
}
ENDPOINT_KEYS = {
    "address",
    "interface_id",
    "interface_type",
    "description",
    "instance_id",
    "subnet_id",
    "vpc_id",
    "groups",
    "other_interfaces",
}
STEP_KEYS = {"step", "where", "verdict", "rules", "near_misses", "detail"}
SG_RULE_KEYS = {
    "rule_id",
    "group_id",
    "group_name",
    "direction",
    "protocol",
    "from_port",
    "to_port",
    "traffic",
    "peer",
    "description",
    "resolvable",
}
ACL_RULE_KEYS = {
    "acl_id",
    "rule_number",
    "rule",
    "action",
    "protocol",
    "from_port",
    "to_port",
    "cidr",
    "listed",
    "ports",
    "description",
}
OBSERVED_KEYS = {
    "leg",
    "interface_id",
    "direction",
    "action",
    "verdict",
    "reason",
    "records",
    "packets",
    "bytes",
    "first_seen",
    "last_seen",
}


def verdicts(e: Explanation) -> list[str]:
    return [s.verdict for s in e.steps]


def returns(e: Explanation) -> list[str]:
    return [s.verdict for s in e.return_path]


def check_document(e: Explanation) -> dict[str, Any]:
    """The JSON document has the documented keys, and the text stays within 100 columns."""
    doc = e.to_dict()
    assert set(doc) == TOP_KEYS
    assert set(doc["source"]) == ENDPOINT_KEYS and set(doc["destination"]) == ENDPOINT_KEYS
    assert [s["step"] for s in doc["steps"]] == [
        "source egress",
        "source ACL outbound",
        "destination ACL inbound",
        "destination ingress",
    ]
    assert [s["step"] for s in doc["return_path"]] == [
        "security groups",
        "destination ACL outbound",
        "source ACL inbound",
    ]
    for step in doc["steps"] + doc["return_path"]:
        assert set(step) == STEP_KEYS
        assert step["verdict"] in ("allow", "deny", "partial", "skip")
        for r in step["rules"]:
            assert set(r) in (SG_RULE_KEYS, ACL_RULE_KEYS)
        for r in step["near_misses"]:
            assert set(r) == SG_RULE_KEYS | {"mismatch"}
    for o in doc["observed"]:
        assert set(o) == OBSERVED_KEYS
    assert doc["result"] in ("allowed", "blocked", "partial", "unknown")
    assert json.loads(json.dumps(doc)) == doc
    text = e.render()
    assert text.endswith("\n") and f"Conclusion: {e.conclusion}"[:60] in text
    too_long = [line for line in text.splitlines() if len(line) > 100]
    assert too_long == []
    return doc


# --- the sample scenario -----------------------------------------------------------------------

WEB_1, APP_1, APP_2 = "198.51.100.68", "198.51.100.101", "198.51.100.108"
BASTION, HOSTILE, OFFICE = "198.51.100.5", "192.0.2.66", "192.0.2.5"
APP_TIER, WEB_TIER = "sg-09b9e5cf8b4aa01cc", "sg-071e4a6ac26585745"
EDGE_ACL = "acl-037940bb8e616a0fb"


@pytest.fixture(scope="module")
def sample() -> Iterator[duckdb.DuckDBPyConnection]:
    con = flowsg.connect(":memory:")
    flowsg.analyze(con, [ROOT / "sample_logs"], ROOT / "sample_logs" / "snapshot")
    yield con
    con.close()


def test_web_to_app_8443_is_blocked_at_the_app_ingress(sample: duckdb.DuckDBPyConnection) -> None:
    e = explain(sample, WEB_1, APP_2, 8443)
    doc = check_document(e)
    assert e.source.interface_id == "eni-0f750b2721f9a7f4a"
    assert e.destination.interface_id == "eni-09c5db217897934a6"
    assert verdicts(e) == ["allow", "allow", "allow", "deny"]
    assert returns(e) == ["allow", "allow", "allow"]
    assert (e.result, e.blocked_at) == ("blocked", "destination ingress")
    assert e.conclusion.startswith("blocked at destination ingress by ")
    assert e.fix == f"allow tcp 8443 ingress on {APP_TIER} from {WEB_TIER}"
    assert [r["rule_id"] for r in doc["steps"][0]["rules"]] == ["sgr-0533865da3611804d"]
    misses = {r["rule_id"]: r["mismatch"] for r in doc["steps"][3]["near_misses"]}
    assert misses["sgr-01db9341fa3942f70"] == "port"  # the 8444 typo
    assert misses["sgr-05d30a0e0c88e03eb"] == "peer"  # the app subnet's rule
    observed = {(o.interface_id, o.leg, o.action, o.verdict): o.records for o in e.observed}
    assert observed[("eni-09c5db217897934a6", "request", "REJECT", "no_rule")] == 25
    assert observed[("eni-09c5db217897934a6", "request", "ACCEPT", "unexplained")] == 23
    assert observed[("eni-0f750b2721f9a7f4a", "request", "ACCEPT", "allowed")] == 49
    assert any("ACCEPTed although the snapshot blocks" in n for n in e.notes)
    steps = e.steps_table().to_pylist()
    assert [(r["section"], r["verdict"]) for r in steps] == [
        ("path", "allow"),
        ("path", "allow"),
        ("path", "allow"),
        ("path", "deny"),
        ("return path", "allow"),
        ("return path", "allow"),
        ("return path", "allow"),
    ]
    assert steps[1]["rules"] == ["acl-0a1ba508cb39e8018 rule 100"]
    assert e.observed_table().num_rows == len(e.observed)
    text = e.render()
    assert "Fix: allow tcp 8443 ingress on sg-09b9e5cf8b4aa01cc from sg-071e4a6ac26585745" in text
    assert "sgr-01db9341fa3942f70" in text


def test_hostile_partner_is_blocked_by_acl_rule_90(sample: duckdb.DuckDBPyConnection) -> None:
    e = explain(sample, HOSTILE, BASTION, 22)
    doc = check_document(e)
    assert e.source.interface_id is None and e.destination.interface_id == "eni-06a5f9fee2bb5a547"
    assert verdicts(e) == ["skip", "skip", "deny", "allow"]
    assert (e.result, e.blocked_at) == ("blocked", "destination ACL inbound")
    deciding = doc["steps"][2]["rules"]
    assert [(r["acl_id"], r["rule_number"], r["action"]) for r in deciding] == [
        (EDGE_ACL, 90, "deny")
    ]
    assert e.conclusion == (
        f"blocked at destination ACL inbound by {EDGE_ACL} rule 90 "
        "(deny all traffic from 192.0.2.66/32)"
    )
    assert e.fix == (
        f"add an allow entry before rule 90 of {EDGE_ACL}: inbound tcp 22 from 192.0.2.66/32"
    )
    # the security group would have let it in: the partner range
    assert [r["rule_id"] for r in doc["steps"][3]["rules"]] == ["sgr-0e635f9f488ebc8e9"]
    [seen] = e.observed
    assert (seen.verdict, seen.records, seen.reason) == (
        "blocked_elsewhere",
        30,
        f"network ACL {EDGE_ACL} rule 90 denies ingress",
    )


def test_office_to_bastion_ssh_is_allowed(sample: duckdb.DuckDBPyConnection) -> None:
    e = explain(sample, OFFICE, BASTION, 22, "tcp")
    doc = check_document(e)
    assert verdicts(e) == ["skip", "skip", "allow", "allow"]
    assert returns(e) == ["allow", "allow", "skip"]
    assert (e.result, e.conclusion, e.fix, e.fixes) == ("allowed", "allowed", None, ())
    assert [r["rule_id"] for r in doc["steps"][3]["rules"]] == ["sgr-0c4fb1852f9ce6f73"]
    assert doc["steps"][2]["rules"][0]["rule_number"] == 100
    assert {(o.leg, o.verdict) for o in e.observed} == {("request", "allowed"), ("reply", "return")}
    assert any("not an address of an interface" in n for n in e.notes)


def test_app_to_s3_prefix_list_is_allowed_with_one_end_outside(
    sample: duckdb.DuckDBPyConnection,
) -> None:
    e = explain(sample, APP_1, "203.0.113.44", 443)
    doc = check_document(e)
    assert e.destination.interface_id is None
    assert verdicts(e) == ["allow", "allow", "skip", "skip"]
    assert returns(e) == ["allow", "skip", "allow"]
    assert e.result == "allowed"
    [allowing] = doc["steps"][0]["rules"]
    assert (allowing["rule_id"], allowing["peer"]) == ("sgr-0c58956e4183d7e36", "pl-63a5400a")
    assert doc["return_path"][2]["rules"][0]["ports"] == [1024, 65535]
    assert {(o.leg, o.verdict, o.records) for o in e.observed} == {
        ("request", "allowed", 14),
        ("reply", "return", 14),
    }


def test_icmp_ping_and_the_same_subnet(sample: duckdb.DuckDBPyConnection) -> None:
    ping = explain(sample, OFFICE, BASTION, protocol="icmp")
    check_document(ping)
    assert ping.result == "allowed" and ping.port is None
    assert ping.to_dict()["steps"][3]["rules"][0]["traffic"] == "icmp type 8"
    assert {o.leg for o in ping.observed} == {"request", "reply"}
    inside = explain(sample, WEB_1, "198.51.100.75", 22)
    check_document(inside)
    assert inside.same_subnet
    assert verdicts(inside)[1:3] == ["skip", "skip"] and returns(inside)[1:] == ["skip", "skip"]
    assert inside.blocked_at == "destination ingress"
    assert inside.fix == f"allow tcp 22 ingress on {WEB_TIER} from {WEB_TIER}"


def test_fixes_name_the_groups_that_concern_the_traffic(
    sample: duckdb.DuckDBPyConnection,
) -> None:
    """app-1 has ssh-from-bastion (the lower id) and app-tier: the fix goes on app-tier, whose
    egress rules already reach db-postgres."""
    e = explain(sample, APP_1, "198.51.100.135", 3306)
    check_document(e)
    assert verdicts(e) == ["deny", "allow", "deny", "allow"]
    assert list(e.fixes) == [
        f"allow tcp 3306 egress on {APP_TIER} to sg-052bfb3a50b3eb9b1",
        "add an allow entry before rule 32767 of acl-0366dd57253a7aa7c: inbound tcp 3306 from "
        "198.51.100.101/32",
    ]
    assert [r["rule_id"] for r in e.to_dict()["steps"][3]["rules"]] == ["sgr-056e4f543b2134460"]


def test_ipv6_and_the_default_acl(sample: duckdb.DuckDBPyConnection) -> None:
    e = explain(sample, "2001:db8:ffff::10", "2001:db8:1234:1a00:5c3e:8d21:7f4a:b011", 443)
    doc = check_document(e)
    assert e.result == "allowed"
    assert doc["steps"][2]["rules"][0]["rule_number"] == 101  # the IPv6 entry


def test_usage_errors(sample: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UsageError, match="needs a port"):
        explain(sample, WEB_1, APP_2)
    with pytest.raises(UsageError, match="not an IP address"):
        explain(sample, "web-1", APP_2, 8443)
    with pytest.raises(UsageError, match="same address family"):
        explain(sample, WEB_1, "2001:db8::1", 8443)
    with pytest.raises(UsageError, match="unknown protocol"):
        explain(sample, WEB_1, APP_2, 8443, "gre")
    with pytest.raises(UsageError, match="port out of range"):
        explain(sample, WEB_1, APP_2, 70000)
    e = explain(sample, OFFICE, BASTION, 22, "icmp")
    assert e.port is None and any("port 22 ignored" in n for n in e.notes)


def test_needs_a_snapshot() -> None:
    con = flowsg.connect(":memory:")
    try:
        with pytest.raises(DatabaseError, match="no snapshot"):
            explain(con, WEB_1, APP_2, 8443)
    finally:
        con.close()


# --- hand-built: three subnets, ACL order and the `*` rule, one end outside ---------------------

WEB, WEB2, DB, CACHE = "192.0.2.10", "192.0.2.11", "192.0.2.100", "192.0.2.200"
ADMIN, INTERNET = "198.51.100.9", "203.0.113.9"

CASE: dict[str, Any] = {
    "groups": ["sg-web", "sg-db", "sg-admin", "sg-cache"],
    "rules": [
        rule("sgr-web-db", "sg-web", "egress", "tcp", 5432, 5432, sg="sg-db"),
        rule("sgr-web-cache", "sg-web", "egress", "tcp", 6379, 6379, sg="sg-cache"),
        rule("sgr-web-https", "sg-web", "egress", "tcp", 443, 443, cidr="0.0.0.0/0"),
        rule("sgr-db-pg", "sg-db", "ingress", "tcp", 5432, 5432, sg="sg-web"),
        rule("sgr-admin-ssh", "sg-admin", "ingress", "tcp", 22, 22, cidr="198.51.100.0/24"),
        rule("sgr-cache-redis", "sg-cache", "ingress", "tcp", 6379, 6379, sg="sg-web"),
    ],
    "enis": [
        iface("eni-web", ["sg-web"], WEB, "subnet-web"),
        iface("eni-web2", ["sg-web"], WEB2, "subnet-web"),
        iface("eni-db", ["sg-db", "sg-admin"], DB, "subnet-db"),
        iface("eni-cache", ["sg-cache"], CACHE, "subnet-cache"),
    ],
    "acls": [
        acl(
            "acl-web",
            [
                entry(100, "allow", "0.0.0.0/0", egress=True),
                entry(100, "allow", "0.0.0.0/0", protocol="6", ports=(1024, 65535)),
            ],
            ["subnet-web"],
        ),
        acl(
            "acl-db",
            [
                entry(110, "allow", "192.0.2.0/24", protocol="6", ports=(5432, 5432)),
                entry(100, "deny", "192.0.2.11/32", protocol="6", ports=(5432, 5432)),
                entry(120, "allow", "198.51.100.128/25", protocol="6", ports=(22, 22)),
                entry(
                    100, "allow", "192.0.2.0/24", egress=True, protocol="6", ports=(32768, 65535)
                ),
            ],
            ["subnet-db"],
        ),
        acl(
            "acl-cache",
            [entry(100, "allow", "0.0.0.0/0"), entry(32767, "deny", "0.0.0.0/0", egress=True)],
            ["subnet-cache"],
        ),
    ],
    "records": [
        rec("eni-web", WEB, DB, 40000, 5432, flags=2),
        rec("eni-db", WEB, DB, 40000, 5432, flags=2),
        rec("eni-db", DB, WEB, 5432, 40000, flags=18),
        rec("eni-db", WEB2, DB, 40001, 5432, 6, "REJECT", flags=2),
        rec("eni-db", WEB2, DB, 40002, 5432, flags=2),
    ],
}


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    con = analyzed(tmp_path_factory.mktemp("explain"), **CASE)
    yield con
    con.close()


def test_two_subnets_forward_allowed_return_path_partial(hand: duckdb.DuckDBPyConnection) -> None:
    e = explain(hand, WEB, DB, 5432)
    doc = check_document(e)
    assert (e.source.subnet_id, e.destination.subnet_id) == ("subnet-web", "subnet-db")
    assert not e.same_subnet
    assert verdicts(e) == ["allow", "allow", "allow", "allow"]
    # acl-db rule 110 allows: rule 100 (deny) is for 192.0.2.11 only
    assert doc["steps"][2]["rules"][0]["rule_number"] == 110
    assert [r["rule_id"] for r in doc["steps"][3]["rules"]] == ["sgr-db-pg"]
    # replies leave the db subnet only to ports 32768-65535
    assert returns(e) == ["allow", "partial", "allow"]
    pieces = [(r["ports"], r["rule"], r["action"]) for r in doc["return_path"][1]["rules"]]
    assert pieces == [([1024, 32767], "32767 (*)", "deny"), ([32768, 65535], "100", "allow")]
    assert e.result == "partial"
    assert not any("ACCEPTed" in n for n in e.notes)  # the reply went to an allowed port
    assert e.conclusion.startswith("allowed only from client ports 32768-65535")
    assert e.fix == (
        "add an allow entry before rule 32767 of acl-db: outbound tcp 1024-32767 to 192.0.2.10/32"
    )
    assert {(o.interface_id, o.leg, o.verdict) for o in e.observed} == {
        ("eni-web", "request", "allowed"),
        ("eni-db", "request", "allowed"),
        ("eni-db", "reply", "return"),
    }


def test_acl_rule_order_first_match_denies(hand: duckdb.DuckDBPyConnection) -> None:
    e = explain(hand, WEB2, DB, 5432)
    check_document(e)
    assert verdicts(e) == ["allow", "allow", "deny", "allow"]
    assert e.blocked_at == "destination ACL inbound"
    assert e.conclusion == (
        "blocked at destination ACL inbound by acl-db rule 100 (deny tcp 5432 from 192.0.2.11/32)"
    )
    assert e.fixes[0] == (
        "add an allow entry before rule 100 of acl-db: inbound tcp 5432 from 192.0.2.11/32"
    )
    # the ACCEPT on eni-db contradicts the snapshot, and explain says so
    assert any(n.startswith("1 request record(s) on eni-db were ACCEPTed") for n in e.notes)
    assert {(o.action, o.verdict) for o in e.observed} == {
        ("REJECT", "blocked_elsewhere"),
        ("ACCEPT", "allowed"),
    }


def test_every_blocking_step_gets_a_fix(hand: duckdb.DuckDBPyConnection) -> None:
    e = explain(hand, WEB, DB, 6379)
    doc = check_document(e)
    assert verdicts(e) == ["deny", "allow", "deny", "deny"]
    assert e.blocked_at == "source egress"
    assert e.conclusion == (
        "blocked at source egress by sg-web on eni-web: no egress rule allows tcp 6379 to "
        "192.0.2.100"
    )
    assert doc["steps"][2]["rules"][0]["rule"] == "32767 (*)"
    assert not doc["steps"][2]["rules"][0]["listed"]
    assert list(e.fixes) == [
        # sg-db already has a rule from sg-web: the fixes name it, not sg-admin (the lower id)
        "allow tcp 6379 egress on sg-web to sg-db",
        "add an allow entry before rule 32767 of acl-db: inbound tcp 6379 from 192.0.2.10/32",
        "allow tcp 6379 ingress on sg-db from sg-web",
        "add an allow entry before rule 32767 of acl-db: outbound tcp 1024-32767 to 192.0.2.10/32",
    ]
    assert e.fix == "; ".join(e.fixes)
    misses = {r["rule_id"]: r["mismatch"] for r in doc["steps"][0]["near_misses"]}
    assert misses == {"sgr-web-db": "port", "sgr-web-https": "port", "sgr-web-cache": "peer"}


def test_return_path_denied_by_the_star_rule(hand: duckdb.DuckDBPyConnection) -> None:
    e = explain(hand, WEB, CACHE, 6379)
    check_document(e)
    assert verdicts(e) == ["allow", "allow", "allow", "allow"]
    assert returns(e) == ["allow", "deny", "allow"]
    assert (e.result, e.blocked_at) == ("blocked", "destination ACL outbound (return path)")
    assert e.conclusion == (
        "blocked at destination ACL outbound (return path) by acl-cache rule 32767 (*) "
        "(deny all traffic to 0.0.0.0/0)"
    )
    assert e.fix == (
        "add an allow entry before rule 32767 of acl-cache: outbound tcp 1024-65535 to "
        "192.0.2.10/32"
    )


def test_one_end_outside_the_vpc(hand: duckdb.DuckDBPyConnection) -> None:
    out = explain(hand, WEB, INTERNET, 443)
    check_document(out)
    assert verdicts(out) == ["allow", "allow", "skip", "skip"]
    assert out.result == "allowed" and out.observed == ()
    into = explain(hand, ADMIN, DB, 22)
    check_document(into)
    assert verdicts(into) == ["skip", "skip", "deny", "allow"]  # 120 covers .128/25 only
    assert into.conclusion == (
        "blocked at destination ACL inbound by acl-db rule 32767 (*) (no entry matches)"
    )
    assert into.fixes[0] == (
        "add an allow entry before rule 32767 of acl-db: inbound tcp 22 from 198.51.100.9/32"
    )
    nowhere = explain(hand, ADMIN, INTERNET, 22)
    check_document(nowhere)
    assert nowhere.result == "unknown" and nowhere.fix is None
    assert verdicts(nowhere) == ["skip"] * 4


def test_without_flows_there_is_nothing_observed(tmp_path: Path) -> None:
    con = analyzed(tmp_path, **{**CASE, "records": []})
    try:
        e = explain(con, WEB, DB, 5432)
        assert e.observed == () and not e.flows_analysed
        assert "no analysed flows in the database" in e.render()
    finally:
        con.close()
