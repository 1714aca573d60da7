"""Property test: flowsg's network ACL decisions agree with a brute-force reference.

The reference below is written from the README's "Network ACLs" paragraph, in pure Python over
``ipaddress``, without flowsg: a subnet's ACL is the one associated with it, else its VPC's default
ACL; an ``ingress`` record is judged by the inbound entries and an ``egress`` one by the outbound
entries, against the remote address (IPv4 entries only for IPv4, IPv6 entries only for IPv6; an
IPv4-mapped IPv6 address is IPv6); an entry matches when its protocol is -1 or the record's, and a
TCP or UDP entry also needs the destination port in its range (none, -1 or 0-65535: every port; a
record without a port matches only those); entries in rule-number order, the first match decides;
with none, the ``*`` rule denies (32767 for IPv4, 32768 for IPv6); no decision when the remote
address belongs to an interface in the same subnet, or when the snapshot has no ACL for the
subnet.

Hypothesis draws ACLs over three subnets of one VPC and one of another (associations, default
ACLs or none, entries of every protocol with port ranges on and next to the records' ports, CIDRs
nested in each other and the ``*`` entries listed or not), interfaces in those subnets (secondary
addresses, IPv6, delegated prefixes) with a security group that allows everything or nothing, and
REJECT records from and to the interfaces, remote hosts on the edges of the CIDRs and the other
interfaces. Every record must get the security-group reference's verdict, and a blocked_elsewhere
or no_rule record the reason the ACL reference gives (README, "reason"); ``flowsg.nacl_decision``
must give the reference's decision for random packets too, and ``flowsg.nacl_decisions`` for
the ports around them: contiguous pieces, each decided as the reference decides at its edges.
"""

from __future__ import annotations

import ipaddress
import itertools
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import reference_matcher as ref
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from reference_matcher import rec
from test_nacl import NOT_SG, OPEN_RULES, acl, analyzed, entry, iface

from flowsg.nacl import nacl_decision, nacl_decisions

VPC = ref.VPC
OTHER_VPC = "vpc-0ffffffffffffffff"
SUBNETS = {"subnet-a": VPC, "subnet-b": VPC, "subnet-c": VPC, "subnet-x": OTHER_VPC}
ACLS = {"acl-1": VPC, "acl-2": VPC, "acl-3": OTHER_VPC}
RULE_NUMBERS = [1, 10, 50, 100, 101, 200, 32766]
PORTS = [0, 22, 53, 80, 443, 1024, 49152, 65535]
CIDR4 = [
    "0.0.0.0/0",
    "198.51.100.0/24",
    "198.51.100.0/25",
    "198.51.100.128/25",
    "198.51.100.7/32",
    "203.0.113.0/24",
    "192.0.2.0/24",
    "192.0.2.0/28",
    "192.0.2.16/28",
]
CIDR6 = ["::/0", "2001:db8:ffff::/48", "2001:db8::/32", "2001:db8:0:1::/64", "::ffff:0:0/96"]
OUTSIDE = [
    "198.51.100.7",
    "198.51.100.0",
    "198.51.100.127",
    "198.51.100.128",
    "198.51.100.255",
    "203.0.113.5",
    "2001:db8:ffff::7",
    "2001:db8:fffe::1",
    "::ffff:198.51.100.7",
]
OPEN, CLOSED = "sg-open", "sg-closed"


# --- the reference -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    acl_id: str
    rule_number: int
    action: str


def subnet_acl(
    acls: Sequence[Mapping[str, Any]], enis: Sequence[Mapping[str, Any]], subnet: str
) -> str | None:
    """The ACL associated with the subnet, else the default ACL of the subnet's VPC. A snapshot
    knows a subnet's VPC from its interfaces only (it has no describe-subnets)."""
    for doc in acls:
        if any(a["SubnetId"] == subnet for a in doc["Associations"]):
            return str(doc["NetworkAclId"])
    vpcs = {d["VpcId"] for d in enis if d["SubnetId"] == subnet}
    for doc in acls:
        if doc["IsDefault"] and doc["VpcId"] in vpcs:
            return str(doc["NetworkAclId"])
    return None


def _entry_matches(e: Mapping[str, Any], protocol: int | None, port: int | None, a: Any) -> bool:
    cidr = e.get("CidrBlock") if a.version == 4 else e.get("Ipv6CidrBlock")
    if cidr is None or a not in ipaddress.ip_network(cidr):
        return False
    number = int(e["Protocol"])
    if number != -1 and number != protocol:
        return False
    if number in (6, 17):
        span = e.get("PortRange")
        every = span is None or span["From"] == -1 or (span["From"] <= 0 and span["To"] >= 65535)
        if not every:
            return port is not None and span["From"] <= port <= span["To"]
    return True


