"""Cleanup: what every security-group rule did in the observed window (``flowsg report rules``).

:func:`report_rules` gives one row per rule with its usage, a **status**, the rules that cover a
redundant one, notes, and **tightening** advice from the traffic it actually allowed;
:func:`tightening` the rules with advice, worst first; :func:`group_evidence` what the logs say
about each group's interfaces (without logs, "unused" means nothing); :func:`egress_breakdown` the
traffic a rule allowed by remote-address class and port, the basis for replacing an all-traffic
egress rule. Every function returns a :class:`pyarrow.Table`; the SQL is in
``queries/report/rules_*.sql`` and ``rule_traffic.sql`` (the allowed records grouped once, which
the breakdowns by port, remote address and egress class read), filters are bound as parameters.

Statuses, the first that applies:

* ``unresolvable``: its peer cannot be resolved from the snapshot (a group of another account, a
  prefix list without entries); it never matches, so flowsg cannot tell whether it is used.
* ``no evidence``: no hits, and none of its group's interfaces appear in the logs (no record at
  all, NODATA and SKIPDATA included) — a group attached to no interface of the snapshot included:
  nothing logged says anything about it.
* ``unused``: no hits (``allowed`` records) in the window. A rule seen only on ``return`` records
  is unused too, with a note: a rule that carries nothing but replies permits nothing.
* ``redundant``: hits, but no sole hit: another rule allowed every flow it allowed.
  ``covered_by`` names the rules present in *every* one of its ``allowed`` records (each of them
  alone covers it); when no single rule is, it names every rule that co-allowed its records (they
  cover it together) and the note says so.
* ``used``: at least one flow it alone allowed.

Without a time or interface filter the usage is rule_usage, as ``flowsg analyze`` left it; with
one it is recomputed from ``flows.matched_rule_ids`` within the filter, with the same definitions.
"""

from __future__ import annotations

import contextlib
import ipaddress
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from .. import sql
from ..db import require_analysis
from ..errors import UsageError
from .filters import Time, check_known, to_seconds

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

STATUSES = ("used", "redundant", "unused", "unresolvable", "no evidence")
"""Every status a rule can have (see the module documentation)."""

MAX_CIDRS = 4
"""At most this many CIDRs in a suggested covering set."""

MAX_ADDRESSES = 65_536
"""Peers are only narrowed for rules with at most this many distinct remote addresses."""

TOP_SOURCES = 5
"""Public sources named per rule open to the internet (by records, most first)."""

WEB_PORTS = (80, 443)
"""Ports on which a rule open to the internet is a public web service, not an exposure."""

NEVER_LOGGED_PORTS = (53, 67, 68, 123, 1688)
"""DNS, DHCP, NTP and Windows KMS activation: traffic to Amazon's own servers on these ports is
never in flow logs (neither is instance metadata, 169.254.169.254)."""

NEVER_LOGGED_ADDRESSES = ("169.254.169.254", "169.254.169.123", "169.254.169.253")
"""Instance metadata, Amazon Time Sync and the Amazon DNS link-local address."""

TABLE_COLUMNS = (
    "group_name",
    "rule_id",
    "direction",
    "ports",
    "peer",
    "hits",
    "sole_hits",
    "return_hits",
    "last_seen",
    "status",
    "covered_by",
    "note",
)
"""The columns of :func:`report_rules` worth showing in an 80-120 column terminal."""

TIGHTENING_COLUMNS = (
    "group_name",
    "rule_id",
    "ports",
    "peer",
    "hits",
    "exposed",
    "public_sources",
    "permissiveness",
    "suggestion",
)
"""The columns of :func:`tightening` worth showing in a terminal."""

_UTC = pa.timestamp("s", tz="UTC")


def _field(name: str, type_: pa.DataType) -> pa.Field[Any]:
    return pa.field(name, type_)


RULES_SCHEMA = pa.schema(
    [
        _field("group_id", pa.string()),
        _field("group_name", pa.string()),
        _field("rule_id", pa.string()),
        _field("direction", pa.string()),
        _field("protocol", pa.int32()),
        _field("ports", pa.string()),
        _field("peer", pa.string()),
        _field("description", pa.string()),
        _field("hits", pa.int64()),
        _field("sole_hits", pa.int64()),
        _field("return_hits", pa.int64()),
        _field("packets", pa.int64()),
        _field("bytes", pa.int64()),
        _field("first_seen", _UTC),
        _field("last_seen", _UTC),
        _field("status", pa.string()),
        _field("covered_by", pa.list_(pa.string())),
        _field("note", pa.string()),
        _field("exposed", pa.bool_()),
        _field("remote_addresses", pa.int64()),
        _field("public_sources", pa.int64()),
        _field("permissiveness", pa.float64()),
        _field("suggestion", pa.string()),
    ]
)
"""The columns of :func:`report_rules` (documented in the README)."""

