"""Network ACLs, evaluated as AWS does: stateless, per subnet, each direction on its own.

The ACL of a subnet is the one associated with it in the snapshot (``nacl_associations``), else
the default ACL (``is_default``) of its VPC. A packet entering the subnet (a record in direction
``ingress``) is judged by the inbound entries, one leaving it (``egress``) by the outbound ones;
an entry's CIDR is matched against the remote address, IPv4 entries only for IPv4 addresses and
IPv6 entries only for IPv6. Entries are taken in rule-number order and the first match wins; when
none matches, the final ``*`` rule denies (32767 for IPv4, 32768 for IPv6, whether or not the
snapshot lists it; written ``rule 32767 (*)``). An entry matches when its protocol is -1 or the
packet's; TCP and UDP entries also need the destination port inside their port range (no
``PortRange``, -1 or 0-65535: every port; a packet without a port matches only such entries); any
other entry, ICMP entries with a type and code included, matches on the protocol alone, because
flow logs carry no ICMP type or code.

Attribution runs this set-based over the distinct keys of the records
(``queries/nacl/key_nacl.sql``, a step of :data:`flowsg.verdict.STEPS`); :func:`nacl_decision`
and :func:`nacl_decisions` answer one packet with the same semantics
(``queries/nacl/decision_range.sql``), for ``flowsg explain``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import duckdb

from . import sql
from .errors import UsageError

DIRECTIONS = ("ingress", "egress")

EPHEMERAL_PORTS = (1024, 65535)
"""The client ports the return path of a TCP or UDP connection is checked on (the widest range
AWS documents: ELB, NAT gateway, Lambda; Linux uses 32768-60999, Windows 49152-65535)."""

PROTOCOL_NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}
_NAMES = {-1: "all", 1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}
_LOW_64 = 2**64 - 1
_FLIP = 2**63
_MAPPED_V4 = 0xFFFF << 32


@dataclass(frozen=True)
class Address:
    """An IP address in flowsg's numeric form (see the README, "Numeric address forms")."""

    text: str
    family: int
    hi: int
    lo: int

    @property
    def host_cidr(self) -> str:
        return f"{self.text}/{32 if self.family == 4 else 128}"


def parse_address(value: str) -> Address:
    """An IPv4 or IPv6 address as flowsg stores it: IPv4 as IPv4-mapped IPv6, each 64-bit half
    with its top bit flipped. The family follows the text (``::ffff:a.b.c.d`` is IPv6)."""
    try:
        addr = ipaddress.ip_address(value.strip())
    except ValueError:
        raise UsageError(f"not an IP address: {value!r}", "give an IPv4 or IPv6 address") from None
    if isinstance(addr, ipaddress.IPv6Address) and addr.scope_id is not None:
        raise UsageError(f"not an IP address: {value!r}", "leave out the zone id (%…)")
    number = int(addr) | (_MAPPED_V4 if addr.version == 4 else 0)
    return Address(str(addr), addr.version, (number >> 64) - _FLIP, (number & _LOW_64) - _FLIP)


def protocol_number(value: int | str | None) -> int:
    """A protocol as its IANA number: tcp, udp, icmp, icmpv6 (any case) or 0-255. None is tcp."""
    if value is None:
        return 6
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().lower() in PROTOCOL_NAMES:
        return PROTOCOL_NAMES[value.strip().lower()]
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        raise UsageError(f"unknown protocol {value!r}", "use tcp, udp, icmp, icmpv6 or 0-255")
    if not 0 <= number <= 255:
        raise UsageError(f"unknown protocol {value!r}", "use tcp, udp, icmp, icmpv6 or 0-255")
    return number


def protocol_name(protocol: int | None) -> str:
    """tcp, udp, icmp, icmpv6, all (-1), or the number as text."""
    if protocol is None:
        return "-"
    return _NAMES.get(protocol, str(protocol))


def describe_traffic(
    protocol: int | None,
    from_port: int | None,
    to_port: int | None,
    icmp_type: int | None = None,
    icmp_code: int | None = None,
) -> str:
    """What a rule or ACL entry covers, briefly: 'all traffic', 'tcp 443', 'udp 1024-65535',
    'tcp all ports', 'icmp', 'icmp type 8', 'icmp type 3 code 4', '47'."""
    if protocol == -1:
        return "all traffic"
    name = protocol_name(protocol)
    if protocol in (6, 17):
        if from_port is None or from_port == -1 or (from_port <= 0 and (to_port or 0) >= 65535):
            return f"{name} all ports"
        return f"{name} {from_port}" if from_port == to_port else f"{name} {from_port}-{to_port}"
    if protocol in (1, 58) and icmp_type is not None and icmp_type != -1:
        code = "" if icmp_code is None or icmp_code == -1 else f" code {icmp_code}"
        return f"{name} type {icmp_type}{code}"
    return name


def rule_label(rule_number: int) -> str:
    """'90', or '32767 (*)' for the final deny rule (32767 IPv4, 32768 IPv6)."""
    return f"{rule_number} (*)" if rule_number >= 32767 else str(rule_number)


