"""One focused test per point of the "Matching" contract of issue 3 (flowsg analyze).

Each test writes a small security-group snapshot (AWS CLI JSON files) and a flow-log text file with
a header, and states by hand, per record, the expected direction, verdict and matched_rule_ids
(and, where it matters, the rule usage). Every test runs twice: against flowsg's engine (real
DuckDB over the real files: ``connect``/``load``/``load_snapshot``/``attribute``) and against the
brute-force reference in ``reference_matcher.py``; so these tests also check the reference that
the property tests in ``test_matcher_reference.py`` compare the engine with.

Addresses: the interfaces live in 192.0.2.0/24 and 2001:db8::/48; remote hosts in 198.51.100.0/24,
203.0.113.0/24 and 2001:db8:ffff::/48 (documentation ranges). The two AWS documentation examples
(``tests/data/aws_docs/sg-nacl-icmp.log`` and ``tcp-flag-sequence.log``) are read as they are.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import reference_matcher as ref
from reference_matcher import T0, Snap, eni, nodata, rec, rule

import flowsg

DATA = Path(__file__).resolve().parent / "data" / "aws_docs"

Expected = tuple[str | None, str, list[str]]  # direction, verdict, matched_rule_ids


# --- running both implementations -----------------------------------------------------------------


@dataclass
class Outcome:
    records: list[Expected]
    usage: dict[str, ref.Usage]


Run = Callable[..., Outcome]


def run_reference(snap: Snap, records: Sequence[Mapping[str, Any]]) -> Outcome:
    result = ref.evaluate(ref.load_snapshot(snap.documents(), snap.entries()), records)
    return Outcome(
        [(r.direction, r.verdict, r.matched_rule_ids) for r in result.records], result.usage
    )


def run_engine_files(log: Path, snap_dir: Path, count: int, first_line: int = 2) -> Outcome:
    result = ref.run_engine(log, snap_dir)
    lines = list(range(first_line, first_line + count))
    assert sorted(result.records) == lines, "flows must hold exactly the records written"
    return Outcome([result.records[line] for line in lines], result.usage)


@pytest.fixture(params=["reference", "engine"])
def run(request: pytest.FixtureRequest, tmp_path: Path) -> Run:
    """run(snap, records) -> Outcome, by the reference or by flowsg's engine over real files."""
    if request.param == "reference":
        return run_reference

    def engine(snap: Snap, records: Sequence[Mapping[str, Any]]) -> Outcome:
        log, snap_dir = ref.write_case(tmp_path, snap.documents(), snap.entries(), records)
        return run_engine_files(log, snap_dir, len(records))

    return engine


def check(outcome: Outcome, expected: Sequence[Expected]) -> None:
    assert len(outcome.records) == len(expected)
    for i, (got, want) in enumerate(zip(outcome.records, expected, strict=True)):
        assert got == want, f"record {i} (line {i + 2}): got {got}, want {want}"


def usage(outcome: Outcome, rule_id: str) -> tuple[Any, ...]:
    u = outcome.usage[rule_id]
    return (u.hits, u.sole_hits, u.return_hits, u.packets, u.bytes, u.first_seen, u.last_seen)


# Common addresses.
WEB = "192.0.2.10"
CLIENT = "198.51.100.7"
OTHER = "203.0.113.9"


# --- union over groups ----------------------------------------------------------------------------


def test_rules_of_all_attached_groups_form_a_union(run: Run) -> None:
    snap = Snap(
        groups=["sg-a", "sg-b", "sg-c", "sg-d"],
        rules=[
            rule("sgr-a22", "sg-a", "ingress", "tcp", 22, 22, cidr="198.51.100.0/24"),
            rule("sgr-b443", "sg-b", "ingress", "tcp", 443, 443, cidr="198.51.100.0/24"),
            rule("sgr-c22", "sg-c", "ingress", "6", 22, 22, cidr="198.51.100.7/32"),
            # sg-d is in the snapshot but not attached to eni-web: its rules never apply there
            rule("sgr-d80", "sg-d", "ingress", "tcp", 80, 80, cidr="0.0.0.0/0"),
        ],
        enis=[eni("eni-web", ["sg-a", "sg-b", "sg-c"], WEB), eni("eni-d", ["sg-d"], "192.0.2.99")],
    )
    records = [
        rec("eni-web", CLIENT, WEB, 50000, 22),
        rec("eni-web", CLIENT, WEB, 50001, 443),
        rec("eni-web", "198.51.100.8", WEB, 50002, 22),
        rec("eni-web", CLIENT, WEB, 50003, 80),
    ]
    out = run(snap, records)
    check(
        out,
        [
            ("ingress", "allowed", ["sgr-a22", "sgr-c22"]),
            ("ingress", "allowed", ["sgr-b443"]),
            ("ingress", "allowed", ["sgr-a22"]),
            ("ingress", "unexplained", []),
        ],
    )
    assert usage(out, "sgr-a22")[:3] == (2, 1, 0)
    assert usage(out, "sgr-c22")[:3] == (1, 0, 0)
    assert usage(out, "sgr-b443")[:3] == (1, 1, 0)
    assert usage(out, "sgr-d80")[:3] == (0, 0, 0)


# --- direction ------------------------------------------------------------------------------------


def direction_snap() -> Snap:
    return Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-in", "sg-x", "ingress", "-1", cidr="0.0.0.0/0"),
            rule("sgr-in6", "sg-x", "ingress", "-1", cidr="::/0"),
            rule("sgr-out", "sg-x", "egress", "-1", cidr="0.0.0.0/0"),
            rule("sgr-out6", "sg-x", "egress", "-1", cidr="::/0"),
        ],
        enis=[
            eni(
                "eni-x",
                ["sg-x"],
                WEB,
                secondary=["192.0.2.11"],
                ipv6=["2001:db8:0:1::10"],
                v4_prefixes=["192.0.2.64/28"],
                v6_prefixes=["2001:db8:0:2::/80"],
                public_ip="203.0.113.200",
            ),
        ],
    )


def test_direction_comes_from_flow_direction_when_present(run: Run) -> None:
    records = [
        # the addresses say ingress, flow-direction says egress: flow-direction wins,
        # so the remote address is dstaddr (WEB itself) and egress rules apply
        rec("eni-x", CLIENT, WEB, 50000, 22, direction="egress"),
        rec("eni-x", WEB, CLIENT, 50000, 22, direction="ingress"),
        # neither address is the interface's: only flow-direction tells
        rec("eni-x", CLIENT, OTHER, 50000, 22, direction="ingress"),
        rec("eni-x", CLIENT, OTHER, 50000, 22, direction="egress"),
    ]
    check(
        run(direction_snap(), records),
        [
            ("egress", "allowed", ["sgr-out"]),
            ("ingress", "allowed", ["sgr-in"]),
            ("ingress", "allowed", ["sgr-in"]),
            ("egress", "allowed", ["sgr-out"]),
        ],
    )