def decide(
    acls: Sequence[Mapping[str, Any]],
    enis: Sequence[Mapping[str, Any]],
    subnet: str,
    egress: bool,
    protocol: int | None,
    port: int | None,
    remote: str,
) -> Decision | None:
    acl_id = subnet_acl(acls, enis, subnet)
    if acl_id is None:
        return None
    [doc] = [d for d in acls if d["NetworkAclId"] == acl_id]
    a = ipaddress.ip_address(remote)
    entries = sorted(
        (e for e in doc["Entries"] if e["Egress"] == egress), key=lambda e: e["RuleNumber"]
    )
    for e in entries:
        if _entry_matches(e, protocol, port, a):
            return Decision(acl_id, int(e["RuleNumber"]), str(e["RuleAction"]))
    return Decision(acl_id, 32767 if a.version == 4 else 32768, "deny")


def expected_reason(
    acls: Sequence[Mapping[str, Any]],
    enis: Sequence[Mapping[str, Any]],
    record: Mapping[str, Any],
    direction: str,
    verdict: str,
) -> str | None:
    """The README's reason of a blocked_elsewhere or no_rule record."""
    if record.get("reject-reason") == "BPA":
        return "VPC Block Public Access"
    [doc] = [d for d in enis if d["NetworkInterfaceId"] == record["interface-id"]]
    subnet = doc["SubnetId"]
    remote = record["srcaddr"] if direction == "ingress" else record["dstaddr"]
    a = ipaddress.ip_address(remote)
    # the remote address is an interface's of the same subnet (as in Direction: private IPv4,
    # IPv6, delegated prefixes), by the matcher reference's reading of the interfaces
    same_subnet = any(d["SubnetId"] == subnet and ref._interface(d).owns(a) for d in enis)
    decision = None
    if not same_subnet:
        decision = decide(
            acls, enis, subnet, direction == "egress", record["protocol"], record["dstport"], remote
        )
    denied = decision is not None and decision.action == "deny"
    if denied:
        assert decision is not None
        star = " (*)" if decision.rule_number in (32767, 32768) else ""
        words = (
            f"network ACL {decision.acl_id} rule {decision.rule_number}{star} denies {direction}"
        )
        if verdict == "blocked_elsewhere":
            return words
        return f"no security-group rule allows it, and {words} too"
    return NOT_SG if verdict == "blocked_elsewhere" else None


# --- the strategies ------------------------------------------------------------------------------


@st.composite
def acl_entry(draw: st.DrawFn, number: int, egress: bool) -> dict[str, Any]:
    protocol = draw(st.sampled_from(["-1", "6", "6", "17", "1", "58", "47"]))
    cidr = draw(st.sampled_from(["0.0.0.0/0", "0.0.0.0/0", "::/0", *CIDR4, *CIDR4, *CIDR6]))
    action = draw(st.sampled_from(["allow", "deny"]))
    ports: tuple[int, int] | None = None
    icmp: tuple[int, int] | None = None
    if protocol in ("6", "17"):
        kind = draw(st.sampled_from(["single", "range", "range", "every", "full", "absent"]))
        if kind == "single":
            p = draw(st.sampled_from(PORTS))
            ports = (p, p)
        elif kind == "range":
            lo, hi = sorted(draw(st.lists(st.sampled_from(PORTS), min_size=2, max_size=2)))
            lo += draw(st.sampled_from([0, 0, 1]))  # next to a record's port
            ports = (lo, max(lo, hi))
        elif kind == "every":
            ports = (-1, -1)
        elif kind == "full":
            ports = (0, 65535)
    elif protocol in ("1", "58") and draw(st.booleans()):
        icmp = (8, -1)
    return entry(number, action, cidr, egress=egress, protocol=protocol, ports=ports, icmp=icmp)


