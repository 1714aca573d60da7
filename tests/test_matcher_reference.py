"""Property test: flowsg's attribution engine agrees with the brute-force reference matcher.

Hypothesis draws a random snapshot: 1-4 security groups with 0-6 rules each over every peer kind
(IPv4 and IPv6 CIDRs; prefix lists with entries, with an empty Entries file and without one;
references to groups in the snapshot, to the rule's own group and to groups not in it), half of
the groups with AWS's default outbound allow-all; protocols -1, tcp, udp, icmp, icmpv6 and 47
under names and numbers; port ranges with their edges; 1-4 interfaces carrying several groups,
secondary IPv4 and IPv6 addresses and delegated prefixes, or no group at all. A quarter of the
snapshots have no describe-security-group-rules file (rules and their derived ids come from
IpPermissions); a third spread every key over two files with one item repeated.

The flow records are aimed at those rules: addresses of the interfaces, addresses on the edges of
the rules' CIDRs and prefix-list entries, members of referenced groups, others; ports on and next
to the range edges; replies and swaps of earlier records (so that some are paired); tcp-flags
0/1/2/3/16/18/19; with and without flow-direction; unknown interfaces; NODATA and SKIPDATA;
from an interface's address to itself, often from and to the same port (its own reverse); one
record in thirty with a missing address (`-`) on one side.

The case is written as files (the snapshot as AWS CLI JSON, the log as a text file with a header),
the engine runs on them, and every record (by line number) must get the reference's direction,
verdict and matched_rule_ids, and every rule the reference's usage (hits, sole_hits, return_hits,
packets, bytes, first_seen, last_seen). The address pools are small documentation ranges
(192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) so that rules match often.
Examples come from the Hypothesis profile (conftest.py); each costs one engine run, ~0.2 s.
"""

from __future__ import annotations

import ipaddress
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import reference_matcher as ref
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from reference_matcher import T0, Snap, eni, nodata, rule

GROUPS = [
    "sg-0a000000000000001",
    "sg-0a000000000000002",
    "sg-0a000000000000003",
    "sg-0a000000000000004",
]
FOREIGN_GROUP = "sg-0f00000000000dead"  # referenced, never in the snapshot
UNKNOWN_ENI = "eni-0fffffffffffffff0"
PL_V4 = "pl-0a4a4a4a4a4a4a4a4"  # entries: IPv4
PL_V6 = "pl-0a6a6a6a6a6a6a6a6"  # entries: IPv6
PL_EMPTY = "pl-0e0e0e0e0e0e0e0e0"  # an Entries file with no entries
PL_NONE = "pl-0d0d0d0d0d0d0d0d0"  # listed, no Entries file
PL_V4_ENTRIES = ["198.51.100.0/26", "203.0.113.128/25", "192.0.2.32/28"]
PL_V6_ENTRIES = ["2001:db8:ffff::/64", "2001:db8:0:2::/64"]

CIDR4 = [
    "0.0.0.0/0",
    "192.0.2.0/24",
    "192.0.2.0/28",
    "192.0.2.17/32",
    "192.0.2.128/26",
    "198.51.100.0/24",
    "198.51.100.0/25",
    "198.51.100.7/32",
    "203.0.113.0/24",
    "203.0.113.64/27",
]
CIDR6 = [
    "::/0",
    "2001:db8::/32",
    "2001:db8:0:1::/64",
    "2001:db8:ffff::/48",
    "2001:db8:ffff::1/128",
    "2001:db8:1::/48",
    "::ffff:0:0/96",  # IPv4-mapped space: an IPv6 CIDR that must never hold an IPv4 address
]
REMOTE4 = [
    "198.51.100.1",
    "198.51.100.7",
    "198.51.100.64",
    "198.51.100.200",
    "203.0.113.1",
    "203.0.113.128",
    "203.0.113.95",
    "192.0.2.250",
]
REMOTE6 = [
    "2001:db8:ffff::1",
    "2001:db8:ffff::2",
    "2001:db8:ffff:0:1::1",
    "2001:db8:fffe::1",
    "2001:db8:1::5",
]
# How a record is drawn: aimed at a rule (as its request, or as the reply to one), the swap of an
# earlier record, between an interface and any address, between two addresses of no interface
# (no direction unless flow-direction says), at an unknown interface, NODATA/SKIPDATA, from an
# interface's address to itself (often from and to one port: its own reverse, paired only by a
# second such record, which a swap of it is).
SHAPES = ["aimed"] * 8 + ["reply"] * 3 + ["swap"] * 3 + ["any"] * 3
SHAPES += ["stray", "unknown", "nodata", "self"]
PORTS = [0, 1, 22, 53, 80, 443, 1023, 1024, 3306, 8080, 50000, 65535]
PROTOCOL_NAMES = {
    6: ["tcp", "6", "TCP"],
    17: ["udp", "17"],
    1: ["icmp", "1"],
    58: ["icmpv6", "58"],
    47: ["47"],
    -1: ["-1", "all"],
}