def test_direction_from_the_interface_addresses(run: Run) -> None:
    records = [
        rec("eni-x", CLIENT, WEB, 50000, 22),  # primary IPv4
        rec("eni-x", CLIENT, "192.0.2.11", 50000, 22),  # secondary IPv4
        rec("eni-x", CLIENT, "192.0.2.64", 50000, 22),  # first of the delegated /28
        rec("eni-x", CLIENT, "192.0.2.79", 50000, 22),  # last of the delegated /28
        rec("eni-x", "2001:db8:ffff::7", "2001:db8:0:1::10", 50000, 22),  # IPv6 address
        rec("eni-x", "2001:db8:ffff::7", "2001:db8:0:2::abcd", 50000, 22),  # delegated /80
        rec("eni-x", WEB, CLIENT, 50000, 443),  # egress from the primary
        rec("eni-x", "192.0.2.11", CLIENT, 50000, 443),  # egress from a secondary
        rec("eni-x", "2001:db8:0:2::1", "2001:db8:ffff::7", 50000, 443),  # from the /80
        rec("eni-x", "2001:db8:0:1::10", "2001:db8:ffff::7", 50000, 443),  # from the IPv6
    ]
    check(
        run(direction_snap(), records),
        [("ingress", "allowed", ["sgr-in"])] * 4
        + [("ingress", "allowed", ["sgr-in6"])] * 2
        + [("egress", "allowed", ["sgr-out"])] * 2
        + [("egress", "allowed", ["sgr-out6"])] * 2,
    )


def test_no_direction_when_neither_address_is_the_interfaces(run: Run) -> None:
    records = [
        rec("eni-x", CLIENT, OTHER, 50000, 22),  # neither address
        rec("eni-x", CLIENT, "192.0.2.80", 50000, 22),  # just past the delegated /28
        rec("eni-x", CLIENT, "203.0.113.200", 50000, 22),  # the public IP is not an address
        rec("eni-x", CLIENT, OTHER, 50000, 22, action="REJECT"),
        rec("eni-unknown", CLIENT, WEB, 50000, 22),  # no interface, no addresses
    ]
    check(
        run(direction_snap(), records),
        [
            (None, "unexplained", []),
            (None, "unexplained", []),
            (None, "unexplained", []),
            (None, "no_rule", []),
            (None, "unknown_interface", []),
        ],
    )


def test_remote_address_is_srcaddr_for_ingress_and_dstaddr_for_egress(run: Run) -> None:
    snap = Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-in-client", "sg-x", "ingress", "tcp", 22, 22, cidr="198.51.100.7/32"),
            rule("sgr-in-self", "sg-x", "ingress", "tcp", 22, 22, cidr="192.0.2.10/32"),
            rule("sgr-out-client", "sg-x", "egress", "tcp", 443, 443, cidr="198.51.100.7/32"),
            rule("sgr-out-self", "sg-x", "egress", "tcp", 443, 443, cidr="192.0.2.10/32"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB)],
    )
    records = [
        rec("eni-x", CLIENT, WEB, 50000, 22),
        rec("eni-x", WEB, CLIENT, 50000, 443),
        rec("eni-x", OTHER, WEB, 50000, 22),
        rec("eni-x", WEB, OTHER, 50000, 443),
    ]
    check(
        run(snap, records),
        [
            ("ingress", "allowed", ["sgr-in-client"]),
            ("egress", "allowed", ["sgr-out-client"]),
            ("ingress", "unexplained", []),
            ("egress", "unexplained", []),
        ],
    )


# --- protocol and ports ---------------------------------------------------------------------------


def test_protocol_minus_one_matches_every_protocol(run: Run) -> None:
    snap = Snap(
        groups=["sg-x"],
        rules=[rule("sgr-all", "sg-x", "ingress", "-1", cidr="198.51.100.0/24")],
        enis=[eni("eni-x", ["sg-x"], WEB)],
    )
    records = [
        rec("eni-x", CLIENT, WEB, 50000, 22, 6),
        rec("eni-x", CLIENT, WEB, 50000, 53, 17),
        rec("eni-x", CLIENT, WEB, 0, 0, 1),
        rec("eni-x", CLIENT, WEB, 0, 0, 47),
        rec("eni-x", CLIENT, WEB, 0, 0, 132),
        rec("eni-x", CLIENT, WEB, None, None, None),  # NULL protocol: only -1 rules
        rec("eni-x", CLIENT, WEB, 50000, None, 6),  # NULL port
    ]
    check(run(snap, records), [("ingress", "allowed", ["sgr-all"])] * len(records))


def test_protocol_all_and_names_in_any_case(run: Run) -> None:
    snap = Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-all", "sg-x", "ingress", "all", None, None, cidr="198.51.100.7/32"),
            rule("sgr-tcp", "sg-x", "ingress", "TCP", 22, 22, cidr="198.51.100.8/32"),
            rule("sgr-udp", "sg-x", "ingress", "17", 53, 53, cidr="198.51.100.8/32"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB)],
    )
    records = [
        rec("eni-x", CLIENT, WEB, 50000, 9999, 17),
        rec("eni-x", "198.51.100.8", WEB, 50000, 22, 6),
        rec("eni-x", "198.51.100.8", WEB, 50000, 53, 17),
        rec("eni-x", "198.51.100.8", WEB, 50000, 53, 6),  # tcp/53: the rule is udp
        rec("eni-x", "198.51.100.8", WEB, 50000, 22, 17),  # udp/22: the rule is tcp
    ]
    check(
        run(snap, records),
        [
            ("ingress", "allowed", ["sgr-all"]),
            ("ingress", "allowed", ["sgr-tcp"]),
            ("ingress", "allowed", ["sgr-udp"]),
            ("ingress", "unexplained", []),
            ("ingress", "unexplained", []),
        ],
    )


def test_port_range_edges(run: Run) -> None:
    snap = Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-range", "sg-x", "ingress", "tcp", 1000, 2000, cidr="198.51.100.0/24"),
            rule("sgr-udp", "sg-x", "ingress", "udp", 5353, 5353, cidr="198.51.100.0/24"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB)],
    )
    records = [
        rec("eni-x", CLIENT, WEB, 50000, 999),
        rec("eni-x", CLIENT, WEB, 50000, 1000),
        rec("eni-x", CLIENT, WEB, 50000, 2000),
        rec("eni-x", CLIENT, WEB, 50000, 2001),
        rec("eni-x", CLIENT, WEB, 50000, 5352, 17),
        rec("eni-x", CLIENT, WEB, 50000, 5353, 17),
        rec("eni-x", CLIENT, WEB, 50000, 5354, 17),
        rec("eni-x", CLIENT, WEB, 1500, 50000),  # the source port never counts for req
        rec("eni-x", CLIENT, WEB, 50000, None),  # NULL port: not in a bounded range
    ]
    no: Expected = ("ingress", "unexplained", [])
    check(
        run(snap, records),
        [
            no,
            ("ingress", "allowed", ["sgr-range"]),
            ("ingress", "allowed", ["sgr-range"]),
            no,
            no,
            ("ingress", "allowed", ["sgr-udp"]),
            no,
            no,
            no,
        ],
    )