@st.composite
def acl_docs(draw: st.DrawFn) -> list[dict[str, Any]]:
    associated = {
        subnet: draw(st.sampled_from([None, *[a for a, v in ACLS.items() if v == vpc]]))
        for subnet, vpc in SUBNETS.items()
    }
    defaults = {
        vpc: draw(st.sampled_from([None, *[a for a, v in ACLS.items() if v == vpc]]))
        for vpc in (VPC, OTHER_VPC)
    }
    docs = []
    for acl_id, vpc in ACLS.items():
        entries = []
        for egress in (False, True):
            numbers = draw(st.lists(st.sampled_from(RULE_NUMBERS), unique=True, max_size=5))
            entries += [draw(acl_entry(n, egress)) for n in numbers]
            if draw(st.booleans()):  # the `*` entries as AWS lists them
                entries.append(entry(32767, "deny", "0.0.0.0/0", egress=egress))
                entries.append(entry(32768, "deny", "::/0", egress=egress))
        subnets = [s for s, a in associated.items() if a == acl_id]
        docs.append(acl(acl_id, entries, subnets, default=defaults[vpc] == acl_id, vpc=vpc))
    return docs


@st.composite
def interfaces(draw: st.DrawFn) -> list[dict[str, Any]]:
    enis = []
    for k in range(draw(st.integers(1, 4))):
        subnet = draw(st.sampled_from(sorted(SUBNETS)))
        doc = iface(
            f"eni-0{k:016x}",
            [draw(st.sampled_from([OPEN, OPEN, CLOSED]))],
            f"192.0.2.{16 * k + 1}",
            subnet,
            ipv6=draw(st.sampled_from([[], [f"2001:db8:0:{k}::1"]])),
            vpc=SUBNETS[subnet],
        )
        if draw(st.booleans()):
            doc["PrivateIpAddresses"].append(
                {"PrivateIpAddress": f"192.0.2.{16 * k + 2}", "Primary": False}
            )
        if draw(st.booleans()):
            doc["Ipv4Prefixes"].append({"Ipv4Prefix": f"192.0.2.{128 + 16 * k}/28"})
        enis.append(doc)
    return enis


def _addresses_of(doc: Mapping[str, Any]) -> list[str]:
    out = [p["PrivateIpAddress"] for p in doc["PrivateIpAddresses"]]
    out += [p["Ipv6Address"] for p in doc["Ipv6Addresses"]]
    for p in doc["Ipv4Prefixes"]:
        out.append(str(ipaddress.ip_network(p["Ipv4Prefix"])[5]))
    return out


