"""The snapshot stage: AWS CLI JSON into security_groups, rules, rule_peers, interfaces,
interface_groups, addresses, prefix_lists, prefix_list_entries, nacls, nacl_associations and
snapshot_files. Real DuckDB, real files: the sample snapshot, and small snapshots written here."""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flowsg.errors import InputError, SnapshotError
from flowsg.snapshot import SnapshotResult, load_snapshot, snapshot_time_warning

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs" / "snapshot"
DATA = ROOT / "tests" / "data" / "snapshots"
CROSS_ACCOUNT_RULE = "sgr-02e984bd527c6d02a"

Range = tuple[int, int, int, int, int]


# --- helpers ------------------------------------------------------------------------------------


def halves(v: int) -> tuple[int, int]:
    """The README's "Numeric address forms": high and low 64 bits, top bit flipped."""
    return (v >> 64) - 2**63, (v & (2**64 - 1)) - 2**63


def number(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
    if addr.version == 4:
        return int(ipaddress.IPv6Address("::ffff:" + str(addr)))
    return int(addr)


def expected_range(cidr: str) -> Range:
    """family, first_hi, first_lo, last_hi, last_lo of a CIDR or address, by Python's ipaddress."""
    net = ipaddress.ip_network(cidr, strict=False)
    first = number(net.network_address)
    last = number(net.broadcast_address)
    return (net.version, *halves(first), *halves(last))


def rows(con: duckdb.DuckDBPyConnection, query: str, *params: Any) -> list[tuple[Any, ...]]:
    return con.execute(query, list(params)).fetchall()


def lines(con: duckdb.DuckDBPyConnection, query: str, *params: Any) -> list[str]:
    """The rows of a query as 'a | b | c' text, for compact expectations."""
    return [" | ".join(map(str, row)) for row in rows(con, query, *params)]


def write(directory: Path, name: str, data: Any) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2))
    return path


def group(group_id: str, name: str = "g", vpc: str = "vpc-1", **extra: Any) -> dict[str, Any]:
    return {"GroupId": group_id, "GroupName": name, "VpcId": vpc, "OwnerId": "111122223333"} | extra


def sg_rule(rule_id: str, group_id: str = "sg-1", **extra: Any) -> dict[str, Any]:
    base = {
        "SecurityGroupRuleId": rule_id,
        "GroupId": group_id,
        "IsEgress": False,
        "IpProtocol": "tcp",
        "FromPort": 22,
        "ToPort": 22,
        "CidrIpv4": "10.0.0.0/8",
    }
    return base | extra


def eni(interface_id: str, private_ip: str, *groups: str, **extra: Any) -> dict[str, Any]:
    return {
        "NetworkInterfaceId": interface_id,
        "InterfaceType": "interface",
        "SubnetId": "subnet-1",
        "VpcId": "vpc-1",
        "OwnerId": "111122223333",
        "Groups": [{"GroupId": g, "GroupName": g} for g in groups],
        "PrivateIpAddress": private_ip,
        "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": private_ip}],
    } | extra


def peers(con: duckdb.DuckDBPyConnection, rule_id: str) -> set[Range]:
    query = "SELECT family, first_hi, first_lo, last_hi, last_lo FROM rule_peers WHERE rule_id = ?"
    return set(rows(con, query, rule_id))


@pytest.fixture
def sample(con: duckdb.DuckDBPyConnection) -> SnapshotResult:
    return load_snapshot(con, SAMPLE)


# --- the sample snapshot ------------------------------------------------------------------------


def test_sample_counts(con: duckdb.DuckDBPyConnection, sample: SnapshotResult) -> None:
    assert sample.groups == 8
    assert sample.rules == 31
    assert sample.interfaces == 13
    assert sample.prefix_lists == 2
    assert sample.prefix_list_entries == 4
    assert sample.rules_source == "SecurityGroupRules"
    assert sample.skipped == () and sample.problems == ()
    assert rows(con, "SELECT count(DISTINCT acl_id) FROM nacls") == [(3,)]
    assert rows(con, "SELECT count(*) FROM nacls") == [(sample.nacl_entries,)]
    assert rows(con, "SELECT count(*) FROM addresses") == [(sample.addresses,)]
    # 13 private IPv4 (one of them secondary) and the two ALB nodes' IPv6 addresses; no public IP
    assert sample.addresses == 16
    assert rows(con, "SELECT count(*) FROM addresses WHERE address LIKE '203.0.113.%'") == [(0,)]
    files = rows(con, "SELECT key, items, error FROM snapshot_files ORDER BY source_file")
    assert [f[0] for f in files] == [
        "PrefixLists",
        "NetworkAcls",
        "NetworkInterfaces",
        "SecurityGroupRules",
        "SecurityGroups",
        "Entries",
        "Entries",
    ]
    assert [f[1] for f in files] == [2, 3, 13, 31, 8, 2, 2]
    assert all(f[2] is None for f in files)