def test_all_port_rules_match_any_port_and_a_null_port(run: Run) -> None:
    snap = Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-minus1", "sg-x", "ingress", "tcp", -1, -1, cidr="198.51.100.7/32"),
            rule("sgr-absent", "sg-x", "ingress", "tcp", None, None, cidr="198.51.100.8/32"),
            rule("sgr-full", "sg-x", "ingress", "tcp", 0, 65535, cidr="198.51.100.9/32"),
            rule("sgr-udp-full", "sg-x", "ingress", "udp", 0, 65535, cidr="198.51.100.9/32"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB)],
    )
    records = []
    expected: list[Expected] = []
    for src, rid in (
        ("198.51.100.7", "sgr-minus1"),
        ("198.51.100.8", "sgr-absent"),
        ("198.51.100.9", "sgr-full"),
    ):
        for port in (0, 1, 65535, None):
            records.append(rec("eni-x", src, WEB, 40000, port))
            expected.append(("ingress", "allowed", [rid]))
    records.append(rec("eni-x", "198.51.100.9", WEB, 40000, None, 17))
    expected.append(("ingress", "allowed", ["sgr-udp-full"]))
    check(run(snap, records), expected)


def test_icmp_rules_match_any_record_of_their_protocol(run: Run) -> None:
    snap = Snap(
        groups=["sg-x"],
        rules=[
            # type 8 (echo request) only, and type 3 code 4: flow logs carry no type/code
            rule("sgr-echo", "sg-x", "ingress", "icmp", 8, -1, cidr="198.51.100.0/24"),
            rule("sgr-frag", "sg-x", "ingress", "icmp", 3, 4, cidr="203.0.113.0/24"),
            rule("sgr-echo6", "sg-x", "ingress", "icmpv6", 128, -1, cidr="2001:db8:ffff::/48"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB, ipv6=["2001:db8:0:1::10"])],
    )
    records = [
        rec("eni-x", CLIENT, WEB, 0, 0, 1),
        rec("eni-x", OTHER, WEB, 0, 0, 1),
        rec("eni-x", OTHER, WEB, 3, 4, 1),
        rec("eni-x", OTHER, WEB, 0, 9, 1),
        rec("eni-x", OTHER, WEB, None, None, 1),
        rec("eni-x", "2001:db8:ffff::7", "2001:db8:0:1::10", 0, 0, 58),
        rec("eni-x", "2001:db8:ffff::7", "2001:db8:0:1::10", 0, 0, 1),  # icmp != icmpv6
        rec("eni-x", CLIENT, WEB, 0, 0, 58),  # icmpv6 from an IPv4 address: no rule
        rec("eni-x", CLIENT, WEB, 0, 8, 6),  # tcp to port 8 is not icmp
    ]
    no: Expected = ("ingress", "unexplained", [])
    check(
        run(snap, records),
        [
            ("ingress", "allowed", ["sgr-echo"]),
            ("ingress", "allowed", ["sgr-frag"]),
            ("ingress", "allowed", ["sgr-frag"]),
            ("ingress", "allowed", ["sgr-frag"]),
            ("ingress", "allowed", ["sgr-frag"]),
            ("ingress", "allowed", ["sgr-echo6"]),
            no,
            no,
            no,
        ],
    )


def test_other_protocols_match_on_protocol_alone(run: Run) -> None:
    snap = Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-gre", "sg-x", "ingress", "47", -1, -1, cidr="198.51.100.0/24"),
            # ports on a non-TCP/UDP rule are ignored
            rule("sgr-esp", "sg-x", "ingress", "50", 10, 20, cidr="198.51.100.0/24"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB)],
    )
    records = [
        rec("eni-x", CLIENT, WEB, 0, 0, 47),
        rec("eni-x", CLIENT, WEB, 1234, 4321, 47),
        rec("eni-x", CLIENT, WEB, 0, 0, 50),
        rec("eni-x", CLIENT, WEB, 0, 30, 50),
        rec("eni-x", CLIENT, WEB, 0, 0, 51),
        rec("eni-x", CLIENT, WEB, 0, 15, 6),
    ]
    no: Expected = ("ingress", "unexplained", [])
    check(
        run(snap, records),
        [
            ("ingress", "allowed", ["sgr-gre"]),
            ("ingress", "allowed", ["sgr-gre"]),
            ("ingress", "allowed", ["sgr-esp"]),
            ("ingress", "allowed", ["sgr-esp"]),
            no,
            no,
        ],
    )


# --- peers ----------------------------------------------------------------------------------------


def test_cidr4_and_cidr6_rules_match_their_own_family_only(run: Run) -> None:
    snap = Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-v6-all", "sg-x", "ingress", "tcp", 22, 22, cidr="::/0"),
            rule("sgr-v4-all", "sg-x", "ingress", "tcp", 80, 80, cidr="0.0.0.0/0"),
            # IPv4-mapped IPv6 space: still an IPv6 CIDR, never an IPv4 address
            rule("sgr-mapped", "sg-x", "ingress", "tcp", 8080, 8080, cidr="::ffff:0:0/96"),
            rule("sgr-v6-host", "sg-x", "ingress", "tcp", 443, 443, cidr="2001:db8:ffff::7/128"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB, ipv6=["2001:db8:0:1::10"])],
    )
    v6 = "2001:db8:0:1::10"
    records = [
        rec("eni-x", CLIENT, WEB, 50000, 22),
        rec("eni-x", "2001:db8:ffff::7", v6, 50000, 22),
        rec("eni-x", CLIENT, WEB, 50000, 80),
        rec("eni-x", "2001:db8:ffff::7", v6, 50000, 80),
        rec("eni-x", CLIENT, WEB, 50000, 8080),
        rec("eni-x", "2001:db8:ffff::7", v6, 50000, 443),
        rec("eni-x", "2001:db8:ffff::8", v6, 50000, 443),
        # a non-canonical spelling of the same IPv6 addresses
        rec("eni-x", "2001:DB8:FFFF:0:0:0:0:7", "2001:db8:0:1:0::10", 50000, 443),
    ]
    no: Expected = ("ingress", "unexplained", [])
    check(
        run(snap, records),
        [
            no,
            ("ingress", "allowed", ["sgr-v6-all"]),
            ("ingress", "allowed", ["sgr-v4-all"]),
            no,
            no,
            ("ingress", "allowed", ["sgr-v6-host"]),
            no,
            ("ingress", "allowed", ["sgr-v6-host"]),
        ],
    )


def test_cidr_bounds_and_non_canonical_cidrs(run: Run) -> None:
    snap = Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-25", "sg-x", "ingress", "tcp", 22, 22, cidr="198.51.100.128/25"),
            # host bits set: AWS canonicalises, other tools may not; read as 203.0.113.0/24
            rule("sgr-loose", "sg-x", "ingress", "tcp", 22, 22, cidr="203.0.113.77/24"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB)],
    )
    records = [
        rec("eni-x", "198.51.100.127", WEB, 50000, 22),
        rec("eni-x", "198.51.100.128", WEB, 50000, 22),
        rec("eni-x", "198.51.100.255", WEB, 50000, 22),
        rec("eni-x", "203.0.113.0", WEB, 50000, 22),
        rec("eni-x", "203.0.114.0", WEB, 50000, 22),
    ]
    no: Expected = ("ingress", "unexplained", [])
    check(
        run(snap, records),
        [
            no,
            ("ingress", "allowed", ["sgr-25"]),
            ("ingress", "allowed", ["sgr-25"]),
            ("ingress", "allowed", ["sgr-loose"]),
            no,
        ],
    )