@st.composite
def flow_records(draw: st.DrawFn, enis: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    others = [a for d in enis for a in _addresses_of(d)]
    out = []
    for _ in range(draw(st.integers(5, 40))):
        doc = draw(st.sampled_from(enis))
        remote = draw(st.sampled_from(OUTSIDE + others))
        version = ipaddress.ip_address(remote).version
        mine = [a for a in _addresses_of(doc) if ipaddress.ip_address(a).version == version]
        if not mine:
            continue
        local = draw(st.sampled_from(mine))
        if local == remote:
            continue
        protocol = draw(st.sampled_from([6, 6, 6, 17, 17, 1, 58, 47]))
        sport, dport = draw(st.sampled_from(PORTS)), draw(st.sampled_from(PORTS))
        if protocol in (1, 58):
            sport, dport = 0, 0
        elif draw(st.integers(0, 14)) == 0:
            dport = None
        inbound = draw(st.booleans())
        src, dst = (remote, local) if inbound else (local, remote)
        r = rec(doc["NetworkInterfaceId"], src, dst, sport, dport, protocol, "REJECT")
        r["reject-reason"] = "BPA" if draw(st.integers(0, 9)) == 0 else None
        out.append(r)
    return out


@st.composite
def cases(
    draw: st.DrawFn,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[tuple[Any, ...]]]:
    acls = draw(acl_docs())
    enis = draw(interfaces())
    records = draw(flow_records(enis))
    packets = [
        (
            draw(st.sampled_from(sorted(SUBNETS))),
            draw(st.sampled_from(["ingress", "egress"])),
            draw(st.sampled_from([6, 6, 17, 1, 58, 47])),
            draw(st.sampled_from(PORTS)),
            draw(st.sampled_from(OUTSIDE)),
        )
        for _ in range(draw(st.integers(0, 10)))
    ]
    return acls, enis, records, packets


# --- the property --------------------------------------------------------------------------------


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_acl_reasons_agree_with_the_reference(
    case: tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[Any]],
) -> None:
    acls, enis, records, packets = case
    snap_docs = [
        {"SecurityGroups": [ref.group(OPEN), ref.group(CLOSED)]},
        {"SecurityGroupRules": OPEN_RULES},
        {"NetworkInterfaces": enis},
    ]
    want = ref.evaluate(ref.load_snapshot(snap_docs, {}), records)
    note(f"acls: {acls}\ninterfaces: {enis}\nrecords: {records}")
    with tempfile.TemporaryDirectory() as tmp:
        con = analyzed(
            Path(tmp),
            groups=[OPEN, CLOSED],
            rules=OPEN_RULES,
            enis=enis,
            acls=acls,
            records=records,
        )
        try:
            query = "SELECT direction, verdict, reason FROM flows ORDER BY line_number"
            got = con.execute(query).fetchall() if records else []
            for subnet, direction, protocol, port, address in packets:
                decision = nacl_decision(con, subnet, direction, protocol, port, address)
                expected = decide(
                    acls, enis, subnet, direction == "egress", protocol, port, address
                )
                seen = (
                    None
                    if decision is None
                    else Decision(decision.acl_id, decision.rule_number, decision.rule_action)
                )
                assert seen == expected, (subnet, direction, protocol, port, address)
                if protocol not in (6, 17):
                    continue
                # the pieces of a port range (every port, or those around the port):
                # contiguous, each decided at its edges as the reference decides
                lo, hi = (
                    (0, 65535) if port % 2 == 0 else (max(0, port - 600), min(65535, port + 600))
                )
                pieces = nacl_decisions(con, subnet, direction, protocol, (lo, hi), address)
                if expected is None:
                    assert pieces == []
                    continue
                assert pieces and pieces[0].ports and pieces[-1].ports
                assert (pieces[0].ports[0], pieces[-1].ports[1]) == (lo, hi)
                for before, after in itertools.pairwise(pieces):
                    assert before.ports and after.ports
                    assert before.ports[1] + 1 == after.ports[0]
                for piece in pieces:
                    assert piece.ports
                    for p in piece.ports:
                        want_p = decide(
                            acls, enis, subnet, direction == "egress", protocol, p, address
                        )
                        assert want_p == Decision(
                            piece.acl_id, piece.rule_number, piece.rule_action
                        ), (subnet, direction, protocol, p, address)
        finally:
            con.close()
    assert len(got) == len(records)
    for i, ((direction, verdict, reason), w, r) in enumerate(
        zip(got, want.records, records, strict=True)
    ):
        assert (direction, verdict) == (w.direction, w.verdict), f"record {i}"
        if verdict in ("blocked_elsewhere", "no_rule"):
            assert w.direction is not None
            assert reason == expected_reason(acls, enis, r, w.direction, verdict), f"record {i}"


def test_the_reference_decides_as_the_readme_says() -> None:
    """The reference itself on the README's own cases: first match in rule-number order, the
    `*` rule by family, the default ACL of the subnet's VPC only."""
    acls = [
        acl(
            "acl-1",
            [
                entry(200, "allow", "0.0.0.0/0", protocol="6", ports=(1000, 2000)),
                entry(100, "deny", "198.51.100.0/24", protocol="6", ports=(1500, 1600)),
            ],
            ["subnet-a"],
        ),
        acl("acl-3", [entry(100, "allow", "0.0.0.0/0")], default=True, vpc=OTHER_VPC),
    ]
    enis = [
        iface("eni-a", [OPEN], "192.0.2.1", "subnet-a"),
        iface("eni-b", [OPEN], "192.0.2.17", "subnet-b"),
        iface("eni-x", [OPEN], "192.0.2.33", "subnet-x", vpc=OTHER_VPC),
    ]
    assert decide(acls, enis, "subnet-a", False, 6, 1550, "198.51.100.7") == Decision(
        "acl-1", 100, "deny"
    )
    assert decide(acls, enis, "subnet-a", False, 6, 1700, "198.51.100.7") == Decision(
        "acl-1", 200, "allow"
    )
    assert decide(acls, enis, "subnet-a", False, 6, 1700, "2001:db8::1") == Decision(
        "acl-1", 32768, "deny"
    )
    assert decide(acls, enis, "subnet-a", False, 6, None, "198.51.100.7") == Decision(
        "acl-1", 32767, "deny"
    )
    assert decide(acls, enis, "subnet-b", False, 6, 80, "198.51.100.7") is None  # no VPC default
    assert decide(acls, enis, "subnet-c", False, 6, 80, "198.51.100.7") is None  # VPC unknown
    assert decide(acls, enis, "subnet-x", True, 17, 53, "2001:db8::1") == Decision(
        "acl-3", 32768, "deny"
    )