def test_sample_tables_have_the_contract_columns(
    con: duckdb.DuckDBPyConnection, sample: SnapshotResult
) -> None:
    rng = [
        ("family", "INTEGER"),
        ("first_hi", "BIGINT"),
        ("first_lo", "BIGINT"),
        ("last_hi", "BIGINT"),
        ("last_lo", "BIGINT"),
    ]
    v = "VARCHAR"
    expected = {
        "security_groups": [
            ("group_id", v),
            ("group_name", v),
            ("description", v),
            ("vpc_id", v),
            ("owner_id", v),
            ("name_tag", v),
        ],
        "rules": [
            ("rule_id", v),
            ("group_id", v),
            ("group_name", v),
            ("vpc_id", v),
            ("direction", v),
            ("protocol", "INTEGER"),
            ("from_port", "INTEGER"),
            ("to_port", "INTEGER"),
            ("peer_kind", v),
            ("peer", v),
            ("peer_account", v),
            ("description", v),
            ("resolvable", "BOOLEAN"),
        ],
        "rule_peers": [("rule_id", v), *rng],
        "interfaces": [
            ("interface_id", v),
            ("type", v),
            ("description", v),
            ("subnet_id", v),
            ("vpc_id", v),
            ("account_id", v),
            ("instance_id", v),
            ("requester_managed", "BOOLEAN"),
            ("status", v),
            ("group_ids", "VARCHAR[]"),
        ],
        "interface_groups": [("interface_id", v), ("group_id", v)],
        "addresses": [
            ("interface_id", v),
            ("address", v),
            ("kind", v),
            ("is_primary", "BOOLEAN"),
            *rng,
        ],
        "prefix_lists": [
            ("prefix_list_id", v),
            ("name", v),
            ("address_family", v),
            ("owner_id", v),
            ("max_entries", "INTEGER"),
            ("entries", "INTEGER"),
        ],
        "prefix_list_entries": [("prefix_list_id", v), ("cidr", v), ("description", v), *rng],
        "nacls": [
            ("acl_id", v),
            ("vpc_id", v),
            ("is_default", "BOOLEAN"),
            ("rule_number", "INTEGER"),
            ("egress", "BOOLEAN"),
            ("protocol", "INTEGER"),
            ("rule_action", v),
            ("cidr", v),
            *rng,
            ("from_port", "INTEGER"),
            ("to_port", "INTEGER"),
            ("icmp_type", "INTEGER"),
            ("icmp_code", "INTEGER"),
        ],
        "nacl_associations": [("acl_id", v), ("subnet_id", v)],
        "snapshot_files": [("source_file", v), ("key", v), ("items", "INTEGER"), ("error", v)],
    }
    for table, columns in expected.items():
        described = [(r[0], r[1]) for r in rows(con, f"DESCRIBE {table}")]
        assert described == columns, table


def test_sample_cross_account_reference_is_unresolvable(
    con: duckdb.DuckDBPyConnection, sample: SnapshotResult
) -> None:
    rule = rows(
        con,
        "SELECT group_name, peer_kind, peer, peer_account, resolvable FROM rules WHERE rule_id = ?",
        CROSS_ACCOUNT_RULE,
    )
    assert rule == [
        ("db-postgres", "security_group", "sg-08d6691ab78c5e1e6", "444455556666", False)
    ]
    assert peers(con, CROSS_ACCOUNT_RULE) == set()
    assert rows(con, "SELECT rule_id FROM rules WHERE NOT resolvable") == [(CROSS_ACCOUNT_RULE,)]
    # every other rule has at least one peer range, except the default group's self reference
    # (the group is in the snapshot but attached to no interface)
    empty = rows(
        con,
        "SELECT rule_id FROM rules WHERE rule_id NOT IN (SELECT rule_id FROM rule_peers) "
        "ORDER BY rule_id",
    )
    assert empty == [(CROSS_ACCOUNT_RULE,), ("sgr-03e61527a2252d98e",)]


def test_sample_group_references_expand_to_member_addresses(
    con: duckdb.DuckDBPyConnection, sample: SnapshotResult
) -> None:
    """Computed here from the raw JSON: every private address of every interface carrying the
    referenced group (secondary IPs and IPv6 included, public IPs never)."""
    interfaces = json.loads((SAMPLE / "describe-network-interfaces.json").read_text())
    members: dict[str, set[Range]] = {}
    for ni in interfaces["NetworkInterfaces"]:
        addrs = {expected_range(a["PrivateIpAddress"]) for a in ni["PrivateIpAddresses"]}
        addrs |= {expected_range(a["Ipv6Address"]) for a in ni["Ipv6Addresses"]}
        for g in ni["Groups"]:
            members.setdefault(g["GroupId"], set()).update(addrs)
    refs = rows(con, "SELECT rule_id, peer FROM rules WHERE peer_kind = 'security_group'")
    assert len(refs) == 13
    for rule_id, peer in refs:
        assert peers(con, rule_id) == members.get(peer, set()), rule_id
    # db ingress from app-tier: app-1 (primary and secondary) and app-2
    app_tier = {expected_range(a) for a in ("198.51.100.101", "198.51.100.117", "198.51.100.108")}
    assert peers(con, "sgr-07c4bc85b3a4fa110") == app_tier
    # web-tier ingress from web-alb: both ALB nodes, IPv4 and IPv6
    assert len(peers(con, "sgr-0d221709f81f1fd78")) == 4


def test_sample_ranges_agree_with_ipaddress(
    con: duckdb.DuckDBPyConnection, sample: SnapshotResult
) -> None:
    for rule_id, cidr in rows(con, "SELECT rule_id, peer FROM rules WHERE peer_kind LIKE 'cidr%'"):
        assert peers(con, rule_id) == {expected_range(cidr)}, rule_id
    for rule_id, list_id in rows(
        con, "SELECT rule_id, peer FROM rules WHERE peer_kind = 'prefix_list'"
    ):
        data = json.loads((SAMPLE / f"{list_id}.json").read_text())
        assert peers(con, rule_id) == {expected_range(e["Cidr"]) for e in data["Entries"]}
    for table, column in (
        ("addresses", "address"),
        ("prefix_list_entries", "cidr"),
        ("nacls", "cidr"),
    ):
        got = rows(
            con, f"SELECT {column}, family, first_hi, first_lo, last_hi, last_lo FROM {table}"
        )
        assert got
        for text, *rng in got:
            assert tuple(rng) == expected_range(text), (table, text)
    # the known edges: 0.0.0.0/0 and ::/0
    assert expected_range("0.0.0.0/0") in peers(con, "sgr-0e4b3ce6ac4296f97")
    assert peers(con, "sgr-03f11977dd47cfa4f") == {(6, -(2**63), -(2**63), 2**63 - 1, 2**63 - 1)}
    assert expected_range("0.0.0.0/0") == (
        4,
        -(2**63),
        -(2**63) + 0xFFFF_0000_0000,
        -(2**63),
        -(2**63) + 0xFFFF_FFFF_FFFF,
    )