@dataclass(frozen=True)
class NaclDecision:
    """The entry of a subnet's network ACL that decides a packet (first match, or the ``*``)."""

    acl_id: str
    rule_number: int
    rule_action: str
    """``allow`` or ``deny``."""
    description: str
    """The deciding entry in words, e.g. ``rule 90: deny all traffic from 192.0.2.66/32``."""
    egress: bool = False
    cidr: str | None = None
    """The entry's CIDR; None for the ``*`` rule when the snapshot does not list it."""
    protocol: int | None = None
    from_port: int | None = None
    to_port: int | None = None
    listed: bool = True
    """False when no entry of the snapshot matched and the implicit ``*`` rule decided."""
    associated: bool = True
    """True when the subnet is associated with the ACL, False for its VPC's default ACL."""
    is_default: bool | None = None
    ports: tuple[int, int] | None = None
    """For :func:`nacl_decisions`: the destination ports this decision covers."""

    @property
    def rule(self) -> str:
        """'90' or '32767 (*)'."""
        return rule_label(self.rule_number)

    @property
    def allows(self) -> bool:
        return self.rule_action == "allow"


def _direction(direction: str) -> bool:
    if direction not in DIRECTIONS:
        raise UsageError(f"unknown direction {direction!r}", "use ingress or egress")
    return direction == "egress"


def _describe(row: dict[str, Any], egress: bool) -> str:
    label = rule_label(int(row["rule_number"]))
    action = str(row["rule_action"])
    if not row["listed"]:
        return f"rule {label}: {action} (no entry matches)"
    what = describe_traffic(
        row["protocol"], row["from_port"], row["to_port"], row["icmp_type"], row["icmp_code"]
    )
    side = "to" if egress else "from"
    return f"rule {label}: {action} {what} {side} {row['cidr']}"


def _rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _decision(row: dict[str, Any], egress: bool, **extra: Any) -> NaclDecision:
    return NaclDecision(
        acl_id=str(row["acl_id"]),
        rule_number=int(row["rule_number"]),
        rule_action=str(row["rule_action"]),
        description=_describe(row, egress),
        egress=egress,
        cidr=row["cidr"],
        protocol=row["protocol"],
        from_port=row["from_port"],
        to_port=row["to_port"],
        listed=bool(row["listed"]),
        **extra,
    )


def nacl_decision(
    con: duckdb.DuckDBPyConnection,
    subnet_id: str,
    direction: str,
    protocol: int | str,
    port: int | None,
    address: str,
) -> NaclDecision | None:
    """How the network ACL of `subnet_id` treats one packet crossing the subnet boundary in
    `direction` (``ingress``: inbound entries, ``egress``: outbound ones) with `protocol`,
    destination `port` (None: a packet without a port) and remote `address` (the source of an
    inbound packet, the destination of an outbound one). None when the snapshot has no ACL for
    the subnet."""
    egress = _direction(direction)
    addr = parse_address(address)
    params = {
        "subnet_id": subnet_id,
        "egress": egress,
        "protocol": protocol_number(protocol),
        "port_lo": port,  # a one-port range: the same first-match query as nacl_decisions
        "port_hi": port,
        "family": addr.family,
        "hi": addr.hi,
        "lo": addr.lo,
    }
    rows = _rows(sql.run(con, "nacl/decision_range", params))
    if not rows:
        return None
    row = rows[0]
    return _decision(
        row,
        egress,
        associated=bool(row["associated"]),
        is_default=row["is_default"],
        ports=None if port is None else (port, port),
    )


def nacl_decisions(
    con: duckdb.DuckDBPyConnection,
    subnet_id: str,
    direction: str,
    protocol: int | str,
    ports: tuple[int, int],
    address: str,
) -> list[NaclDecision]:
    """Like :func:`nacl_decision` for every destination port in ``ports`` (inclusive) of a TCP or
    UDP packet: the decisions in port order, each with the sub-range it covers (adjacent pieces
    decided by the same entry merged). Empty when the snapshot has no ACL for the subnet."""
    egress = _direction(direction)
    addr = parse_address(address)
    number = protocol_number(protocol)
    lo, hi = ports
    if number not in (6, 17) or not 0 <= lo <= hi <= 65535:
        raise UsageError("a port range needs tcp or udp and 0 <= from <= to <= 65535")
    params = {
        "subnet_id": subnet_id,
        "egress": egress,
        "protocol": number,
        "port_lo": lo,
        "port_hi": hi,
        "family": addr.family,
        "hi": addr.hi,
        "lo": addr.lo,
    }
    out: list[NaclDecision] = []
    for row in _rows(sql.run(con, "nacl/decision_range", params)):
        piece = (int(row["seg_lo"]), int(row["seg_hi"]))
        if out and out[-1].rule_number == row["rule_number"] and out[-1].ports is not None:
            previous = out.pop()
            assert previous.ports is not None
            piece = (previous.ports[0], piece[1])
        out.append(
            _decision(
                row,
                egress,
                associated=bool(row["associated"]),
                is_default=row["is_default"],
                ports=piece,
            )
        )
    return out