EGRESS_SCHEMA = pa.schema(
    [
        _field("rule_id", pa.string()),
        _field("class", pa.string()),
        _field("destination", pa.string()),
        _field("destination_name", pa.string()),
        _field("protocol", pa.int32()),
        _field("port", pa.int32()),
        _field("records", pa.int64()),
        _field("sole_records", pa.int64()),
        _field("addresses", pa.int64()),
        _field("first_seen", _UTC),
        _field("last_seen", _UTC),
        _field("suggested_rule", pa.string()),
    ]
)
"""The columns of :func:`egress_breakdown`."""

EGRESS_CLASSES = ("vpc", "prefix-list", "aws-service", "private", "internet")

_PROTOCOL_NAMES = {-1: "all", 1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}
_ALL_SERVICES = 2 * 65_536 + 254  # every TCP port, every UDP port, every other protocol
_NO_RULE = "only replies: a rule that carries nothing but return traffic permits nothing"
_LB_HTTP = "port 80 on a load balancer is usually only the HTTPS redirect"
_NEVER_LOGGED = (
    "flow logs never record Amazon DNS, instance metadata, DHCP, time sync or Windows "
    "activation traffic, which this rule could carry: it may be needed anyway"
)
_ICMP_TYPE = "flow logs carry no ICMP type or code: its hits are possible matches"
_PATH_MTU = "path MTU discovery: keep it open to every router on the path (not an exposure)"


# --- filters ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Filters:
    group: str | None
    interface: str | None
    since: int | None
    until: int | None

    @property
    def narrows_flows(self) -> bool:
        """Whether the usage must be recomputed from flows (a time or interface filter)."""
        return self.interface is not None or self.since is not None or self.until is not None

    def params(self, **extra: Any) -> dict[str, Any]:
        return {
            "group": self.group,
            "interface": self.interface,
            "since": self.since,
            "until": self.until,
            **extra,
        }


def _filters(
    con: duckdb.DuckDBPyConnection,
    group: str | None,
    interface: str | None,
    since: Time | None,
    until: Time | None,
) -> _Filters:
    require_analysis(con)
    f = _Filters(
        group or None, interface or None, to_seconds(since, "since"), to_seconds(until, "until")
    )
    if f.since is not None and f.until is not None and f.since > f.until:
        raise UsageError(
            f"--since ({_iso(f.since)}) is after --until ({_iso(f.until)})",
            "give the start of the window first",
        )
    check_known(con, f.group, f.interface)
    return f


def _iso(seconds: int) -> str:
    return f"{datetime.fromtimestamp(seconds, UTC):%Y-%m-%d %H:%M:%S} UTC"