def test_sample_interfaces(con: duckdb.DuckDBPyConnection, sample: SnapshotResult) -> None:
    app1 = rows(
        con,
        "SELECT type, instance_id, requester_managed, status, group_ids FROM interfaces "
        "WHERE interface_id = 'eni-0407936e8cb8deeec'",
    )
    assert app1 == [
        (
            "interface",
            "i-04bf9b13e4cc83194",
            False,
            "in-use",
            ["sg-0903ccdd08bb482d4", "sg-09b9e5cf8b4aa01cc"],
        ),
    ]
    nat = rows(
        con,
        "SELECT type, instance_id, requester_managed, group_ids FROM interfaces "
        "WHERE interface_id = 'eni-0ea46ac3acff9953b'",
    )
    assert nat == [("nat_gateway", None, True, [])]
    spare = rows(
        con,
        "SELECT status, instance_id FROM interfaces WHERE interface_id = 'eni-060ecc667166dc49a'",
    )
    assert spare == [("available", None)]
    addresses = rows(
        con,
        "SELECT address, kind, is_primary FROM addresses "
        "WHERE interface_id = 'eni-0407936e8cb8deeec' ORDER BY address",
    )
    assert addresses == [("198.51.100.101", "ipv4", True), ("198.51.100.117", "ipv4", False)]
    attached = rows(con, "SELECT count(*) FROM interface_groups")
    assert attached == rows(con, "SELECT sum(len(group_ids)) FROM interfaces")
    assert rows(con, "SELECT count(*) FROM nacl_associations") == [(6,)]


def test_sample_rules_from_ip_permissions_match_the_rule_file(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """describe-security-groups alone gives the same 31 rules (one per permission x peer) as
    describe-security-group-rules, under deterministic ids."""
    columns = (
        "group_id, group_name, direction, protocol, from_port, to_port, peer_kind, peer, "
        "peer_account, description, resolvable"
    )
    load_snapshot(con, SAMPLE)
    from_rule_file = rows(con, f"SELECT {columns} FROM rules")
    result = load_snapshot(con, SAMPLE / "describe-security-groups.json")
    assert result.rules_source == "IpPermissions" and result.rules == 31
    from_groups = rows(con, f"SELECT {columns} FROM rules")

    def normalised(r: tuple[Any, ...]) -> tuple[Any, ...]:
        # describe-security-group-rules gives -1/-1 for protocol -1; the group JSON has no ports
        # and, without prefix-list entries in this load, prefix lists are unresolvable
        ports = (-1, -1) if r[3] == -1 else (r[4], r[5])
        return (*r[:4], *ports, *r[6:10])

    assert sorted(map(normalised, from_groups)) == sorted(map(normalised, from_rule_file))
    ids = [r[0] for r in rows(con, "SELECT rule_id FROM rules")]
    assert "sg-0e87bc61d7823bd3e:ingress:6:443-443:0.0.0.0/0" in ids
    assert "sg-0e87bc61d7823bd3e:ingress:6:443-443:::/0" in ids
    assert "sg-052bfb3a50b3eb9b1:egress:-1:*-*:0.0.0.0/0" in ids
    assert "sg-07d9f55a79bc1500c:ingress:1:8--1:192.0.2.0/28" in ids


# --- rules from IpPermissions -------------------------------------------------------------------


def test_ip_permissions_expand_per_peer_with_deterministic_ids(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    permission = {
        "IpProtocol": "tcp",
        "FromPort": 443,
        "ToPort": 443,
        "IpRanges": [
            {"CidrIp": "10.0.0.0/16", "Description": "vpc"},
            {"CidrIp": "192.0.2.7/24"},  # not canonical: kept as given, read non-strictly
        ],
        "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/32"}],
        "PrefixListIds": [{"PrefixListId": "pl-0abc", "Description": "office"}],
        "UserIdGroupPairs": [
            {"GroupId": "sg-2", "UserId": "111122223333"},
            {"GroupId": "sg-9", "UserId": "444455556666", "VpcPeeringConnectionId": "pcx-1"},
        ],
    }
    everything = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    write(
        tmp_path,
        "groups.json",
        {
            "SecurityGroups": [
                group("sg-1", "web", IpPermissions=[permission], IpPermissionsEgress=[everything]),
                group("sg-2", "app"),
            ]
        },
    )
    result = load_snapshot(con, tmp_path)
    assert result.rules_source == "IpPermissions" and result.rules == 7 and result.problems == ()
    got = lines(
        con,
        "SELECT rule_id, group_name, direction, protocol, from_port, to_port, peer_kind, peer, "
        "peer_account, description, resolvable FROM rules",
    )
    assert got == [
        "sg-1:ingress:6:443-443:10.0.0.0/16 | web | ingress | 6 | 443 | 443 | cidr4 | "
        "10.0.0.0/16 | None | vpc | True",
        "sg-1:ingress:6:443-443:192.0.2.7/24 | web | ingress | 6 | 443 | 443 | cidr4 | "
        "192.0.2.7/24 | None | None | True",
        "sg-1:ingress:6:443-443:2001:db8::/32 | web | ingress | 6 | 443 | 443 | cidr6 | "
        "2001:db8::/32 | None | None | True",
        "sg-1:ingress:6:443-443:pl-0abc | web | ingress | 6 | 443 | 443 | prefix_list | "
        "pl-0abc | None | office | False",
        "sg-1:ingress:6:443-443:sg-2 | web | ingress | 6 | 443 | 443 | security_group | "
        "sg-2 | 111122223333 | None | True",
        "sg-1:ingress:6:443-443:sg-9 | web | ingress | 6 | 443 | 443 | security_group | "
        "sg-9 | 444455556666 | None | False",
        "sg-1:egress:-1:*-*:0.0.0.0/0 | web | egress | -1 | None | None | cidr4 | "
        "0.0.0.0/0 | None | None | True",
    ]
    assert peers(con, "sg-1:ingress:6:443-443:192.0.2.7/24") == {expected_range("192.0.2.0/24")}
    # a second load of the same files gives the same ids
    load_snapshot(con, tmp_path)
    assert [r[0] for r in rows(con, "SELECT rule_id FROM rules")] == [
        g.split(" | ")[0] for g in got
    ]