# --- snapshots ---------------------------------------------------------------------------------


@st.composite
def port_range(draw: st.DrawFn, protocol: int) -> tuple[int | None, int | None]:
    if protocol in (6, 17):
        kind = draw(st.sampled_from(["single", "range", "all-1", "full", "absent"]))
        if kind == "single":
            p = draw(st.sampled_from(PORTS))
            return p, p
        if kind == "range":
            a, b = sorted(draw(st.lists(st.sampled_from(PORTS), min_size=2, max_size=2)))
            return a, b
        return {"all-1": (-1, -1), "full": (0, 65535), "absent": (None, None)}[kind]
    if protocol in (1, 58):
        return draw(st.sampled_from([(-1, -1), (8, -1), (3, 4), (128, -1), (0, 0)]))
    if protocol == -1:
        return draw(st.sampled_from([(-1, -1), (None, None)]))
    return draw(st.sampled_from([(-1, -1), (0, 100), (None, None)]))


@st.composite
def rule_doc(draw: st.DrawFn, rid: str, gid: str, groups: Sequence[str]) -> dict[str, Any]:
    direction = draw(st.sampled_from(["ingress", "egress"]))
    protocol = draw(st.sampled_from([-1, 6, 6, 6, 17, 1, 58, 47]))
    lo, hi = draw(port_range(protocol))
    name = draw(st.sampled_from(PROTOCOL_NAMES[protocol]))
    kind = draw(st.sampled_from(["cidr4", "cidr4", "cidr6", "sg", "pl"]))
    if kind == "cidr4":
        peer = {"cidr": draw(st.sampled_from(CIDR4))}
    elif kind == "cidr6":
        peer = {"cidr": draw(st.sampled_from(CIDR6))}
    elif kind == "sg":
        peer = {"sg": draw(st.sampled_from([*groups, gid, FOREIGN_GROUP]))}
    else:
        peer = {"pl": draw(st.sampled_from([PL_V4, PL_V6, PL_EMPTY, PL_NONE]))}
    return rule(rid, gid, direction, name, lo, hi, **peer)