def test_prefix_list_rules_match_any_entry(run: Run) -> None:
    snap = Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-pl", "sg-x", "ingress", "tcp", 443, 443, pl="pl-0aaaaaaaaaaaaaaaa"),
            rule("sgr-pl6", "sg-x", "ingress", "tcp", 443, 443, pl="pl-0cccccccccccccccc"),
            # listed but without an Entries file; and with an empty one: never match
            rule("sgr-noentries", "sg-x", "ingress", "tcp", 22, 22, pl="pl-0bbbbbbbbbbbbbbbb"),
            rule("sgr-empty", "sg-x", "ingress", "tcp", 22, 22, pl="pl-0dddddddddddddddd"),
            # not even listed
            rule("sgr-unlisted", "sg-x", "ingress", "tcp", 22, 22, pl="pl-0eeeeeeeeeeeeeeee"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB, ipv6=["2001:db8:0:1::10"])],
        prefix_lists={
            "pl-0aaaaaaaaaaaaaaaa": ["198.51.100.0/25", "203.0.113.8/29"],
            "pl-0bbbbbbbbbbbbbbbb": None,
            "pl-0cccccccccccccccc": ["2001:db8:ffff::/48"],
            "pl-0dddddddddddddddd": [],
        },
    )
    v6 = "2001:db8:0:1::10"
    records = [
        rec("eni-x", "198.51.100.5", WEB, 50000, 443),
        rec("eni-x", "203.0.113.9", WEB, 50000, 443),
        rec("eni-x", "203.0.113.16", WEB, 50000, 443),
        rec("eni-x", "198.51.100.200", WEB, 50000, 443),
        rec("eni-x", "2001:db8:ffff::1", v6, 50000, 443),
        rec("eni-x", "198.51.100.5", WEB, 50000, 22),
    ]
    no: Expected = ("ingress", "unexplained", [])
    check(
        run(snap, records),
        [
            ("ingress", "allowed", ["sgr-pl"]),
            ("ingress", "allowed", ["sgr-pl"]),
            no,
            no,
            ("ingress", "allowed", ["sgr-pl6"]),
            no,
        ],
    )


def sg_reference_snap() -> Snap:
    return Snap(
        groups=["sg-web", "sg-app", "sg-lonely"],
        rules=[
            rule("sgr-from-web", "sg-app", "ingress", "tcp", 8080, 8080, sg="sg-web"),
            rule("sgr-self", "sg-app", "ingress", "tcp", 5432, 5432, sg="sg-app"),
            rule("sgr-gone", "sg-app", "ingress", "tcp", 9000, 9000, sg="sg-0deadbeef0000000"),
            rule("sgr-lonely", "sg-app", "ingress", "tcp", 7000, 7000, sg="sg-lonely"),
            rule("sgr-to-web", "sg-app", "egress", "tcp", 443, 443, sg="sg-web"),
        ],
        enis=[
            eni(
                "eni-web",
                ["sg-web"],
                WEB,
                secondary=["192.0.2.11"],
                ipv6=["2001:db8:0:1::10"],
                v4_prefixes=["192.0.2.64/28"],
                public_ip="203.0.113.50",
            ),
            eni("eni-app", ["sg-app"], "192.0.2.20", ipv6=["2001:db8:0:1::20"]),
            eni("eni-app2", ["sg-app"], "192.0.2.21"),
        ],
    )


def test_security_group_peer_holds_every_private_address_of_its_members(run: Run) -> None:
    app, app6 = "192.0.2.20", "2001:db8:0:1::20"
    records = [
        rec("eni-app", WEB, app, 50000, 8080),  # primary
        rec("eni-app", "192.0.2.11", app, 50000, 8080),  # secondary
        rec("eni-app", "192.0.2.70", app, 50000, 8080),  # inside the delegated /28
        rec("eni-app", "2001:db8:0:1::10", app6, 50000, 8080),  # IPv6 address
        rec("eni-app", "203.0.113.50", app, 50000, 8080),  # public IP: not a private address
        rec("eni-app", "192.0.2.12", app, 50000, 8080),  # no member has it
        rec("eni-app", app, WEB, 50000, 443),  # egress to a member
        rec("eni-app", app, "192.0.2.65", 50000, 443),  # egress into the member's prefix
        rec("eni-app", app, CLIENT, 50000, 443),
    ]
    no: Expected = ("ingress", "unexplained", [])
    check(
        run(sg_reference_snap(), records),
        [
            ("ingress", "allowed", ["sgr-from-web"]),
            ("ingress", "allowed", ["sgr-from-web"]),
            ("ingress", "allowed", ["sgr-from-web"]),
            ("ingress", "allowed", ["sgr-from-web"]),
            no,
            no,
            ("egress", "allowed", ["sgr-to-web"]),
            ("egress", "allowed", ["sgr-to-web"]),
            ("egress", "unexplained", []),
        ],
    )


def test_self_reference_and_unresolvable_groups(run: Run) -> None:
    app = "192.0.2.20"
    records = [
        rec("eni-app", "192.0.2.21", app, 50000, 5432),  # another member of sg-app
        rec("eni-app", app, app, 50000, 5432),  # the interface itself is a member
        rec("eni-app", WEB, app, 50000, 5432),  # sg-web is not sg-app
        rec("eni-app", "192.0.2.21", app, 50000, 9000),  # group not in the snapshot
        rec("eni-app", WEB, app, 50000, 9000),
        rec("eni-app", WEB, app, 50000, 7000),  # group in the snapshot, on no interface
    ]
    no: Expected = ("ingress", "unexplained", [])
    check(
        run(sg_reference_snap(), records),
        [("ingress", "allowed", ["sgr-self"])] * 2 + [no] * 4,
    )


def test_engine_marks_unresolvable_rules(tmp_path: Path) -> None:
    """`resolvable = false` for a group not in the snapshot and a prefix list without entries."""
    snap = sg_reference_snap()
    snap.rules.append(rule("sgr-pl", "sg-app", "ingress", "tcp", 1, 1, pl="pl-0bbbbbbbbbbbbbbbb"))
    snap.rules.append(
        rule("sgr-pl-ok", "sg-app", "ingress", "tcp", 1, 1, pl="pl-0aaaaaaaaaaaaaaaa")
    )
    snap.prefix_lists = {"pl-0bbbbbbbbbbbbbbbb": None, "pl-0aaaaaaaaaaaaaaaa": ["10.0.0.0/8"]}
    _, snap_dir = ref.write_case(tmp_path, snap.documents(), snap.entries(), [])
    con = flowsg.connect(":memory:")
    try:
        flowsg.load_snapshot(con, snap_dir)
        got = dict(con.execute("SELECT rule_id, resolvable FROM rules").fetchall())
    finally:
        con.close()
    assert got["sgr-gone"] is False
    assert got["sgr-pl"] is False
    assert got["sgr-from-web"] is True
    assert got["sgr-self"] is True
    assert got["sgr-pl-ok"] is True