def test_aws_cli_examples(con: duckdb.DuckDBPyConnection) -> None:
    """The AWS CLI reference's describe-security-groups example: a -1 permission without
    FromPort/ToPort and without an Ipv6Ranges key, referencing its own group; and its
    describe-network-interfaces example, whose public IP is not an address of the interface."""
    result = load_snapshot(con, DATA / "cli-examples")
    assert result.rules_source == "IpPermissions"
    assert (result.groups, result.rules, result.interfaces, result.addresses) == (1, 3, 1, 1)
    assert result.problems == ()
    assert [Path(p).name for p, _ in result.skipped] == ["README.md"]
    assert rows(con, "SELECT name_tag FROM security_groups") == [("SG1",)]
    assert lines(
        con, "SELECT rule_id, from_port, to_port, peer_account, resolvable FROM rules"
    ) == [
        "sg-903004f8:ingress:-1:*-*:sg-903004f8 | None | None | 123456789012 | True",
        "sg-903004f8:ingress:6:22-22:203.0.113.0/24 | 22 | 22 | None | True",
        "sg-903004f8:egress:-1:*-*:0.0.0.0/0 | None | None | None | True",
    ]
    assert peers(con, "sg-903004f8:ingress:-1:*-*:sg-903004f8") == {expected_range("10.0.1.17")}
    assert lines(con, "SELECT * EXCLUDE (group_ids) FROM interfaces") == [
        "eni-e5aa89a3 | None | my network interface | subnet-b61f49f0 | vpc-a01106c2 | "
        "123456789012 | i-1234567890abcdef0 | False | in-use"
    ]


# --- protocols ----------------------------------------------------------------------------------

PROTOCOLS = [
    ("tcp", 6),
    ("TCP", 6),
    ("6", 6),
    ("udp", 17),
    ("17", 17),
    ("icmp", 1),
    ("1", 1),
    ("icmpv6", 58),
    ("ICMPv6", 58),
    ("58", 58),
    ("-1", -1),
    ("all", -1),
    ("ALL", -1),
    ("47", 47),
    (50, 50),
    (-1, -1),
]
BAD_PROTOCOLS = ["foo", "256", "-2", "", "icmp6", True]