@st.composite
def snapshots(draw: st.DrawFn) -> Snap:
    n_groups = draw(st.integers(1, 4))
    groups = GROUPS[:n_groups]
    rules: list[dict[str, Any]] = []
    for gid in groups:
        for _ in range(draw(st.integers(0, 6))):
            rid = f"sgr-0{len(rules):016x}"
            rules.append(draw(rule_doc(rid, gid, groups)))
        if draw(st.booleans()):  # AWS's default outbound rules: req and rev both match often
            for cidr in ("0.0.0.0/0", "::/0"):
                rules.append(rule(f"sgr-0{len(rules):016x}", gid, "egress", "-1", cidr=cidr))
    enis = []
    for k in range(draw(st.integers(1, 4))):
        attached = draw(st.lists(st.sampled_from(groups), unique=True, max_size=n_groups))
        if k == 0 and not attached:
            attached = [groups[0]]  # the first interface always has a group
        enis.append(
            eni(
                f"eni-0{k:016x}",
                attached,
                f"192.0.2.{16 * k + 1}",
                secondary=draw(
                    st.lists(
                        st.sampled_from([f"192.0.2.{16 * k + 2}", f"192.0.2.{16 * k + 3}"]),
                        unique=True,
                        max_size=2,
                    )
                ),
                ipv6=draw(
                    st.lists(
                        st.sampled_from([f"2001:db8:0:{k}::1", f"2001:db8:0:{k}::2"]),
                        unique=True,
                        max_size=2,
                    )
                ),
                v4_prefixes=draw(st.sampled_from([[], [f"192.0.2.{128 + 16 * k}/28"]])),
                v6_prefixes=draw(st.sampled_from([[], [f"2001:db8:1:{k}::/80"]])),
                public_ip=draw(st.sampled_from([None, f"203.0.113.{200 + k}"])),
            )
        )
    return Snap(
        groups=groups,
        rules=rules,
        enis=enis,
        prefix_lists={
            PL_V4: PL_V4_ENTRIES,
            PL_V6: PL_V6_ENTRIES,
            PL_EMPTY: [],
            PL_NONE: None,
        },
        api_rules=draw(st.sampled_from([True, True, True, False])),
        pages=draw(st.sampled_from([1, 1, 2])),
    )


# --- records -----------------------------------------------------------------------------------


def eni_addresses(doc: Mapping[str, Any], version: int) -> list[str]:
    """Addresses of an interface of one family, including the edges of its delegated prefixes."""
    out = [a["PrivateIpAddress"] for a in doc["PrivateIpAddresses"]]
    out += [a["Ipv6Address"] for a in doc["Ipv6Addresses"]]
    for key, sub in (("Ipv4Prefixes", "Ipv4Prefix"), ("Ipv6Prefixes", "Ipv6Prefix")):
        for p in doc[key]:
            net = ipaddress.ip_network(p[sub])
            out += [
                str(net.network_address),
                str(net.network_address + 5),
                str(net.broadcast_address),
            ]
    return [a for a in out if ipaddress.ip_address(a).version == version]


def cidr_edges(cidr: str, version: int) -> list[str]:
    """The first and last address of a CIDR and the ones just outside it, of one family."""
    net = ipaddress.ip_network(cidr)
    if net.version != version or net.prefixlen == 0:
        return []
    out = [net.network_address, net.broadcast_address]
    top = 2**32 if version == 4 else 2**128
    if int(net.network_address) > 0:
        out.append(net.network_address - 1)
    if int(net.broadcast_address) < top - 1:
        out.append(net.broadcast_address + 1)
    return [str(a) for a in out]


@dataclass
class Pools:
    remote: dict[int, list[str]]
    ports: list[int]


def pools(snap: Snap) -> Pools:
    remote = {4: list(REMOTE4), 6: list(REMOTE6)}
    for version in (4, 6):
        for doc in snap.enis:
            remote[version] += eni_addresses(doc, version)
        cidrs = [r.get("CidrIpv4") or r.get("CidrIpv6") for r in snap.rules]
        cidrs += PL_V4_ENTRIES + PL_V6_ENTRIES
        for c in cidrs:
            if c:
                remote[version] += cidr_edges(c, version)
    ports = set(PORTS)
    for r in snap.rules:
        for key in ("FromPort", "ToPort"):
            p = r.get(key)
            if p is not None and p >= 0:
                ports.update(q for q in (p - 1, p, p + 1) if 0 <= q <= 65535)
    return Pools(remote, sorted(ports))


def groups_of(doc: Mapping[str, Any]) -> list[str]:
    return [g["GroupId"] for g in doc["Groups"]]