# --- req / rev, paired, orientation ---------------------------------------------------------------


def two_way_snap() -> Snap:
    """eni-x (WEB): inbound tcp 22 from CLIENT's /24, outbound tcp 443 to anywhere (IPv4)."""
    return Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-ssh", "sg-x", "ingress", "tcp", 22, 22, cidr="198.51.100.0/24"),
            rule("sgr-https", "sg-x", "egress", "tcp", 443, 443, cidr="0.0.0.0/0"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB), eni("eni-y", ["sg-x"], "192.0.2.30")],
    )


def test_rev_uses_the_opposite_direction_and_the_source_port(run: Run) -> None:
    records = [
        # the reply of an outbound HTTPS connection: rev = egress rules with p = srcport 443
        rec("eni-x", OTHER, WEB, 443, 50000),
        # the reply of an inbound SSH session: rev = ingress rules with p = srcport 22,
        # remote = dstaddr (CLIENT) matched against the ingress rule's CIDR
        rec("eni-x", WEB, CLIENT, 22, 50000),
        # the reply to port 22 from a host outside the ingress rule's CIDR
        rec("eni-x", WEB, OTHER, 22, 50000),
    ]
    check(
        run(two_way_snap(), records),
        [
            ("ingress", "return", ["sgr-https"]),
            ("egress", "return", ["sgr-ssh"]),
            ("egress", "unexplained", []),
        ],
    )


def test_a_reject_with_only_rev_is_a_response_only_when_paired(run: Run) -> None:
    records = [
        # 0: a REJECT whose reverse an egress rule allows, no swapped record: a request -> no_rule
        rec("eni-x", OTHER, WEB, 443, 50000, action="REJECT"),
        # 1+2: the same shape with its request logged (ACCEPT): paired -> response
        rec("eni-x", "203.0.113.10", WEB, 443, 50001, action="REJECT"),
        rec("eni-x", WEB, "203.0.113.10", 50001, 443),
        # 3+4: paired with a REJECTed swapped record (any action counts)
        rec("eni-x", "203.0.113.11", WEB, 443, 50002, action="REJECT"),
        rec("eni-x", WEB, "203.0.113.11", 50002, 443, action="REJECT"),
        # 5+6: the swapped record is on another interface: not paired
        rec("eni-x", "203.0.113.12", WEB, 443, 50003, action="REJECT"),
        rec("eni-y", WEB, "203.0.113.12", 50003, 443, direction="egress"),
        # 7+8: swapped but another protocol: not paired
        rec("eni-x", "203.0.113.13", WEB, 443, 50004, 6, "REJECT"),
        rec("eni-x", WEB, "203.0.113.13", 50004, 443, 17),
        # 9+10: addresses swapped but ports not: not paired
        rec("eni-x", "203.0.113.14", WEB, 443, 50005, action="REJECT"),
        rec("eni-x", WEB, "203.0.113.14", 50006, 443),
    ]
    check(
        run(two_way_snap(), records),
        [
            ("ingress", "no_rule", []),
            ("ingress", "blocked_elsewhere", ["sgr-https"]),
            ("egress", "allowed", ["sgr-https"]),
            ("ingress", "blocked_elsewhere", ["sgr-https"]),
            ("egress", "blocked_elsewhere", ["sgr-https"]),
            ("ingress", "no_rule", []),
            ("egress", "allowed", ["sgr-https"]),
            ("ingress", "no_rule", []),
            ("egress", "unexplained", []),
            ("ingress", "no_rule", []),
            ("egress", "allowed", ["sgr-https"]),
        ],
    )


def test_a_record_that_is_its_own_reverse_is_not_paired_by_itself(run: Run) -> None:
    """Paired means *another* record is the reverse. A record from an address and port to the
    same address and port is its own reverse: alone, it is not paired; a second such record
    pairs both (as two swapped records would)."""
    records = [
        # 0: alone, on eni-x: rev only (the egress rule to anywhere), not paired -> no_rule
        rec("eni-x", WEB, WEB, 443, 443, action="REJECT"),
        # 1+2: two such records on eni-y: each is the other's reverse -> response
        rec("eni-y", "192.0.2.30", "192.0.2.30", 443, 443, action="REJECT"),
        rec("eni-y", "192.0.2.30", "192.0.2.30", 443, 443, action="REJECT"),
    ]
    check(
        run(two_way_snap(), records),
        [
            ("ingress", "no_rule", []),
            ("ingress", "blocked_elsewhere", ["sgr-https"]),
            ("ingress", "blocked_elsewhere", ["sgr-https"]),
        ],
    )


def test_a_missing_port_never_pairs(run: Run) -> None:
    """Pairing compares like SQL's = : a NULL port equals nothing, not even another NULL."""
    snap = Snap(
        groups=["sg-x"],
        rules=[rule("sgr-out-all", "sg-x", "egress", "tcp", 0, 65535, cidr="198.51.100.0/24")],
        enis=[eni("eni-x", ["sg-x"], WEB)],
    )
    records = [
        # rev only (the egress rule on every port, which a missing port matches): a REJECT that
        # is paired would be a response (blocked_elsewhere); its swap has the same missing port
        rec("eni-x", CLIENT, WEB, None, 80, action="REJECT"),
        rec("eni-x", WEB, CLIENT, 80, None),
    ]
    check(
        run(snap, records),
        [("ingress", "no_rule", []), ("egress", "allowed", ["sgr-out-all"])],
    )


def both_ways_snap() -> Snap:
    """eni-x (WEB): all tcp both ways with 198.51.100.0/24, so req and rev are both non-empty."""
    return Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-in", "sg-x", "ingress", "tcp", 0, 65535, cidr="198.51.100.0/24"),
            rule("sgr-out", "sg-x", "egress", "tcp", 0, 65535, cidr="198.51.100.0/24"),
            rule("sgr-in-22", "sg-x", "ingress", "tcp", 22, 22, cidr="198.51.100.0/24"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB)],
    )


def test_orientation_rule_1_syn_decides_for_tcp(run: Run) -> None:
    records = [
        # req empty (no inbound 443 from OTHER), rev non-empty: rule 3 would say response,
        # but SYN without ACK (2, or 3 with FIN) makes it a request -> no req -> unexplained
        rec("eni-x", OTHER, WEB, 443, 50000, flags=2),
        rec("eni-x", OTHER, WEB, 443, 50000, flags=3),
        # SYN-ACK (18, 19) is a response even when only req matches -> no rev -> unexplained
        rec("eni-x", WEB, OTHER, 50000, 443, flags=18),
        rec("eni-x", WEB, OTHER, 50000, 443, flags=19),
        # SYN-ACK on a record only rev explains: return
        rec("eni-x", OTHER, WEB, 443, 50000, flags=18),
        # SYN on a request: allowed
        rec("eni-x", WEB, OTHER, 50000, 443, flags=2),
        # SYN-ACK on a record only req explains: rule 2 would say request
        rec("eni-x", CLIENT, WEB, 50000, 22, flags=18),
        # tcp-flags of 16 (ACK), 1 (FIN), 0: rule 1 does not apply; rule 3 -> response
        rec("eni-x", OTHER, WEB, 443, 50000, flags=16),
        rec("eni-x", OTHER, WEB, 443, 50000, flags=1),
        rec("eni-x", OTHER, WEB, 443, 50000, flags=0),
    ]
    check(
        run(two_way_snap(), records),
        [
            ("ingress", "unexplained", []),
            ("ingress", "unexplained", []),
            ("egress", "unexplained", []),
            ("egress", "unexplained", []),
            ("ingress", "return", ["sgr-https"]),
            ("egress", "allowed", ["sgr-https"]),
            ("ingress", "unexplained", []),
            ("ingress", "return", ["sgr-https"]),
            ("ingress", "return", ["sgr-https"]),
            ("ingress", "return", ["sgr-https"]),
        ],
    )