def test_protocol_names_and_numbers(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    good = [sg_rule(f"sgr-{i}", IpProtocol=p) for i, (p, _) in enumerate(PROTOCOLS)]
    bad = [sg_rule(f"sgr-bad{i}", IpProtocol=p) for i, p in enumerate(BAD_PROTOCOLS)]
    write(tmp_path, "groups.json", {"SecurityGroups": [group("sg-1")]})
    rule_file = write(tmp_path, "rules.json", {"SecurityGroupRules": good + bad})
    result = load_snapshot(con, tmp_path)
    assert result.rules == len(PROTOCOLS)
    got = dict(rows(con, "SELECT rule_id, protocol FROM rules"))
    assert got == {f"sgr-{i}": n for i, (_, n) in enumerate(PROTOCOLS)}
    assert len(result.problems) == len(BAD_PROTOCOLS)
    assert all(path == str(rule_file) for path, _ in result.problems)
    assert any("unknown protocol 'foo'" in msg for _, msg in result.problems)
    assert any("no protocol" in msg for _, msg in result.problems)
    error = rows(con, "SELECT items, error FROM snapshot_files WHERE key = 'SecurityGroupRules'")
    assert error[0][0] == len(PROTOCOLS) + len(BAD_PROTOCOLS)
    assert "sgr-bad0: unknown protocol 'foo'" in error[0][1]


def test_minus_one_rules_keep_ports_as_given(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    write(tmp_path, "groups.json", {"SecurityGroups": [group("sg-1")]})
    write(
        tmp_path,
        "rules.json",
        {
            "SecurityGroupRules": [
                sg_rule("sgr-a", IpProtocol="-1", FromPort=-1, ToPort=-1),
                {k: v for k, v in sg_rule("sgr-b", IpProtocol="-1").items() if "Port" not in k},
                sg_rule(
                    "sgr-c",
                    IpProtocol="icmpv6",
                    FromPort=-1,
                    ToPort=-1,
                    CidrIpv4=None,
                    CidrIpv6="::/0",
                ),
            ]
        },
    )
    load_snapshot(con, tmp_path)
    assert rows(con, "SELECT rule_id, protocol, from_port, to_port, peer_kind FROM rules") == [
        ("sgr-a", -1, -1, -1, "cidr4"),
        ("sgr-b", -1, None, None, "cidr4"),
        ("sgr-c", 58, -1, -1, "cidr6"),
    ]


# --- merging, absent and empty keys, skipped files ----------------------------------------------


def test_duplicates_across_files_count_once_first_wins(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    write(tmp_path, "a/page1.json", {"SecurityGroups": [group("sg-1", "first"), group("sg-2")]})
    write(tmp_path, "b/page2.json", {"SecurityGroups": [group("sg-1", "second"), group("sg-3")]})
    write(tmp_path, "b/rules1.json", {"SecurityGroupRules": [sg_rule("sgr-1"), sg_rule("sgr-2")]})
    write(tmp_path, "c/rules2.json", {"SecurityGroupRules": [sg_rule("sgr-2", FromPort=80)]})
    write(tmp_path, "c/enis.json", {"NetworkInterfaces": [eni("eni-1", "10.0.0.5", "sg-1")]})
    write(tmp_path, "d/enis.json", {"NetworkInterfaces": [eni("eni-1", "10.0.0.6", "sg-2")]})
    result = load_snapshot(con, tmp_path)
    assert (result.groups, result.rules, result.interfaces, result.addresses) == (3, 2, 1, 1)
    assert rows(con, "SELECT group_name FROM security_groups WHERE group_id = 'sg-1'") == [
        ("first",)
    ]
    assert rows(con, "SELECT from_port FROM rules WHERE rule_id = 'sgr-2'") == [(22,)]
    assert rows(con, "SELECT address FROM addresses") == [("10.0.0.5",)]
    assert rows(con, "SELECT group_ids FROM interfaces") == [(["sg-1"],)]


@pytest.mark.parametrize("empty", ["absent", [], {}, None])
def test_absent_and_empty_keys_and_members(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, empty: Any
) -> None:
    def member(**values: Any) -> dict[str, Any]:
        return {k: v for k, v in values.items() if not (isinstance(v, str) and v == "absent")}

    write(
        tmp_path,
        "groups.json",
        {
            "SecurityGroups": [
                member(GroupId="sg-1", IpPermissions=empty, IpPermissionsEgress=empty, Tags=empty),
                member(
                    GroupId="sg-2",
                    IpPermissions=[
                        member(
                            IpProtocol="tcp",
                            FromPort=22,
                            ToPort=22,
                            IpRanges=[{"CidrIp": "10.0.0.0/8"}],
                            Ipv6Ranges=empty,
                            PrefixListIds=empty,
                            UserIdGroupPairs=empty,
                        )
                    ],
                ),
            ]
        },
    )
    write(
        tmp_path,
        "enis.json",
        {
            "NetworkInterfaces": [
                member(
                    NetworkInterfaceId="eni-1",
                    Groups=empty,
                    PrivateIpAddresses=empty,
                    Ipv4Prefixes=empty,
                    Ipv6Addresses=empty,
                    Ipv6Prefixes=empty,
                    Attachment=empty,
                    TagSet=empty,
                ),
            ]
        },
    )
    write(
        tmp_path,
        "acls.json",
        {
            "NetworkAcls": [
                member(NetworkAclId="acl-1", Entries=empty, Associations=empty, Tags=empty),
            ]
        },
    )
    write(tmp_path, "lists.json", member(PrefixLists=empty, NextToken="absent"))
    write(tmp_path, "rules.json", member(SecurityGroupRules=empty, Other=1))
    result = load_snapshot(con, tmp_path)
    assert result.problems == ()
    if empty == "absent":  # these two files have none of the known keys
        assert [Path(path).name for path, _ in result.skipped] == [
            "lists.json",
            "rules.json",
        ]
    else:
        assert result.skipped == ()
    assert (result.groups, result.rules, result.interfaces) == (2, 1, 1)
    # an ACL without entries is read as the `*` entries AWS lists (two per direction)
    assert (result.addresses, result.prefix_lists, result.nacl_entries) == (0, 0, 4)
    # an empty SecurityGroupRules key does not count as the rule source
    assert result.rules_source == "IpPermissions"
    assert rows(
        con, "SELECT group_name, name_tag FROM security_groups WHERE group_id = 'sg-1'"
    ) == [(None, None)]
    assert rows(con, "SELECT type, instance_id, group_ids FROM interfaces") == [(None, None, [])]


def test_other_files_are_reported_and_skipped(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    write(tmp_path, "groups.json", {"SecurityGroups": [group("sg-1")]})
    notes = write(tmp_path, "notes.txt", "not json at all\n")
    broken = write(tmp_path, "broken.json", '{"SecurityGroups": [{"GroupId": "sg-2",}]}')
    other = write(tmp_path, "sub/instances.json", {"Reservations": []})
    listing = write(tmp_path, "sub/list.json", [1, 2, 3])
    write(tmp_path, ".hidden.json", "garbage")
    result = load_snapshot(con, tmp_path)
    assert result.groups == 1
    reasons = dict(result.skipped)
    assert set(reasons) == {str(notes), str(broken), str(other), str(listing)}
    assert reasons[str(notes)] == "not valid JSON"
    assert reasons[str(broken)].startswith("not valid JSON: ")
    assert reasons[str(other)].startswith("no known top-level key")
    assert reasons[str(listing)].startswith("no known top-level key")
    recorded = rows(
        con, "SELECT source_file, key, items, error FROM snapshot_files WHERE key IS NULL"
    )
    assert {(r[0], r[3]) for r in recorded} == set(result.skipped)
    assert all(r[2] == 0 for r in recorded)
    assert rows(con, "SELECT count(*) FROM snapshot_files") == [(5,)]


def test_no_security_groups_is_an_error(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    write(tmp_path, "enis.json", {"NetworkInterfaces": [eni("eni-1", "10.0.0.5", "sg-1")]})
    write(tmp_path, "notes.txt", "hello")
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(con, tmp_path)
    assert caught.value.exit_code == 4
    assert "no security groups" in caught.value.message
    assert "describe-security-groups" in caught.value.hint
    write(tmp_path, "groups.json", {"SecurityGroups": []})
    with pytest.raises(SnapshotError):
        load_snapshot(con, tmp_path)
    # a failed load leaves the database as it was
    assert rows(con, "SELECT count(*) FROM information_schema.tables") == [(0,)]


def test_missing_path_is_an_input_error(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_snapshot(con, tmp_path / "nowhere")


def test_a_new_load_replaces_the_tables(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    load_snapshot(con, SAMPLE)
    write(tmp_path, "groups.json", {"SecurityGroups": [group("sg-1")]})
    result = load_snapshot(con, tmp_path)
    assert (result.groups, result.rules, result.interfaces, result.nacl_entries) == (1, 0, 0, 0)
    for table in ("rules", "rule_peers", "interfaces", "addresses", "nacls", "prefix_lists"):
        assert rows(con, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert rows(con, "SELECT count(*) FROM snapshot_files") == [(1,)]


# --- bad items ----------------------------------------------------------------------------------


def test_invalid_items_are_skipped_and_reported(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    write(tmp_path, "groups.json", {"SecurityGroups": [group("sg-1"), {"GroupName": "no id"}, 7]})
    rules_file = write(
        tmp_path,
        "rules.json",
        {
            "SecurityGroupRules": [
                sg_rule("sgr-ok"),
                sg_rule("sgr-cidr", CidrIpv4="10.0.0.300/8"),
                sg_rule("sgr-family", CidrIpv4="2001:db8::/32"),
                sg_rule("sgr-nopeer", CidrIpv4=None),
                sg_rule("sgr-two", CidrIpv6="::/0"),
                sg_rule("sgr-port", FromPort="http"),
                sg_rule("sgr-dir", IsEgress=None),
            ]
        },
    )
    write(
        tmp_path,
        "enis.json",
        {
            "NetworkInterfaces": [
                eni("eni-1", "10.0.0.5", "sg-1", Ipv6Addresses=[{"Ipv6Address": "not-an-ip"}]),
            ]
        },
    )
    result = load_snapshot(con, tmp_path)
    assert (result.groups, result.rules, result.interfaces, result.addresses) == (1, 1, 1, 1)
    messages = [m for p, m in result.problems if p == str(rules_file)]
    assert len(messages) == 6
    for rule_id, text in [
        ("sgr-cidr", "CidrIpv4 is not a CIDR: '10.0.0.300/8'"),
        ("sgr-family", "CidrIpv4 is not an IPv4 CIDR"),
        ("sgr-nopeer", "no peer"),
        ("sgr-two", "more than one peer: CidrIpv4, CidrIpv6"),
        ("sgr-port", "FromPort is not an integer: 'http'"),
        ("sgr-dir", "no IsEgress"),
    ]:
        assert any(rule_id in m and text in m for m in messages), rule_id
    group_errors = rows(con, "SELECT error FROM snapshot_files WHERE key = 'SecurityGroups'")[0][0]
    assert "SecurityGroups[1]: no GroupId" in group_errors
    assert "SecurityGroups[2]: not an object" in group_errors
    eni_errors = rows(con, "SELECT error FROM snapshot_files WHERE key = 'NetworkInterfaces'")[0][0]
    assert "eni-1: Ipv6Address is not an IP address: 'not-an-ip'" in eni_errors


def test_invalid_peers_of_a_permission_skip_only_that_peer(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    write(
        tmp_path,
        "groups.json",
        {
            "SecurityGroups": [
                group(
                    "sg-1",
                    IpPermissions=[
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 22,
                            "ToPort": 22,
                            "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "bogus"}],
                            "UserIdGroupPairs": [{"GroupName": "by-name-only"}],
                        },
                        {"IpProtocol": "gre?", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
                    ],
                )
            ]
        },
    )
    result = load_snapshot(con, tmp_path)
    assert rows(con, "SELECT rule_id FROM rules") == [("sg-1:ingress:6:22-22:10.0.0.0/8",)]
    messages = [m for _, m in result.problems]
    assert len(messages) == 3
    assert any("IpRanges[1]: CidrIp is not a CIDR: 'bogus'" in m for m in messages)
    assert any("UserIdGroupPairs[0]: no GroupId" in m for m in messages)
    assert any("sg-1 IpPermissions[1]: unknown protocol 'gre?'" in m for m in messages)


# --- prefix lists -------------------------------------------------------------------------------


def test_entries_take_the_list_id_from_the_file_name(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    write(tmp_path, "groups.json", {"SecurityGroups": [group("sg-1")]})
    write(
        tmp_path,
        "rules.json",
        {
            "SecurityGroupRules": [
                sg_rule("sgr-pl", CidrIpv4=None, PrefixListId="pl-0abc123"),
            ]
        },
    )
    write(
        tmp_path,
        "pl-0abc123-page1.json",
        {
            "Entries": [
                {"Cidr": "192.0.2.0/28", "Description": "HQ"},
                {"Cidr": "192.0.2.16/29"},
            ]
        },
    )
    write(
        tmp_path,
        "more/pl-0abc123-page2.json",
        {
            "Entries": [
                {"Cidr": "192.0.2.16/29"},
                {"Cidr": "198.51.100.0/24"},
            ]
        },
    )
    unnamed = write(tmp_path, "entries.json", {"Entries": [{"Cidr": "10.0.0.0/8"}]})
    result = load_snapshot(con, tmp_path)
    assert result.prefix_lists == 1 and result.prefix_list_entries == 3
    # not in PrefixLists, but it has entries: it gets a row
    assert rows(con, "SELECT * FROM prefix_lists") == [("pl-0abc123", None, None, None, None, 3)]
    assert rows(con, "SELECT resolvable FROM rules") == [(True,)]
    cidrs = ("192.0.2.0/28", "192.0.2.16/29", "198.51.100.0/24")
    assert peers(con, "sgr-pl") == {expected_range(c) for c in cidrs}
    assert rows(con, "SELECT description FROM prefix_list_entries WHERE cidr = '192.0.2.0/28'") == [
        ("HQ",)
    ]
    assert [p for p, _ in result.problems] == [str(unnamed)]
    assert "does not start with a prefix-list id" in result.problems[0][1]
    assert rows(
        con, "SELECT key, items FROM snapshot_files WHERE source_file = ?", str(unnamed)
    ) == [("Entries", 1)]


def test_prefix_list_without_entries_is_unresolvable(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    write(tmp_path, "groups.json", {"SecurityGroups": [group("sg-1")]})
    write(
        tmp_path,
        "lists.json",
        {
            "PrefixLists": [
                {
                    "PrefixListId": "pl-0aaa",
                    "PrefixListName": "no-file",
                    "AddressFamily": "IPv4",
                    "MaxEntries": 10,
                    "OwnerId": "111122223333",
                },
                {
                    "PrefixListId": "pl-0bbb",
                    "PrefixListName": "empty-file",
                    "AddressFamily": "IPv6",
                },
            ]
        },
    )
    write(tmp_path, "pl-0bbb.json", {"Entries": []})
    write(
        tmp_path,
        "rules.json",
        {
            "SecurityGroupRules": [
                sg_rule("sgr-a", CidrIpv4=None, PrefixListId="pl-0aaa"),
                sg_rule("sgr-b", CidrIpv4=None, PrefixListId="pl-0bbb"),
                sg_rule("sgr-c", CidrIpv4=None, PrefixListId="pl-0ccc"),
            ]
        },
    )
    result = load_snapshot(con, tmp_path)
    assert result.problems == ()
    assert rows(
        con, "SELECT prefix_list_id, name, address_family, max_entries, entries FROM prefix_lists"
    ) == [
        ("pl-0aaa", "no-file", "IPv4", 10, 0),
        ("pl-0bbb", "empty-file", "IPv6", None, 0),
    ]
    assert rows(con, "SELECT rule_id, resolvable FROM rules") == [
        ("sgr-a", False),
        ("sgr-b", False),
        ("sgr-c", False),
    ]
    assert rows(con, "SELECT count(*) FROM rule_peers") == [(0,)]


# --- network ACLs -------------------------------------------------------------------------------


def test_nacl_entries(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    """PortRange with ports, {} and absent; IcmpTypeCode; IPv6 CIDRs; two bad entries; the same
    ACL twice (the first wins)."""
    write(tmp_path, "groups.json", {"SecurityGroups": [group("sg-1")]})
    acls = (DATA / "nacls" / "describe-network-acls.json").read_text()
    write(tmp_path, "acls.json", acls)
    result = load_snapshot(con, tmp_path)
    assert result.nacl_entries == 4
    got = lines(
        con,
        "SELECT acl_id, vpc_id, is_default, rule_number, egress, protocol, rule_action, cidr, "
        "family, from_port, to_port, icmp_type, icmp_code FROM nacls",
    )
    assert got == [
        "acl-1 | vpc-1 | False | 20 | False | 6 | deny | 172.16.200.0/24 | 4 | 22 | 22 | None | "
        "None",
        "acl-1 | vpc-1 | False | 101 | True | -1 | allow | 2001:db8:1234:1a00::/56 | 6 | None | "
        "None | None | None",
        "acl-1 | vpc-1 | False | 30 | False | 1 | allow | 0.0.0.0/0 | 4 | None | None | -1 | -1",
        "acl-1 | vpc-1 | False | 32768 | False | -1 | deny | ::/0 | 6 | None | None | None | None",
    ]
    ranges = rows(con, "SELECT cidr, family, first_hi, first_lo, last_hi, last_lo FROM nacls")
    for cidr, *rng in ranges:
        assert tuple(rng) == expected_range(cidr)
    assert rows(con, "SELECT * FROM nacl_associations") == [
        ("acl-1", "subnet-a"),
        ("acl-1", "subnet-b"),
    ]
    messages = [m for _, m in result.problems]
    assert any("acl-1 Entries[3]: CidrBlock or Ipv6CidrBlock is not a CIDR" in m for m in messages)
    assert any("acl-1 Entries[4]: unknown RuleAction 'maybe'" in m for m in messages)


# --- interfaces and addresses -------------------------------------------------------------------


def test_addresses_of_every_kind(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    write(tmp_path, "groups.json", {"SecurityGroups": [group("sg-1"), group("sg-2")]})
    write(
        tmp_path,
        "rules.json",
        {
            "SecurityGroupRules": [
                sg_rule(
                    "sgr-ref",
                    CidrIpv4=None,
                    ReferencedGroupInfo={"GroupId": "sg-1", "UserId": "111122223333"},
                ),
            ]
        },
    )
    write(
        tmp_path,
        "enis.json",
        {
            "NetworkInterfaces": [
                eni(
                    "eni-1",
                    "10.0.1.17",
                    "sg-1",
                    "sg-2",
                    Association={"PublicIp": "203.0.113.12", "IpOwnerId": "amazon"},
                    PrivateIpAddresses=[
                        {
                            "Primary": True,
                            "PrivateIpAddress": "10.0.1.17",
                            "Association": {"PublicIp": "203.0.113.12"},
                        },
                        {"Primary": False, "PrivateIpAddress": "10.0.1.18"},
                    ],
                    Ipv4Prefixes=[{"Ipv4Prefix": "10.0.1.32/28"}],
                    Ipv6Addresses=[
                        {"Ipv6Address": "2001:db8:1::17", "IsPrimaryIpv6": True},
                        {"Ipv6Address": "2001:DB8:1:0::18"},
                    ],
                    Ipv6Prefixes=[{"Ipv6Prefix": "2001:db8:1:0:1::/80"}],
                    Attachment={"InstanceId": "i-1", "Status": "attached"},
                    RequesterManaged=False,
                    Status="in-use",
                ),
                # another VPC, same group: still a member (no VPC filter)
                eni("eni-2", "172.31.0.9", "sg-1", VpcId="vpc-2", InterfaceType="lambda"),
            ]
        },
    )
    result = load_snapshot(con, tmp_path)
    assert result.problems == ()
    got = rows(
        con,
        "SELECT interface_id, address, kind, is_primary FROM addresses "
        "ORDER BY interface_id, kind, address",
    )
    assert got == [
        ("eni-1", "10.0.1.17", "ipv4", True),
        ("eni-1", "10.0.1.18", "ipv4", False),
        ("eni-1", "10.0.1.32/28", "ipv4_prefix", False),
        ("eni-1", "2001:db8:1::17", "ipv6", False),
        ("eni-1", "2001:db8:1::18", "ipv6", False),
        ("eni-1", "2001:db8:1:0:1::/80", "ipv6_prefix", False),
        ("eni-2", "172.31.0.9", "ipv4", True),
    ]
    for text, *rng in rows(
        con, "SELECT address, family, first_hi, first_lo, last_hi, last_lo FROM addresses"
    ):
        assert tuple(rng) == expected_range(text)
    assert rows(
        con,
        "SELECT interface_id, instance_id, requester_managed, status, group_ids "
        "FROM interfaces ORDER BY 1",
    ) == [
        ("eni-1", "i-1", False, "in-use", ["sg-1", "sg-2"]),
        ("eni-2", None, None, None, ["sg-1"]),
    ]
    assert rows(con, "SELECT * FROM interface_groups ORDER BY ALL") == [
        ("eni-1", "sg-1"),
        ("eni-1", "sg-2"),
        ("eni-2", "sg-1"),
    ]
    assert rows(con, "SELECT peer, peer_account, resolvable FROM rules") == [
        ("sg-1", "111122223333", True)
    ]
    assert peers(con, "sgr-ref") == {
        expected_range(a)
        for a in (
            "10.0.1.17",
            "10.0.1.18",
            "10.0.1.32/28",
            "2001:db8:1::17",
            "2001:db8:1::18",
            "2001:db8:1:0:1::/80",
            "172.31.0.9",
        )
    }


def test_a_single_file_is_accepted(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = write(tmp_path, "whatever-name.out", {"SecurityGroups": [group("sg-1")]})
    write(tmp_path, "ignored.json", {"SecurityGroups": [group("sg-2")]})
    result = load_snapshot(con, str(path))
    assert result.groups == 1
    assert rows(con, "SELECT source_file FROM snapshot_files") == [(str(path),)]


def test_region_subfolders_and_the_manifest_of_flowsg_snapshot(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """`flowsg snapshot`'s layout: one folder per region, a manifest.json at the top that is
    recognised (its time kept, not reported as skipped)."""
    for region, group in (("us-east-1", "sg-0a"), ("eu-west-1", "sg-0b")):
        (tmp_path / region).mkdir()
        (tmp_path / region / "describe-security-groups.json").write_text(
            json.dumps({"SecurityGroups": [{"GroupId": group, "VpcId": "vpc-1"}]})
        )
    (tmp_path / "manifest.json").write_text(
        json.dumps({"account_id": "123456789012", "taken_at": "2026-11-02T09:00:00Z"})
    )
    result = load_snapshot(con, tmp_path)
    assert result.groups == 2 and result.skipped == () and result.problems == ()
    assert result.taken_at == (datetime(2026, 11, 2, 9, tzinfo=UTC),)
    assert rows(con, "SELECT key FROM snapshot_files ORDER BY key") == [
        ("SecurityGroups",),
        ("SecurityGroups",),
        ("manifest",),
    ]


def test_snapshot_time_warning() -> None:
    taken = (datetime(2026, 11, 2, 9, tzinfo=UTC),)
    first, last = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 1, 12, tzinfo=UTC)
    assert snapshot_time_warning(taken, first, last) is None  # 21 hours after: within 24 h
    warning = snapshot_time_warning(taken, first - timedelta(days=5), last - timedelta(days=5))
    assert warning is not None and "5.9 days after the last record" in warning
    warning = snapshot_time_warning(taken, first + timedelta(days=3), last + timedelta(days=3))
    assert warning is not None and "39 hours before the first record" in warning
    assert snapshot_time_warning((), first, last) is None
    assert snapshot_time_warning(taken, None, None) is None