@st.composite
def peer_address(draw: st.DrawFn, r: Mapping[str, Any], snap: Snap, pool: Pools) -> str:
    """An address the rule's peer holds (or one just outside it), else any address."""
    candidates: list[str] = []
    if r.get("CidrIpv4") or r.get("CidrIpv6"):
        cidr = r.get("CidrIpv4") or r.get("CidrIpv6")
        net = ipaddress.ip_network(cidr)
        if net.prefixlen == 0 or cidr == "::ffff:0:0/96":
            candidates = pool.remote[4 if cidr == "::ffff:0:0/96" else net.version]
        else:
            candidates = cidr_edges(cidr, net.version) + [str(net.network_address + 1)] * 2
    elif r.get("PrefixListId"):
        entries = {PL_V4: PL_V4_ENTRIES, PL_V6: PL_V6_ENTRIES}.get(r["PrefixListId"], [])
        for c in entries:
            candidates += cidr_edges(c, ipaddress.ip_network(c).version)
    elif r.get("ReferencedGroupInfo"):
        gid = r["ReferencedGroupInfo"]["GroupId"]
        for doc in snap.enis:
            if gid in groups_of(doc):
                candidates += eni_addresses(doc, 4) + eni_addresses(doc, 6)
    if not candidates:
        candidates = pool.remote[draw(st.sampled_from([4, 6]))]
    return draw(st.sampled_from(candidates))


@st.composite
def rule_port(draw: st.DrawFn, r: Mapping[str, Any], pool: Pools) -> int | None:
    lo, hi = r.get("FromPort"), r.get("ToPort")
    if lo is None or hi is None or lo < 0 or hi < 0:
        return draw(st.sampled_from(pool.ports))
    near = [p for p in (lo - 1, lo, lo + 1, (lo + hi) // 2, hi - 1, hi, hi + 1) if 0 <= p <= 65535]
    return draw(st.sampled_from(near))


PROTOCOLS = [6, 6, 6, 6, 17, 17, 1, 58, 47, 50]


@st.composite
def records_for(draw: st.DrawFn, snap: Snap) -> list[dict[str, Any]]:
    pool = pools(snap)
    out: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 40))):
        shape = draw(st.sampled_from(SHAPES))
        start = T0 + draw(st.integers(0, 3600))
        end = start + draw(st.integers(0, 600))
        if shape == "nodata":
            doc = draw(st.sampled_from(snap.enis))
            r = nodata(doc["NetworkInterfaceId"], draw(st.sampled_from(["NODATA", "SKIPDATA"])))
            out.append({**r, "start": start, "end": end})
            continue
        common: dict[str, Any] = {
            "action": draw(st.sampled_from(["ACCEPT"] * 10 + ["REJECT"] * 9 + [None])),
            "tcp-flags": draw(st.sampled_from([None, 0, 1, 2, 3, 16, 18, 19])),
            "packets": draw(st.one_of(st.none(), st.integers(0, 1000))),
            "bytes": draw(st.one_of(st.none(), st.integers(0, 100_000))),
            "start": start,
            "end": end,
        }
        if shape == "swap" and out:
            base = draw(st.sampled_from(out))
            if any(base[k] is None for k in ("srcaddr", "srcport", "dstport", "protocol")):
                continue
            swapped = {
                "srcaddr": base["dstaddr"],
                "dstaddr": base["srcaddr"],
                "srcport": base["dstport"],
                "dstport": base["srcport"],
                "flow-direction": draw(st.sampled_from([None, None, "ingress", "egress"])),
            }
            out.append({**base, **common, **swapped})
            continue
        if shape in ("aimed", "reply") and snap.rules:
            r = draw(st.sampled_from(snap.rules))
            members = [d for d in snap.enis if r["GroupId"] in groups_of(d)] or snap.enis
            doc = draw(st.sampled_from(members))
            remote = draw(peer_address(r, snap, pool))
            version = ipaddress.ip_address(remote).version
            outbound = bool(r["IsEgress"])
            protocol = ref.protocol_number(r["IpProtocol"])
            if protocol == -1:
                protocol = draw(st.sampled_from([*PROTOCOLS, None]))
            port = draw(rule_port(r, pool))
            other = draw(st.sampled_from(pool.ports))
            sport, dport = other, port
        else:
            doc = draw(st.sampled_from(snap.enis))
            version = draw(st.sampled_from([4, 4, 6]))
            remote = draw(st.sampled_from(pool.remote[version]))
            outbound = draw(st.booleans())
            protocol = draw(st.sampled_from([*PROTOCOLS, None]))
            sport, dport = draw(st.sampled_from(pool.ports)), draw(st.sampled_from(pool.ports))
        if draw(st.integers(0, 19)) == 0:
            sport = None
        if draw(st.integers(0, 19)) == 0:
            dport = None
        if protocol in (1, 58):
            sport, dport = draw(st.sampled_from([(0, 0), (0, 0), (8, 0), (None, None)]))
        mine = eni_addresses(doc, version)
        direction = None
        if shape == "stray" or not mine:
            local = draw(st.sampled_from(pool.remote[version]))
        else:
            local = draw(st.sampled_from(mine))
        if not mine or draw(st.integers(0, 4)) == 0:
            true = "egress" if outbound else "ingress"
            direction = draw(st.sampled_from([true, true, true, "ingress", "egress"]))
        src, dst = (local, remote) if outbound else (remote, local)
        if shape == "reply":
            src, dst, sport, dport = dst, src, dport, sport
            if direction is not None:
                direction = "egress" if direction == "ingress" else "ingress"
        if shape == "self" and mine:
            src = dst = local
            if draw(st.booleans()):
                sport = dport
        elif src == dst:
            continue
        interface = UNKNOWN_ENI if shape == "unknown" else doc["NetworkInterfaceId"]
        if draw(st.integers(0, 29)) == 0:  # a missing address ('-') on either side
            if draw(st.booleans()):
                src = None
            else:
                dst = None
        fields = {"interface-id": interface, "srcaddr": src, "dstaddr": dst}
        fields |= {"srcport": sport, "dstport": dport, "protocol": protocol}
        out.append({**common, **fields, "flow-direction": direction, "log-status": "OK"})
    return out