def _utc(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


# --- covering CIDRs -----------------------------------------------------------------------------


def covering_cidrs(
    addresses: Iterable[str | ipaddress.IPv4Address | ipaddress.IPv6Address],
    within: str | IPNetwork,
    max_cidrs: int = MAX_CIDRS,
) -> list[IPNetwork]:
    """The smallest set of at most ``max_cidrs`` CIDRs, each inside ``within``, that holds every
    address of ``addresses`` inside ``within`` (the others, and those of the other family, are
    ignored), largest first. Smallest: fewest addresses in total, then fewest CIDRs.

    Exact: a CIDR can always shrink to the common prefix of the addresses it holds, so an optimal
    set is made of nodes of the binary trie of the addresses, and at each node the choice is one
    CIDR for all of its addresses or a split between its two sub-tries. With ``max_cidrs`` = k
    only the top k levels of splits are ever explored, so the cost is O(n log n) for the sort.
    """
    net = ipaddress.ip_network(within, strict=False) if isinstance(within, str) else within
    if max_cidrs < 1:
        raise ValueError("max_cidrs must be at least 1")
    width = net.max_prefixlen
    values: set[int] = set()
    for a in addresses:
        addr = ipaddress.ip_address(a) if isinstance(a, str) else a
        if addr.version == net.version and addr in net:
            values.add(int(addr))
    if not values:
        return []
    ordered = sorted(values)
    _, blocks = _best_cover(ordered, 0, len(ordered), width, max_cidrs)[max_cidrs - 1]
    factory = ipaddress.IPv4Network if net.version == 4 else ipaddress.IPv6Network
    networks = [factory((base, plen)) for base, plen in blocks]
    return sorted(networks, key=lambda n: (n.prefixlen, int(n.network_address)))


Cover = tuple[int, tuple[tuple[int, int], ...]]  # (addresses covered, ((base, prefixlen), ...))


def _best_cover(values: list[int], i: int, j: int, width: int, k: int) -> list[Cover]:
    """For values[i:j] (sorted, distinct, non-empty): the best cover with at most 1..k CIDRs."""
    first, last = values[i], values[j - 1]
    host_bits = (first ^ last).bit_length()
    base = (first >> host_bits) << host_bits
    whole: Cover = (1 << host_bits, ((base, width - host_bits),))
    best = [whole] * k
    if k == 1 or j - i == 1:
        return best
    middle = bisect_left(values, base | (1 << (host_bits - 1)), i, j)
    left = _best_cover(values, i, middle, width, k - 1)
    right = _best_cover(values, middle, j, width, k - 1)
    for total in range(2, k + 1):
        for n_left in range(1, total):
            a, b = left[n_left - 1], right[total - n_left - 1]
            candidate: Cover = (a[0] + b[0], a[1] + b[1])
            if (candidate[0], len(candidate[1])) < (best[total - 1][0], len(best[total - 1][1])):
                best[total - 1] = candidate
        if best[total - 2][0] <= best[total - 1][0]:
            best[total - 1] = best[total - 2]
    return best


# --- small texts --------------------------------------------------------------------------------


def protocol_name(protocol: int | None) -> str:
    """'tcp', 'udp', 'icmp', 'icmpv6', 'all' (-1), else 'protocol N'."""
    if protocol is None:
        return "-"
    return _PROTOCOL_NAMES.get(protocol, f"protocol {protocol}")


def _all_ports(protocol: int, lo: int | None, hi: int | None) -> bool:
    return lo is None or lo == -1 or (lo <= 0 and (hi if hi is not None else 65535) >= 65535)


def traffic_text(protocol: int, lo: int | None, hi: int | None) -> str:
    """What a rule allows: 'all traffic', 'tcp 443', 'udp 1024-65535', 'tcp all ports',
    'icmp', 'icmp type 8', 'icmpv6 type 2 code 0', 'protocol 47'."""
    if protocol == -1:
        return "all traffic"
    name = protocol_name(protocol)
    if protocol in (1, 58):
        if lo is None or lo == -1:
            return name
        return f"{name} type {lo}" + ("" if hi is None or hi == -1 else f" code {hi}")
    if protocol not in (6, 17):
        return name
    if _all_ports(protocol, lo, hi):
        return f"{name} all ports"
    return f"{name} {lo}" if lo == hi else f"{name} {lo}-{hi}"


def _service(protocol: int | None, port: int | None) -> str:
    name = protocol_name(protocol)
    return name if port is None else f"{name} {port}"


def _port_ranges(ports: Iterable[int], most: int = 8) -> str:
    """'443', '80, 443', '1024-1030, 8443'; beyond `most` pieces: 'LO-HI (N distinct ports)'."""
    ordered = sorted(set(ports))
    pieces: list[tuple[int, int]] = []
    for p in ordered:
        if pieces and p == pieces[-1][1] + 1:
            pieces[-1] = (pieces[-1][0], p)
        else:
            pieces.append((p, p))
    if len(pieces) > most:
        return f"{ordered[0]}-{ordered[-1]} ({len(ordered):,} distinct ports)"
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in pieces)


def _services_text(used: Iterable[tuple[int | None, int | None]]) -> str:
    """The (protocol, port) pairs used, by protocol: 'tcp 443, 8443; udp 53; icmp'."""
    by_protocol: dict[int | None, list[int]] = defaultdict(list)
    for protocol, port in used:
        ports = by_protocol[protocol]
        if port is not None:
            ports.append(port)
    parts = []
    for protocol in sorted(by_protocol, key=lambda p: -2 if p is None else p):
        name = protocol_name(protocol)
        ports = by_protocol[protocol]
        parts.append(f"{name} {_port_ranges(ports)}" if ports else name)
    return "; ".join(parts)


def _services_allowed(protocol: int, lo: int | None, hi: int | None) -> int:
    """(protocol, port) pairs a rule allows; a protocol without ports counts as one."""
    if protocol == -1:
        return _ALL_SERVICES
    if protocol in (6, 17):
        if _all_ports(protocol, lo, hi):
            return 65_536
        assert lo is not None and hi is not None
        return max(hi - lo + 1, 1)
    return 1


def _range_size(first_hi: int, first_lo: int, last_hi: int, last_lo: int) -> int:
    flip = 2**63

    def value(hi: int, lo: int) -> int:
        return ((hi + flip) << 64) | (lo + flip)

    return value(last_hi, last_lo) - value(first_hi, first_lo) + 1


def _named(ident: str | None, names: Mapping[str, str | None]) -> str:
    if ident is None:
        return "-"
    name = names.get(ident)
    return f"{ident} ({name})" if name else ident


def _internet(peer_kind: str, peer: str) -> bool:
    if peer_kind not in ("cidr4", "cidr6"):
        return False
    try:
        return ipaddress.ip_network(peer, strict=False).prefixlen == 0
    except ValueError:
        return False