def test_orientation_rule_1_is_for_tcp_only(run: Run) -> None:
    snap = Snap(
        groups=["sg-x"],
        rules=[rule("sgr-dns", "sg-x", "egress", "-1", cidr="203.0.113.0/24")],
        enis=[eni("eni-x", ["sg-x"], WEB)],
    )
    records = [
        # the same flag values on UDP and on a protocol-number-less -1 rule's GRE: rule 3 decides
        rec("eni-x", OTHER, WEB, 53, 50000, 17, flags=2),
        rec("eni-x", OTHER, WEB, 0, 0, 47, flags=2),
        # on TCP, SYN makes it a request, which nothing allows
        rec("eni-x", OTHER, WEB, 53, 50000, 6, flags=2),
    ]
    check(
        run(snap, records),
        [
            ("ingress", "return", ["sgr-dns"]),
            ("ingress", "return", ["sgr-dns"]),
            ("ingress", "unexplained", []),
        ],
    )


def test_orientation_rule_1_with_both_sides_matching(run: Run) -> None:
    records = [
        # req and rev both non-empty: the flags decide, whatever the ports say
        rec("eni-x", CLIENT, WEB, 443, 50000, flags=2),  # rule 4 would say response
        rec("eni-x", CLIENT, WEB, 50000, 22, flags=18),  # rule 4 would say request
        rec("eni-x", CLIENT, WEB, 50000, 22, flags=19),
        rec("eni-x", CLIENT, WEB, 443, 50000, flags=3),
    ]
    check(
        run(both_ways_snap(), records),
        [
            ("ingress", "allowed", ["sgr-in"]),
            ("ingress", "return", ["sgr-out"]),
            ("ingress", "return", ["sgr-out"]),
            ("ingress", "allowed", ["sgr-in"]),
        ],
    )


def test_orientation_rule_2_req_only_is_a_request(run: Run) -> None:
    records = [
        rec("eni-x", CLIENT, WEB, 50000, 22),
        rec("eni-x", CLIENT, WEB, 80, 22),  # even from a low source port
        rec("eni-x", CLIENT, WEB, 50000, 22, action="REJECT"),
    ]
    check(
        run(two_way_snap(), records),
        [
            ("ingress", "allowed", ["sgr-ssh"]),
            ("ingress", "allowed", ["sgr-ssh"]),
            ("ingress", "blocked_elsewhere", ["sgr-ssh"]),
        ],
    )


def test_orientation_rule_3_rev_only_is_a_response(run: Run) -> None:
    records = [
        rec("eni-x", OTHER, WEB, 443, 50000),  # ACCEPT, unpaired: response
        rec("eni-x", OTHER, WEB, 443, 80),  # even towards a lower port
        rec("eni-x", OTHER, WEB, 443, 50000, action="REJECT"),  # REJECT, unpaired: request
    ]
    check(
        run(two_way_snap(), records),
        [
            ("ingress", "return", ["sgr-https"]),
            ("ingress", "return", ["sgr-https"]),
            ("ingress", "no_rule", []),
        ],
    )


def test_orientation_rule_4_both_use_the_ports(run: Run) -> None:
    records = [
        # 0: ACCEPT, srcport < dstport: response -> return with rev
        rec("eni-x", CLIENT, WEB, 443, 50000),
        # 1: ACCEPT, srcport > dstport: request -> allowed with req
        rec("eni-x", CLIENT, WEB, 50000, 22),
        # 2: ACCEPT, equal ports: request
        rec("eni-x", CLIENT, WEB, 22, 22),
        # 3: REJECT, srcport < dstport, unpaired: request -> blocked_elsewhere with req
        rec("eni-x", CLIENT, WEB, 443, 50001, action="REJECT"),
        # 4+5: REJECT, srcport < dstport, paired: response -> blocked_elsewhere with rev
        rec("eni-x", "198.51.100.8", WEB, 443, 50002, action="REJECT"),
        rec("eni-x", WEB, "198.51.100.8", 50002, 443, action="REJECT"),
        # 6: REJECT, srcport > dstport: request even when paired (with 5's twin below)
        rec("eni-x", "198.51.100.9", WEB, 50003, 22, action="REJECT"),
        rec("eni-x", WEB, "198.51.100.9", 22, 50003),
        # 8: NULL source port: not lower, so a request
        rec("eni-x", CLIENT, WEB, None, 50000),
    ]
    check(
        run(both_ways_snap(), records),
        [
            ("ingress", "return", ["sgr-out"]),
            ("ingress", "allowed", ["sgr-in", "sgr-in-22"]),
            ("ingress", "allowed", ["sgr-in", "sgr-in-22"]),
            ("ingress", "blocked_elsewhere", ["sgr-in"]),
            ("ingress", "blocked_elsewhere", ["sgr-out"]),
            ("egress", "blocked_elsewhere", ["sgr-out"]),
            ("ingress", "blocked_elsewhere", ["sgr-in", "sgr-in-22"]),
            ("egress", "return", ["sgr-in", "sgr-in-22"]),
            ("ingress", "allowed", ["sgr-in"]),
        ],
    )


def test_orientation_rule_5_neither_is_a_request(run: Run) -> None:
    records = [
        rec("eni-x", OTHER, WEB, 443, 50000, 17),
        rec("eni-x", OTHER, WEB, 443, 50000, 17, "REJECT"),
        rec("eni-x", OTHER, WEB, 50000, 22, 6, "REJECT"),
    ]
    check(
        run(two_way_snap(), records),
        [
            ("ingress", "unexplained", []),
            ("ingress", "no_rule", []),
            ("ingress", "no_rule", []),
        ],
    )


# --- verdicts -------------------------------------------------------------------------------------