@st.composite
def cases(draw: st.DrawFn) -> tuple[Snap, list[dict[str, Any]]]:
    snap = draw(snapshots())
    return snap, draw(records_for(snap))


# --- the property ------------------------------------------------------------------------------


def describe(snap: Snap, records: Sequence[Mapping[str, Any]], result: ref.Result) -> str:
    lines = ["rules:"]
    for r in ref.load_snapshot(snap.documents(), snap.entries()).rules:
        lines.append(f"  {r}")
    lines.append("interfaces:")
    for doc in snap.enis:
        groups = [g["GroupId"] for g in doc["Groups"]]
        addresses = eni_addresses(doc, 4) + eni_addresses(doc, 6)
        lines.append(f"  {doc['NetworkInterfaceId']} {groups} {addresses}")
    lines.append("records (line: record -> reference):")
    for i, (r, res) in enumerate(zip(records, result.records, strict=True)):
        fields = " ".join("-" if r.get(k) is None else str(r.get(k)) for k in ref.LOG_FIELDS[2:])
        lines.append(
            f"  {i + 2}: {fields} -> {res.direction} {res.verdict} {res.matched_rule_ids}"
            f" req={res.req} rev={res.rev} paired={res.paired} {res.orientation}"
        )
    return "\n".join(lines)


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cases())
def test_engine_agrees_with_the_reference(case: tuple[Snap, list[dict[str, Any]]]) -> None:
    snap, records = case
    expected = ref.evaluate(ref.load_snapshot(snap.documents(), snap.entries()), records)
    note(describe(snap, records, expected))
    with tempfile.TemporaryDirectory() as tmp:
        log, snap_dir = ref.write_case(Path(tmp), snap.documents(), snap.entries(), records)
        got = ref.run_engine(log, snap_dir)
    lines = list(range(2, 2 + len(records)))
    assert sorted(got.records) == lines
    for line, want in zip(lines, expected.records, strict=True):
        assert got.records[line] == (want.direction, want.verdict, want.matched_rule_ids), (
            f"line {line}"
        )
    assert sorted(got.usage) == sorted(expected.usage)
    for rule_id, want_usage in expected.usage.items():
        assert got.usage[rule_id] == want_usage, rule_id