def _web_only(protocol: int, lo: int | None, hi: int | None) -> bool:
    return protocol in (6, 17) and lo is not None and lo == hi and lo in WEB_PORTS


def _path_mtu(protocol: int, lo: int | None) -> bool:
    """ICMP destination unreachable (type 3) or ICMPv6 packet too big (type 2): path MTU
    discovery, which must stay open to every router on the path."""
    return (protocol == 1 and lo == 3) or (protocol == 58 and lo == 2)


def _may_carry_unlogged(
    protocol: int, lo: int | None, hi: int | None, kind: str, peer: str
) -> bool:
    """Whether the rule could be meant for traffic flow logs never record."""
    if kind in ("cidr4", "cidr6"):
        try:
            net = ipaddress.ip_network(peer, strict=False)
        except ValueError:
            net = None
        if (
            net is not None
            and net.version == 4
            and net.prefixlen > 0
            and any(ipaddress.ip_address(a) in net for a in NEVER_LOGGED_ADDRESSES)
        ):
            return True
    if protocol == -1:
        return True
    if protocol not in (6, 17):
        return False
    if _all_ports(protocol, lo, hi):
        return True
    assert lo is not None and hi is not None
    return any(lo <= p <= hi for p in NEVER_LOGGED_PORTS)


# --- the report ---------------------------------------------------------------------------------


@dataclass
class _Remotes:
    n_addresses: int = 0
    n_public: int = 0
    addresses: list[str] | None = None  # every address, when at most MAX_ADDRESSES
    groups: list[list[str] | None] | None = None  # per address: its groups, None: not interface
    public: list[str] | None = None  # the top public sources


@contextlib.contextmanager
def _rule_traffic(con: duckdb.DuckDBPyConnection, f: _Filters) -> Iterator[None]:
    """The allowed records grouped once (report/rule_traffic, a few rows per attribution key),
    registered as ``rule_traffic`` for the queries that break the rules' traffic down (ports,
    remote addresses, egress): at 100M records each of them read every record on its own."""
    table = sql.arrow_reader(con, "report/rule_traffic", f.params()).read_all()
    con.register("rule_traffic", table)
    try:
        yield
    finally:
        con.unregister("rule_traffic")


def _remotes(con: duckdb.DuckDBPyConnection) -> dict[str, _Remotes]:
    """Per rule, the remote addresses of its allowed records (needs :func:`_rule_traffic`)."""
    out: dict[str, _Remotes] = {}
    params = {"max_addresses": MAX_ADDRESSES, "top_sources": TOP_SOURCES}
    rows = sql.fetchall(con, "report/rules_remotes", params)
    for rule_id, address, _family, _records, is_interface, group_ids, is_public, n, n_pub in rows:
        r = out.get(rule_id)
        if r is None:
            r = out[rule_id] = _Remotes(n, n_pub, None, None, [])
            if n <= MAX_ADDRESSES:
                r.addresses, r.groups = [], []
        if r.addresses is not None and r.groups is not None:
            r.addresses.append(address)
            r.groups.append(list(group_ids) if is_interface else None)
        if is_public and r.public is not None and len(r.public) < TOP_SOURCES:
            r.public.append(address)
    return out


def _usage(con: duckdb.DuckDBPyConnection, f: _Filters) -> dict[str, tuple[Any, ...]]:
    if f.narrows_flows:
        rows = sql.fetchall(con, "report/rules_usage", f.params())
    else:
        rows = sql.fetchall(con, "report/rules_usage_stored")
    return {r[0]: tuple(r[1:]) for r in rows}


def _covered_by(hits: int, together: Mapping[str, int]) -> tuple[list[str], bool]:
    """The rules in every one of the hits (True), else every co-matching rule (False)."""
    every = sorted(o for o, n in together.items() if n >= hits)
    if every:
        return every, True
    return sorted(together), False


def report_rules(
    con: duckdb.DuckDBPyConnection,
    *,
    group: str | None = None,
    interface: str | None = None,
    since: Time | None = None,
    until: Time | None = None,
) -> pa.Table:
    """One row per rule (of ``group``, or of the groups attached to ``interface``; all without
    them), ordered by security group then rule: usage, status, covered_by, note and tightening
    advice (schema :data:`RULES_SCHEMA`). ``since``/``until`` (unix seconds or datetimes) keep
    the records whose capture window overlaps them. Needs the tables of ``flowsg analyze``."""
    return _rules(con, _filters(con, group, interface, since, until), advice=True)


def rules_with_evidence(
    con: duckdb.DuckDBPyConnection,
    *,
    group: str | None = None,
    interface: str | None = None,
    since: Time | None = None,
    until: Time | None = None,
) -> tuple[pa.Table, pa.Table]:
    """:func:`report_rules` and :func:`group_evidence` with the same filters, for the reports
    that show both: the rules' statuses are made from the evidence of every group, so the
    evidence query (a pass over every record) runs once instead of twice."""
    f = _filters(con, group, interface, since, until)
    every_group = _evidence(con, f)
    return _rules(con, f, advice=True, evidence=every_group), _of_group(every_group, f)