def test_every_verdict(run: Run) -> None:
    snap = two_way_snap()
    snap.enis.append(eni("eni-nat", [], "192.0.2.40", kind="nat_gateway"))
    records = [
        rec("eni-x", CLIENT, WEB, 50000, 22),  # allowed
        rec("eni-x", OTHER, WEB, 443, 50000),  # return
        rec("eni-x", CLIENT, WEB, 50000, 3389),  # unexplained
        rec("eni-x", CLIENT, WEB, 50000, 22, action="REJECT"),  # blocked_elsewhere
        rec("eni-x", CLIENT, WEB, 50000, 3389, action="REJECT"),  # no_rule
        rec("eni-0123456789abcdef0", CLIENT, WEB, 50000, 22),  # unknown_interface
        rec("eni-nat", CLIENT, "192.0.2.40", 50000, 22),  # no_security_group
        nodata("eni-x"),  # skipped
        nodata("eni-x", "SKIPDATA"),  # skipped
        rec("eni-x", CLIENT, WEB, 50000, 22, action=None),  # OK without an action: skipped
        # precedence: log-status first, then the interface, then the action
        nodata("eni-0123456789abcdef0"),
        rec("eni-0123456789abcdef0", CLIENT, WEB, 50000, 22, action=None),
        rec("eni-nat", CLIENT, "192.0.2.40", 50000, 22, action=None),
        rec("eni-nat", CLIENT, "192.0.2.40", 50000, 22, action="REJECT", direction="ingress"),
        rec(None, CLIENT, WEB, 50000, 22),  # no interface id at all
    ]
    check(
        run(snap, records),
        [
            ("ingress", "allowed", ["sgr-ssh"]),
            ("ingress", "return", ["sgr-https"]),
            ("ingress", "unexplained", []),
            ("ingress", "blocked_elsewhere", ["sgr-ssh"]),
            ("ingress", "no_rule", []),
            (None, "unknown_interface", []),
            ("ingress", "no_security_group", []),
            (None, "skipped", []),
            (None, "skipped", []),
            ("ingress", "skipped", []),
            (None, "skipped", []),
            (None, "unknown_interface", []),
            ("ingress", "no_security_group", []),
            ("ingress", "no_security_group", []),
            (None, "unknown_interface", []),
        ],
    )


# --- rule usage -----------------------------------------------------------------------------------


def test_rule_usage_counts_hits_sole_hits_and_returns(run: Run) -> None:
    snap = Snap(
        groups=["sg-x", "sg-y"],
        rules=[
            rule("sgr-ssh", "sg-x", "ingress", "tcp", 22, 22, cidr="198.51.100.0/24"),
            rule("sgr-ssh-host", "sg-y", "ingress", "tcp", 22, 22, cidr="198.51.100.7/32"),
            rule("sgr-out", "sg-x", "egress", "-1", cidr="0.0.0.0/0"),
            rule("sgr-unused", "sg-y", "ingress", "tcp", 3306, 3306, cidr="198.51.100.0/24"),
        ],
        enis=[eni("eni-x", ["sg-x", "sg-y"], WEB)],
    )
    records = [
        rec("eni-x", CLIENT, WEB, 50000, 22, packets=5, nbytes=500, start=T0 + 100, end=T0 + 160),
        rec("eni-x", "198.51.100.8", WEB, 50001, 22, packets=7, nbytes=700, start=T0, end=T0 + 50),
        rec(
            "eni-x",
            "198.51.100.9",
            WEB,
            50002,
            22,
            packets=None,
            nbytes=None,
            start=T0 + 500,
            end=T0 + 900,
        ),
        # blocked_elsewhere and the replies do not count as hits
        rec("eni-x", CLIENT, WEB, 50003, 22, action="REJECT", packets=1000, start=T0 - 999),
        rec("eni-x", WEB, CLIENT, 22, 50000, packets=3000, start=T0 - 999, end=T0 + 9999),
        rec("eni-x", WEB, "198.51.100.8", 22, 50001, flags=19),
        # an outbound request: a hit of sgr-out
        rec("eni-x", WEB, OTHER, 50010, 443, packets=2, nbytes=20, start=T0 + 5, end=T0 + 6),
    ]
    out = run(snap, records)
    check(
        out,
        [
            ("ingress", "allowed", ["sgr-ssh", "sgr-ssh-host"]),
            ("ingress", "allowed", ["sgr-ssh"]),
            ("ingress", "allowed", ["sgr-ssh"]),
            ("ingress", "blocked_elsewhere", ["sgr-ssh", "sgr-ssh-host"]),
            ("egress", "return", ["sgr-ssh", "sgr-ssh-host"]),
            ("egress", "return", ["sgr-ssh"]),
            ("egress", "allowed", ["sgr-out"]),
        ],
    )
    assert usage(out, "sgr-ssh") == (3, 2, 2, 12, 1200, T0, T0 + 900)
    assert usage(out, "sgr-ssh-host") == (1, 0, 1, 5, 500, T0 + 100, T0 + 160)
    assert usage(out, "sgr-out") == (1, 1, 0, 2, 20, T0 + 5, T0 + 6)
    assert usage(out, "sgr-unused") == (0, 0, 0, 0, 0, None, None)
    assert sorted(out.usage) == ["sgr-out", "sgr-ssh", "sgr-ssh-host", "sgr-unused"]


def test_rules_from_ip_permissions_get_derived_ids(run: Run) -> None:
    """Without describe-security-group-rules, one rule per (permission x peer), derived ids."""
    snap = Snap(
        groups=["sg-x"],
        rules=[
            rule("r1", "sg-x", "ingress", "tcp", 22, 22, cidr="198.51.100.0/24"),
            rule("r2", "sg-x", "ingress", "-1", None, None, sg="sg-x"),
            rule("r3", "sg-x", "egress", "-1", None, None, cidr="0.0.0.0/0"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB), eni("eni-y", ["sg-x"], "192.0.2.30")],
        api_rules=False,
    )
    records = [
        rec("eni-x", CLIENT, WEB, 50000, 22),
        rec("eni-x", "192.0.2.30", WEB, 50000, 22),
        rec("eni-x", WEB, OTHER, 50000, 443),
    ]
    ssh = "sg-x:ingress:6:22-22:198.51.100.0/24"
    self_ref = "sg-x:ingress:-1:*-*:sg-x"
    out = run(snap, records)
    check(
        out,
        [
            ("ingress", "allowed", [ssh]),
            ("ingress", "allowed", [self_ref]),
            ("egress", "allowed", ["sg-x:egress:-1:*-*:0.0.0.0/0"]),
        ],
    )
    assert sorted(out.usage) == sorted([ssh, self_ref, "sg-x:egress:-1:*-*:0.0.0.0/0"])


# --- the AWS documentation examples ---------------------------------------------------------------


def read_log(path: Path) -> list[dict[str, Any]]:
    """The records of a flow-log text file with a header, as reference records."""
    lines = path.read_text(encoding="utf-8").splitlines()
    names = lines[0].split()
    out = []
    for line in lines[1:]:
        values = [None if v == "-" else v for v in line.split()]
        out.append(dict(zip(names, values, strict=True)))
    return out


def run_on_file(impl: str, tmp_path: Path, log: Path, snap: Snap) -> Outcome:
    records = read_log(log)
    if impl == "reference":
        return run_reference(snap, records)
    _, snap_dir = ref.write_case(tmp_path, snap.documents(), snap.entries(), [])
    return run_engine_files(log, snap_dir, len(records))