def rule_statuses(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """:func:`report_rules` without the tightening advice: every rule with the same usage, status,
    covered_by and note, but remote_addresses and public_sources 0, permissiveness and
    suggestion None. The advice needs a pass over every allowed record (report/rule_traffic,
    3.4-3.8 s of the report's 6.4-8.9 s at 100M records); what-if's caveats read only status and
    note."""
    return _rules(con, _filters(con, None, None, None, None), advice=False)


def _rules(
    con: duckdb.DuckDBPyConnection,
    f: _Filters,
    *,
    advice: bool,
    evidence: pa.Table | None = None,
) -> pa.Table:
    """The rules report; ``evidence``: :func:`_evidence` of ``f``, when the caller has it."""
    rules = sql.fetchall(con, "report/rules_list", f.params())
    usage = _usage(con, f)
    together: dict[str, dict[str, int]] = defaultdict(dict)
    for rule_id, other, n in sql.fetchall(con, "report/rules_cover", f.params()):
        together[rule_id][other] = n
    services: dict[str, list[tuple[int | None, int | None]]] = defaultdict(list)
    remotes: dict[str, _Remotes] = {}
    peer_size: dict[str, int] = defaultdict(int)
    breakdown: dict[str, list[dict[str, Any]]] = {}
    if advice:
        with _rule_traffic(con, f):
            for rule_id, protocol, port, _n in sql.fetchall(con, "report/rules_ports"):
                services[rule_id].append((protocol, port))
            remotes = _remotes(con)
            egress_all = [
                r[2] for r in rules if r[3] == "egress" and r[4] == -1 and usage.get(r[2], (0,))[0]
            ]
            if egress_all:
                breakdown = _egress_rows(con, egress_all, f)
        for rule_id, _fam, fh, fl, lh, ll in sql.fetchall(con, "report/rules_peer_ranges"):
            peer_size[rule_id] += _range_size(fh, fl, lh, ll)
    by_group = {
        row["group_id"]: row
        for row in (evidence if evidence is not None else _evidence(con, f)).to_pylist()
    }
    names: dict[str, str | None] = {}
    group_size: dict[str, int] = {}
    for ident, name, n_interfaces in sql.fetchall(con, "report/rules_names"):
        names[ident] = name
        if n_interfaces is not None:
            group_size[ident] = n_interfaces

    rows: list[dict[str, Any]] = []
    for (
        group_id,
        group_name,
        rule_id,
        direction,
        protocol,
        lo,
        hi,
        kind,
        peer,
        peer_account,
        description,
        resolvable,
        _interfaces,
        load_balancer,
    ) in rules:
        hits, sole, returns, packets, nbytes, first, last = usage.get(
            rule_id, (0, 0, 0, 0, 0, None, None)
        )
        ev = by_group.get(group_id)
        attached = ev["interfaces"] if ev else 0
        logged = ev["logged_interfaces"] if ev else 0
        silent = list(ev["silent_interfaces"]) if ev else []
        remote = remotes.get(rule_id, _Remotes())
        notes: list[str] = []
        covered: list[str] | None = None
        if not resolvable:
            status = "unresolvable"
            if kind == "prefix_list":
                notes.append(
                    f"prefix list {peer} has no entries in the snapshot: it may be used, "
                    "flowsg cannot tell"
                )
            else:
                owner = f" of account {peer_account}" if peer_account else ""
                notes.append(
                    f"group {peer}{owner} is not in the snapshot: it may be used, "
                    "flowsg cannot tell"
                )
        elif hits == 0:
            status = "unused" if logged else "no evidence"
            if not attached:
                notes.append("its group is attached to no interface of the snapshot")
            elif not logged:
                notes.append(f"none of its group's {attached} interface(s) appear in the logs")
            elif silent:
                notes.append(
                    f"{len(silent)} of its group's {attached} interfaces never appear in the "
                    f"logs: {', '.join(silent)}"
                )
            if returns:
                notes.append(_NO_RULE)
        elif sole == 0:
            status = "redundant"
            covered, alone = _covered_by(hits, together.get(rule_id, {}))
            if not alone:
                notes.append("no single rule allowed all its flows: these rules together did")
        else:
            status = "used"
        if status in ("unused", "no evidence", "unresolvable") and _may_carry_unlogged(
            protocol, lo, hi, kind, peer
        ):
            notes.append(_NEVER_LOGGED)
        if load_balancer and direction == "ingress" and protocol == 6 and lo == hi == 80:
            notes.append(_LB_HTTP)
        if protocol in (1, 58) and lo is not None and lo != -1 and hits:
            notes.append(_ICMP_TYPE)
        if _path_mtu(protocol, lo) and _internet(kind, peer):
            notes.append(_PATH_MTU)

        exposed = (
            direction == "ingress"
            and _internet(kind, peer)
            and not _web_only(protocol, lo, hi)
            and not _path_mtu(protocol, lo)
        )
        used_services = sorted(set(services.get(rule_id, [])), key=lambda s: (s[0] or 0, s[1] or 0))
        allowed_addresses = peer_size.get(rule_id, 0)
        permissiveness: float | None = None
        if hits and allowed_addresses and remote.n_addresses and used_services:
            permissiveness = (allowed_addresses * _services_allowed(protocol, lo, hi)) / (
                remote.n_addresses * len(used_services)
            )
        suggestion = None
        if status == "used" and advice:
            suggestion = _tighten(
                direction=direction,
                protocol=protocol,
                lo=lo,
                hi=hi,
                kind=kind,
                peer=peer,
                exposed=exposed,
                used_services=used_services,
                remote=remote,
                breakdown=breakdown.get(rule_id),
                names=names,
                group_size=group_size,
            )
        rows.append(
            {
                "group_id": group_id,
                "group_name": group_name,
                "rule_id": rule_id,
                "direction": direction,
                "protocol": protocol,
                "ports": traffic_text(protocol, lo, hi),
                "peer": peer,
                "description": description,
                "hits": hits,
                "sole_hits": sole,
                "return_hits": returns,
                "packets": packets,
                "bytes": nbytes,
                "first_seen": _utc(first),
                "last_seen": _utc(last),
                "status": status,
                "covered_by": covered,
                "note": notes,  # joined below, once every status is known
                "exposed": exposed,
                "remote_addresses": remote.n_addresses,
                "public_sources": remote.n_public,
                "permissiveness": permissiveness,
                "suggestion": suggestion,
            }
        )
    _mutual_redundancy(rows)
    for row in rows:
        row["note"] = "; ".join(row["note"]) or None
    return pa.Table.from_pylist(rows, schema=RULES_SCHEMA)


def _mutual_redundancy(rows: list[dict[str, Any]]) -> None:
    """Warn when two redundant rules cover each other: removing both breaks traffic (T12)."""
    by_id = {r["rule_id"]: r for r in rows}
    for row in rows:
        if row["status"] != "redundant":
            continue
        mutual = [
            other
            for other in row["covered_by"] or []
            if (o := by_id.get(other)) is not None
            and o["status"] == "redundant"
            and row["rule_id"] in (o["covered_by"] or [])
        ]
        if mutual:
            row["note"].append(
                f"{', '.join(mutual)} {'is' if len(mutual) == 1 else 'are'} redundant too and "
                "they cover each other: remove one, not both (check with flowsg whatif)"
            )


def _tighten(
    *,
    direction: str,
    protocol: int,
    lo: int | None,
    hi: int | None,
    kind: str,
    peer: str,
    exposed: bool,
    used_services: list[tuple[int | None, int | None]],
    remote: _Remotes,
    breakdown: list[dict[str, Any]] | None,
    names: Mapping[str, str | None],
    group_size: Mapping[str, int],
) -> str | None:
    """The tightening advice for a used rule, from the traffic it actually allowed."""
    parts: list[str] = []
    if exposed:
        seen = f"{remote.n_public:,} public source(s) seen"
        if remote.public:
            more = ", …" if remote.n_public > len(remote.public) else ""
            seen += ": " + ", ".join(remote.public) + more
        parts.append(f"open to the internet on {traffic_text(protocol, lo, hi)}: {seen}")
    all_egress = direction == "egress" and protocol == -1
    if all_egress and breakdown:
        parts.append("egress seen: " + egress_summary(breakdown) + " (see egress_breakdown)")
    elif used_services and _services_allowed(protocol, lo, hi) > len(used_services):
        parts.append(
            f"ports: only {_services_text(used_services)} used "
            f"(allows {traffic_text(protocol, lo, hi)})"
        )
    if (
        not all_egress
        and kind in ("cidr4", "cidr6")
        and protocol not in (1, 58)
        and not (_internet(kind, peer) and _web_only(protocol, lo, hi))
        and remote.addresses
    ):
        original = ipaddress.ip_network(peer, strict=False)
        cover = covering_cidrs(remote.addresses, original)
        if cover and sum(n.num_addresses for n in cover) < original.num_addresses:
            parts.append(
                f"peers: the {remote.n_addresses:,} address(es) seen fit in "
                f"{', '.join(str(n) for n in cover)} (allows {peer})"
            )
        group = _common_group(remote, group_size)
        if group is not None:
            parts.append(
                f"or reference {_named(group, names)} instead of {peer}: every address seen "
                "belongs to its interfaces"
            )
    return "; ".join(parts) or None


def _common_group(remote: _Remotes, group_size: Mapping[str, int]) -> str | None:
    """The smallest security group whose interfaces own every remote address seen, if any."""
    if not remote.groups or any(g is None for g in remote.groups):
        return None
    common: set[str] | None = None
    for groups in remote.groups:
        assert groups is not None
        common = set(groups) if common is None else common & set(groups)
    if not common:
        return None
    return min(common, key=lambda g: (group_size.get(g, 0), g))


def tightening(
    con: duckdb.DuckDBPyConnection,
    *,
    group: str | None = None,
    interface: str | None = None,
    since: Time | None = None,
    until: Time | None = None,
) -> pa.Table:
    """The rows of :func:`report_rules` with a suggestion, exposure first (rules open to the
    internet on anything but 80/443), then the most permissive (allowed / used) first."""
    return tightening_of(
        report_rules(con, group=group, interface=interface, since=since, until=until)
    )


def tightening_of(rules: pa.Table) -> pa.Table:
    """:func:`tightening` of a table :func:`report_rules` returned (the HTML report has it
    already: computing it again read every record twice more)."""
    rows = [r for r in rules.to_pylist() if r["suggestion"] is not None]
    rows.sort(
        key=lambda r: (
            not r["exposed"],
            -(r["permissiveness"] or 0.0),
            r["group_name"] or "",
            r["rule_id"],
        )
    )
    return pa.Table.from_pylist(rows, schema=RULES_SCHEMA)


# --- evidence -----------------------------------------------------------------------------------

EVIDENCE_SCHEMA = pa.schema(
    [
        _field("group_id", pa.string()),
        _field("group_name", pa.string()),
        _field("window_start", _UTC),
        _field("window_end", _UTC),
        _field("interfaces", pa.int64()),
        _field("logged_interfaces", pa.int64()),
        _field("silent_interfaces", pa.list_(pa.string())),
        _field("records", pa.int64()),
        _field("nodata_records", pa.int64()),
        _field("skipdata_records", pa.int64()),
        _field("first_record", _UTC),
        _field("last_record", _UTC),
    ]
)
"""The columns of :func:`group_evidence`."""


def group_evidence(
    con: duckdb.DuckDBPyConnection,
    *,
    group: str | None = None,
    interface: str | None = None,
    since: Time | None = None,
    until: Time | None = None,
) -> pa.Table:
    """Per security group: the observed window (first start to last end of every record loaded,
    within since/until), its attached interfaces, how many appear in the logs at all (NODATA and
    SKIPDATA records count: the interface was logged), the ids of those that never do, their OK,
    NODATA and SKIPDATA records and their first and last record (schema
    :data:`EVIDENCE_SCHEMA`)."""
    f = _filters(con, group, interface, since, until)
    return _of_group(_evidence(con, f), f)


def _evidence(con: duckdb.DuckDBPyConnection, f: _Filters) -> pa.Table:
    """The evidence of every group under ``f``'s other filters: a rule's status needs its own
    group's, whichever group the report shows."""
    table = sql.arrow_reader(con, "report/rules_evidence", f.params()).read_all()
    return _cast(table, EVIDENCE_SCHEMA)


def _of_group(evidence: pa.Table, f: _Filters) -> pa.Table:
    """The rows of ``f``'s group (every row without one)."""
    if f.group is None:
        return evidence
    return evidence.filter(pc.equal(evidence["group_id"], pa.scalar(f.group, pa.string())))


def _cast(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The query's columns in the schema's types (unix seconds become UTC timestamps)."""
    columns = []
    for field in schema:
        column = table.column(field.name)
        if pa.types.is_timestamp(field.type) and not pa.types.is_timestamp(column.type):
            column = column.cast(pa.int64()).cast(field.type)
        columns.append(column.cast(field.type))
    return pa.Table.from_arrays(columns, schema=schema)


# --- egress breakdown ---------------------------------------------------------------------------


def _egress_rows(
    con: duckdb.DuckDBPyConnection, rule_ids: Sequence[str], f: _Filters
) -> dict[str, list[dict[str, Any]]]:
    """Per rule, the rows of the egress breakdown (as dicts, EGRESS_SCHEMA's columns); needs
    :func:`_rule_traffic`."""
    peers = {
        rid: (kind, peer)
        for rid, kind, peer in (
            (r[2], r[7], r[8]) for r in sql.fetchall(con, "report/rules_list", f.params(group=None))
        )
    }
    names: dict[str, str | None] = {
        ident: name for ident, name, _ in sql.fetchall(con, "report/rules_names")
    }
    params = {"rule_ids": list(rule_ids), "max_addresses": MAX_ADDRESSES}
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (
        rule_id,
        klass,
        destination,
        protocol,
        port,
        records,
        sole_records,
        n_addresses,
        address_list,
        first,
        last,
    ) in sql.fetchall(con, "report/rules_egress", params):
        kind, peer = peers.get(rule_id, ("", ""))
        service = _service(protocol, port)
        if klass in ("vpc", "prefix-list"):
            target = destination
        elif address_list is None:
            target = f"{n_addresses:,} addresses"
        else:
            target = ", ".join(str(n) for n in _covers(address_list, kind, peer))
        out[rule_id].append(
            {
                "rule_id": rule_id,
                "class": klass,
                "destination": destination,
                "destination_name": names.get(destination) if destination else None,
                "protocol": protocol,
                "port": port,
                "records": records,
                "sole_records": sole_records,
                "addresses": n_addresses,
                "first_seen": _utc(first),
                "last_seen": _utc(last),
                "suggested_rule": f"{service} to {target}" if sole_records else None,
            }
        )
    return out


def _covers(addresses: Sequence[str], kind: str, peer: str) -> list[IPNetwork]:
    """Covering CIDRs per address family, never wider than the rule's own CIDR."""
    nets: list[IPNetwork] = []
    for version, everything in ((4, "0.0.0.0/0"), (6, "::/0")):
        within = ipaddress.ip_network(everything)
        if kind in ("cidr4", "cidr6"):
            own = ipaddress.ip_network(peer, strict=False)
            if own.version == version:
                within = own
        nets += covering_cidrs(
            (a for a in addresses if ipaddress.ip_address(a).version == version), within
        )
    return nets


def egress_breakdown(
    con: duckdb.DuckDBPyConnection,
    rule_id: str,
    *,
    interface: str | None = None,
    since: Time | None = None,
    until: Time | None = None,
) -> pa.Table:
    """The traffic rule ``rule_id`` actually allowed, by remote-address class and port (schema
    :data:`EGRESS_SCHEMA`): the basis for a narrower rule set than "all traffic to 0.0.0.0/0".

    Classes, the first that applies: ``vpc`` (an address of an interface of the snapshot; the
    destination is the smallest security group of that interface, to reference), ``prefix-list``
    (inside an entry of a prefix list of the snapshot), ``aws-service`` (pkt-dst-aws-service, when
    logged), ``private`` (RFC 1918, 100.64/10, link-local, fc00::/7), ``internet``.
    ``sole_records`` are the records no other rule allowed: what a replacement must allow.
    ``suggested_rule`` is a rule that would allow the row's traffic: the group or prefix list to
    reference, else at most 4 covering CIDRs, never wider than the rule's own CIDR; NULL when
    other rules already allowed every record of the row. Any rule can be broken down (for an
    ingress rule the classes describe sources)."""
    f = _filters(con, None, interface, since, until)
    known = {r[0] for r in sql.fetchall(con, "report/whatif_rule_ids")}
    if rule_id not in known:
        raise UsageError(
            f"no rule {rule_id} in the snapshot", "the rule ids are in `flowsg report rules`"
        )
    with _rule_traffic(con, f):
        rows = _egress_rows(con, [rule_id], f).get(rule_id, [])
    return pa.Table.from_pylist(rows, schema=EGRESS_SCHEMA)


def egress_summary(rows: Sequence[Mapping[str, Any]], most: int = 4) -> str:
    """A short text of an egress breakdown, its ports merged per destination: 'tcp 8443 to sg-…
    (app-tier); tcp 443 to sg-… (vpce-secretsmanager)'. The destinations with the most sole
    records come first (then in class order); rows that other rules already allow entirely (no
    suggested rule) are left out."""
    merged: dict[tuple[str, str, int | None], list[Any]] = {}
    for row in rows:
        if row["suggested_rule"] is None:
            continue
        target = str(row["suggested_rule"]).partition(" to ")[2]
        if row["class"] in ("vpc", "prefix-list"):
            target = row["destination"]
            if row.get("destination_name"):
                target += f" ({row['destination_name']})"
        key = (str(row["class"]), target, row["protocol"])
        entry = merged.setdefault(key, [0, []])
        entry[0] += row["sole_records"]
        if row["port"] is not None:
            entry[1].append(row["port"])
    ordered = sorted(
        merged.items(),
        key=lambda kv: (-kv[1][0], EGRESS_CLASSES.index(kv[0][0]), kv[0][1], kv[0][2] or 0),
    )
    parts = []
    for (_klass, target, protocol), (_records, ports) in ordered[:most]:
        service = protocol_name(protocol) + (f" {_port_ranges(ports)}" if ports else "")
        parts.append(f"{service} to {target}")
    if len(ordered) > most:
        parts.append(f"{len(ordered) - most:,} more")
    return "; ".join(parts) or "nothing that other rules do not already allow"