@pytest.mark.parametrize("impl", ["reference", "engine"])
def test_aws_docs_icmp_reply_rejected_by_a_network_acl(impl: str, tmp_path: Path) -> None:
    """Inbound ping ACCEPTed; its reply REJECTed by the NACL: allowed, then blocked_elsewhere."""
    gid = "sg-0aws0docs0000001"
    snap = Snap(
        groups=[gid],
        rules=[
            rule("sgr-icmp-in", gid, "ingress", "icmp", -1, -1, cidr="0.0.0.0/0"),
            rule("sgr-tcp-out", gid, "egress", "tcp", 0, 65535, cidr="0.0.0.0/0"),
        ],
        enis=[eni("eni-1235b8ca123456789", [gid], "172.31.16.139")],
    )
    out = run_on_file(impl, tmp_path, DATA / "sg-nacl-icmp.log", snap)
    check(
        out,
        [
            ("ingress", "allowed", ["sgr-icmp-in"]),
            ("egress", "blocked_elsewhere", ["sgr-icmp-in"]),
        ],
    )
    assert usage(out, "sgr-icmp-in") == (1, 1, 0, 4, 336, 1432917027, 1432917142)
    assert usage(out, "sgr-tcp-out") == (0, 0, 0, 0, 0, None, None)


@pytest.mark.parametrize("impl", ["reference", "engine"])
def test_aws_docs_tcp_flag_sequence_is_oriented_right(impl: str, tmp_path: Path) -> None:
    """SYN and client records are requests (allowed), SYN-ACK and server FIN are `return`."""
    gid = "sg-0aws0docs0000002"
    snap = Snap(
        groups=[gid],
        rules=[
            rule("sgr-5001", gid, "ingress", "tcp", 5001, 5001, cidr="52.213.180.42/32"),
            rule("sgr-all-out", gid, "egress", "-1", cidr="0.0.0.0/0"),
        ],
        enis=[eni("eni-1235b8ca123456789", [gid], "10.0.0.62")],
    )
    out = run_on_file(impl, tmp_path, DATA / "tcp-flag-sequence.log", snap)
    allowed = ("ingress", "allowed", ["sgr-5001"])
    back = ("egress", "return", ["sgr-5001"])
    check(
        out,
        [
            allowed,  # 43416 SYN
            back,  # SYN-ACK
            allowed,  # 43418 SYN
            back,  # SYN-ACK
            back,  # server FIN (1) of 43418
            allowed,  # client FIN (1) of 43418
            allowed,  # 43638 SYN+FIN (3)
            back,  # SYN-ACK+FIN (19)
        ],
    )
    assert usage(out, "sgr-5001") == (
        4,
        4,
        4,
        8 + 70 + 15774 + 17,
        568 + 100701 + 23294588 + 1260,
        1566848875,
        1566933193,
    )
    assert usage(out, "sgr-all-out") == (0, 0, 0, 0, 0, None, None)


# --- the reference's own details ------------------------------------------------------------------


def test_reference_protocol_numbers() -> None:
    names = ("tcp", "UDP", "Icmp", "icmpv6", "-1", "all", "ALL")
    assert [ref.protocol_number(p) for p in names] == [6, 17, 1, 58, -1, -1, -1]
    assert ref.protocol_number("47") == 47


def test_reference_matches_pages_with_repeated_ids_once() -> None:
    """Several documents with the same key merge; the same rule id twice counts once."""
    snap = two_way_snap()
    docs = snap.documents()
    docs.append({"SecurityGroupRules": snap.rules[:1]})
    docs.append(json.loads(json.dumps({"NetworkInterfaces": snap.enis[:1]})))
    s = ref.load_snapshot(docs, {})
    assert sorted(r.rule_id for r in s.rules) == ["sgr-https", "sgr-ssh"]
    result = ref.evaluate(s, [rec("eni-x", CLIENT, WEB, 50000, 22)])
    assert result.records[0].matched_rule_ids == ["sgr-ssh"]
    assert result.usage["sgr-ssh"].hits == 1


def test_an_ipv4_mapped_ipv6_address_is_ipv6(run: Run) -> None:
    """``::ffff:198.51.100.7`` in a log is an IPv6 address: IPv6 rules only, never IPv4 ones.

    (AWS does not write such addresses; flowsg stores IPv4 as IPv4-mapped numbers, so the family
    must not be taken from the number alone.)
    """
    snap = Snap(
        groups=["sg-x"],
        rules=[
            rule("sgr-v4", "sg-x", "ingress", "tcp", 22, 22, cidr="0.0.0.0/0"),
            rule("sgr-v6-mapped", "sg-x", "ingress", "tcp", 80, 80, cidr="::ffff:0:0/96"),
        ],
        enis=[eni("eni-x", ["sg-x"], WEB, ipv6=["2001:db8:0:1::10"])],
    )
    v6 = "2001:db8:0:1::10"
    records = [
        rec("eni-x", "::ffff:198.51.100.7", v6, 50000, 22),
        rec("eni-x", "::ffff:198.51.100.7", v6, 50000, 80),
        rec("eni-x", CLIENT, WEB, 50000, 80),
    ]
    check(
        run(snap, records),
        [
            ("ingress", "unexplained", []),
            ("ingress", "allowed", ["sgr-v6-mapped"]),
            ("ingress", "unexplained", []),
        ],
    )


def test_pairing_spans_files(tmp_path: Path) -> None:
    """A record's reverse may come from another file of the same load."""
    snap = two_way_snap()
    first = [rec("eni-x", WEB, "203.0.113.10", 50001, 443)]
    second = [rec("eni-x", "203.0.113.10", WEB, 443, 50001, action="REJECT")]
    want = [("egress", "allowed", ["sgr-https"]), ("ingress", "blocked_elsewhere", ["sgr-https"])]
    check(run_reference(snap, first + second), want)
    _, snap_dir = ref.write_case(tmp_path, snap.documents(), snap.entries(), [])
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    for path, records in zip(logs, (first, second), strict=True):
        path.write_text(ref.log_text(records), encoding="utf-8")
    con = flowsg.connect(":memory:")
    try:
        flowsg.load(con, logs)
        flowsg.load_snapshot(con, snap_dir)
        flowsg.attribute(con)
        got = con.execute(
            "SELECT direction, verdict, matched_rule_ids FROM flows ORDER BY source_file"
        ).fetchall()
    finally:
        con.close()
    assert [(d, v, list(ids)) for d, v, ids in got] == want


def test_addresses_and_cidrs_in_any_spelling(run: Run) -> None:
    """IPv6 in the snapshot and in the log is compared as addresses, not as text."""
    snap = Snap(
        groups=["sg-x"],
        rules=[rule("sgr-v6", "sg-x", "ingress", "tcp", 22, 22, cidr="2001:DB8:FFFF:0::/64")],
        enis=[eni("eni-x", ["sg-x"], WEB, ipv6=["2001:DB8:0:3:0:0:0:1"])],
    )
    records = [
        rec("eni-x", "2001:db8:ffff::7", "2001:db8:0:3::1", 50000, 22),
        rec("eni-x", "2001:db8:ffff:0:ffff:ffff:ffff:ffff", "2001:db8:0:3::1", 50000, 22),
        rec("eni-x", "2001:db8:ffff:1::", "2001:db8:0:3::1", 50000, 22),
    ]
    check(
        run(snap, records),
        [
            ("ingress", "allowed", ["sgr-v6"]),
            ("ingress", "allowed", ["sgr-v6"]),
            ("ingress", "unexplained", []),
        ],
    )
