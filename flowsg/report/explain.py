"""``flowsg explain SRC DST [PORT]``: one connection end to end, with the evidence.

The way the AWS Reachability Analyzer explains a path, from the snapshot and the analysed flows:
the interfaces owning SRC and DST (either may be outside the snapshot: that side has no security
group or ACL step), then in order the source interface's egress rules, the source subnet's ACL
outbound, the destination subnet's ACL inbound, the destination interface's ingress rules (the
two ACL steps are skipped when both ends are in the same subnet: ACLs only filter traffic that
crosses the subnet boundary), and the return path (security groups pass replies statefully; the
ACLs are stateless and are checked on the client's ephemeral ports 1024-65535 in both subnets).
Then the records observed for the pair and port, both ways, and a one-line conclusion with the
smallest fix when blocked.

Security-group rules match with the engine's semantics (``queries/match/key_matches.sql``: protocol
-1, port ranges, ICMP on the protocol alone, peers through ``rule_peers``); ACLs with
:mod:`flowsg.nacl`. The SQL is in ``queries/explain/`` and ``queries/nacl/``.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from .. import sql
from ..errors import DatabaseError, UsageError
from ..nacl import (
    EPHEMERAL_PORTS,
    Address,
    NaclDecision,
    describe_traffic,
    nacl_decision,
    nacl_decisions,
    parse_address,
    protocol_name,
    protocol_number,
)

STEP_NAMES = (
    "source egress",
    "source ACL outbound",
    "destination ACL inbound",
    "destination ingress",
)
"""The steps of the path, in order (``Explanation.steps``)."""

RETURN_STEP_NAMES = ("security groups", "destination ACL outbound", "source ACL inbound")
"""The steps of the return path, in order (``Explanation.return_path``)."""

_SNAPSHOT_TABLES = (
    "interfaces",
    "interface_groups",
    "addresses",
    "rules",
    "rule_peers",
    "nacls",
    "nacl_associations",
)
_MAX_NEAR_MISSES = 10


@dataclass(frozen=True)
class Endpoint:
    """One end of the connection: the address and the interface of the snapshot owning it."""

    address: str
    interface_id: str | None = None
    interface_type: str | None = None
    description: str | None = None
    instance_id: str | None = None
    subnet_id: str | None = None
    vpc_id: str | None = None
    groups: tuple[tuple[str, str | None], ...] = ()
    """(group_id, group_name) of every security group attached, by id."""
    other_interfaces: tuple[str, ...] = ()
    """Further interfaces of the snapshot that own the address (the first one is used)."""

    @property
    def inside(self) -> bool:
        return self.interface_id is not None

    @property
    def group_ids(self) -> list[str]:
        return [g for g, _ in self.groups]

    def label(self) -> str:
        """'198.51.100.68 (eni-0f750b2721f9a7f4a)' or '192.0.2.66 (outside the snapshot)'."""
        return f"{self.address} ({self.interface_id or 'outside the snapshot'})"

    def groups_text(self) -> str:
        return ", ".join(f"{g} ({n})" if n else g for g, n in self.groups) or "none"

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "interface_id": self.interface_id,
            "interface_type": self.interface_type,
            "description": self.description,
            "instance_id": self.instance_id,
            "subnet_id": self.subnet_id,
            "vpc_id": self.vpc_id,
            "groups": [{"group_id": g, "group_name": n} for g, n in self.groups],
            "other_interfaces": list(self.other_interfaces),
        }


@dataclass(frozen=True)
class Step:
    """One check on the path: where, allow/deny/partial/skip, the rules that decide, and why."""

    step: str
    where: str
    verdict: str
    """``allow``, ``deny``, ``skip`` (nothing to check on this side), or on the return path
    ``partial`` (the ACL allows some of the ephemeral ports only)."""
    detail: str
    rules: tuple[dict[str, Any], ...] = ()
    near_misses: tuple[dict[str, Any], ...] = ()
    blocker: str | None = None
    """For deny/partial: what blocks, as the conclusion names it."""
    fix: str | None = None
    """For deny/partial: the smallest change that would let the traffic through this step."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "where": self.where,
            "verdict": self.verdict,
            "rules": [dict(r) for r in self.rules],
            "near_misses": [dict(r) for r in self.near_misses],
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Observed:
    """Analysed records of the connection, grouped (``queries/explain/observed.sql``)."""

    leg: str
    """``request`` (SRC to DST on PORT) or ``reply`` (DST to SRC from PORT)."""
    interface_id: str | None
    direction: str | None
    action: str | None
    verdict: str | None
    reason: str | None
    records: int
    packets: int
    bytes: int
    first_seen: datetime | None
    last_seen: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "leg": self.leg,
            "interface_id": self.interface_id,
            "direction": self.direction,
            "action": self.action,
            "verdict": self.verdict,
            "reason": self.reason,
            "records": self.records,
            "packets": self.packets,
            "bytes": self.bytes,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
        }


@dataclass(frozen=True)
class Explanation:
    """What :func:`explain` found. ``to_dict()`` is the JSON document (stable keys, see the
    README); ``render()`` the text for a terminal."""

    source: Endpoint
    destination: Endpoint
    protocol: int
    port: int | None
    same_subnet: bool
    steps: tuple[Step, ...]
    return_path: tuple[Step, ...]
    observed: tuple[Observed, ...]
    result: str
    """``allowed``, ``blocked``, ``partial`` (the return path allows some client ports only) or
    ``unknown`` (neither end is in the snapshot: nothing to check)."""
    blocked_at: str | None
    conclusion: str
    fixes: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    flows_analysed: bool = True

    @property
    def fix(self) -> str | None:
        """Every fix the path needs, in path order, joined with '; ' (None when allowed)."""
        return "; ".join(self.fixes) or None

    @property
    def allowed(self) -> bool:
        return self.result == "allowed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.to_dict(),
            "destination": self.destination.to_dict(),
            "protocol": self.protocol,
            "protocol_name": protocol_name(self.protocol),
            "port": self.port,
            "same_subnet": self.same_subnet,
            "steps": [s.to_dict() for s in self.steps],
            "return_path": [s.to_dict() for s in self.return_path],
            "observed": [o.to_dict() for o in self.observed],
            "result": self.result,
            "blocked_at": self.blocked_at,
            "conclusion": self.conclusion,
            "fix": self.fix,
            "fixes": list(self.fixes),
            "notes": list(self.notes),
        }

    def observed_table(self) -> pa.Table:
        """The observed records as an Arrow table (times as UTC timestamps)."""
        fields: list[tuple[str, pa.DataType]] = [
            ("leg", pa.string()),
            ("interface_id", pa.string()),
            ("direction", pa.string()),
            ("action", pa.string()),
            ("verdict", pa.string()),
            ("reason", pa.string()),
            ("records", pa.int64()),
            ("packets", pa.int64()),
            ("bytes", pa.int64()),
            ("first_seen", pa.timestamp("s", tz="UTC")),
            ("last_seen", pa.timestamp("s", tz="UTC")),
        ]
        schema = pa.schema(fields)
        rows = [o.__dict__ for o in self.observed]
        return pa.Table.from_pylist(rows, schema=schema)

    def steps_table(self) -> pa.Table:
        """The path and the return path as rows (for --format csv or markdown): section
        (``path``/``return path``), number, step, verdict, where, rules (rule ids, or
        ``acl-… rule N``), detail."""
        rows = []
        for section, steps in (("path", self.steps), ("return path", self.return_path)):
            for number, step in enumerate(steps, 1):
                ids = [
                    r["rule_id"] if "rule_id" in r else f"{r['acl_id']} rule {r['rule']}"
                    for r in step.rules
                ]
                rows.append(
                    {
                        "section": section,
                        "number": number,
                        "step": step.step,
                        "verdict": step.verdict,
                        "where": step.where,
                        "rules": ids,
                        "detail": step.detail,
                    }
                )
        fields: list[tuple[str, pa.DataType]] = [
            ("section", pa.string()),
            ("number", pa.int64()),
            ("step", pa.string()),
            ("verdict", pa.string()),
            ("where", pa.string()),
            ("rules", pa.list_(pa.string())),
            ("detail", pa.string()),
        ]
        return pa.Table.from_pylist(rows, schema=pa.schema(fields))

    def render(self) -> str:
        """The explanation as text for a terminal, at most 100 columns wide (a long id or address
        may overflow)."""
        what = _traffic_text(self.protocol, self.port)
        lines = [
            f"explain {what} from {self.source.address} to {self.destination.address}",
            "",
            *_endpoint_lines("source", self.source),
            *_endpoint_lines("destination", self.destination),
            "",
            "Path",
        ]
        for number, step in enumerate(self.steps, 1):
            lines += _step_lines(f"{number}.", step)
        ports = (
            f"client ports {EPHEMERAL_PORTS[0]}-{EPHEMERAL_PORTS[1]}"
            if self.protocol in (6, 17)
            else protocol_name(self.protocol)
        )
        lines += ["", f"Return path (replies to {ports})"]
        for number, step in enumerate(self.return_path, 1):
            lines += _step_lines(f"{number}.", step)
        lines += ["", "Observed" + _observed_days(self.observed)]
        if not self.flows_analysed:
            lines.append("  no analysed flows in the database (run flowsg analyze)")
        elif not self.observed:
            lines.append("  no record of this connection in the flows")
        else:
            lines += _observed_lines(self.observed)
        if self.notes:
            lines += ["", "Notes"]
            for note in self.notes:
                lines += _wrap(note, "  - ", "    ")
        lines += ["", *_wrap(self.conclusion, "Conclusion: ", "  ")]
        if len(self.fixes) == 1:
            lines += _wrap(self.fixes[0], "Fix: ", "  ")
        elif self.fixes:
            lines.append("Fix (every step that blocks, in path order):")
            for fix in self.fixes:
                lines += _wrap(fix, "  - ", "    ")
        return "\n".join(lines) + "\n"


def explain(
    con: duckdb.DuckDBPyConnection,
    src: str,
    dst: str,
    port: int | None = None,
    protocol: int | str | None = None,
) -> Explanation:
    """Explain whether `src` can reach `dst` on `port` with `protocol` (tcp by default; tcp, udp,
    icmp, icmpv6 or a number), from the snapshot tables and, when the database holds an
    analysis, the flows. TCP and UDP need a port; other protocols ignore it."""
    number = protocol_number(protocol)
    notes: list[str] = []
    if number in (6, 17):
        if port is None:
            raise UsageError(f"{protocol_name(number)} needs a port", "give PORT, e.g. 443")
        if not 0 <= port <= 65535:
            raise UsageError(f"port out of range: {port}", "a port is 0-65535")
    elif port is not None:
        notes.append(f"ports do not apply to {protocol_name(number)}: port {port} ignored")
        port = None
    source, destination = parse_address(src), parse_address(dst)
    if source.family != destination.family:
        raise UsageError(
            f"{src} and {dst} are not of the same address family",
            "give two IPv4 or two IPv6 addresses",
        )
    flows_analysed = _check_tables(con)
    src_end = _endpoint(con, source)
    dst_end = _endpoint(con, destination)
    same_subnet = (
        src_end.subnet_id is not None
        and src_end.subnet_id == dst_end.subnet_id
        and src_end.vpc_id == dst_end.vpc_id
    )
    ctx = _Context(con, number, port, source, destination, src_end, dst_end, same_subnet)
    steps = (
        ctx.security_groups(src_end, "egress", destination, dst_end),
        ctx.acl("source ACL outbound", src_end, "egress", destination, port),
        ctx.acl("destination ACL inbound", dst_end, "ingress", source, port),
        ctx.security_groups(dst_end, "ingress", source, src_end),
    )
    reply_ports = EPHEMERAL_PORTS if number in (6, 17) else None
    return_path = (
        ctx.stateful_return(),
        ctx.acl("destination ACL outbound", dst_end, "egress", source, reply_ports),
        ctx.acl("source ACL inbound", src_end, "ingress", destination, reply_ports),
    )
    observed = _observed(con, number, port, source, destination) if flows_analysed else ()
    notes += _notes(src_end, dst_end, same_subnet)
    result, blocked_at, conclusion = _conclude(steps, return_path)
    blocked = next((s for s in (*steps, *return_path) if s.verdict == "deny"), None)
    notes += _evidence_notes(blocked, src_end, dst_end, observed)
    fixes = tuple(s.fix for s in (*steps, *return_path) if s.fix and s.verdict != "skip")
    return Explanation(
        source=src_end,
        destination=dst_end,
        protocol=number,
        port=port,
        same_subnet=same_subnet,
        steps=steps,
        return_path=return_path,
        observed=observed,
        result=result,
        blocked_at=blocked_at,
        conclusion=conclusion,
        fixes=fixes,
        notes=tuple(notes),
        flows_analysed=flows_analysed,
    )


# --- reading the snapshot -----------------------------------------------------------------------


def _rows(
    con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    cursor = sql.run(con, name, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _check_tables(con: duckdb.DuckDBPyConnection) -> bool:
    """Fail when the snapshot tables are missing; True when flows has been analysed."""
    rows = sql.fetchall(con, "explain/tables")
    tables = {name for name, _ in rows}
    missing = [t for t in _SNAPSHOT_TABLES if t not in tables]
    if missing:
        raise DatabaseError(
            "the database holds no snapshot (missing tables: " + ", ".join(missing) + ")",
            "run flowsg analyze with --snapshot first, or flowsg.load_snapshot",
        )
    return any(name == "flows" and is_verdict for name, is_verdict in rows)


def _endpoint(con: duckdb.DuckDBPyConnection, address: Address) -> Endpoint:
    owners = _rows(
        con, "explain/owners", {"family": address.family, "hi": address.hi, "lo": address.lo}
    )
    if not owners:
        return Endpoint(address.text)
    first = owners[0]
    groups = tuple(
        (str(g), n)
        for g, n in sql.fetchall(con, "explain/groups", {"interface_id": first["interface_id"]})
    )
    others = tuple(dict.fromkeys(o["interface_id"] for o in owners[1:]))
    return Endpoint(
        address=address.text,
        interface_id=first["interface_id"],
        interface_type=first["type"],
        description=first["description"] or None,
        instance_id=first["instance_id"],
        subnet_id=first["subnet_id"],
        vpc_id=first["vpc_id"],
        groups=groups,
        other_interfaces=tuple(o for o in others if o != first["interface_id"]),
    )


def _sg_rule(row: dict[str, Any], mismatch: str | None = None) -> dict[str, Any]:
    out = {
        "rule_id": row["rule_id"],
        "group_id": row["group_id"],
        "group_name": row["group_name"],
        "direction": row["direction"],
        "protocol": row["protocol"],
        "from_port": row["from_port"],
        "to_port": row["to_port"],
        "traffic": _rule_traffic(row["protocol"], row["from_port"], row["to_port"]),
        "peer": row["peer"],
        "description": row["description"],
        "resolvable": bool(row["resolvable"]),
    }
    if mismatch is not None:
        out["mismatch"] = mismatch
    return out


def _rule_traffic(protocol: int, from_port: int | None, to_port: int | None) -> str:
    if protocol in (1, 58):  # a security group's ICMP rule: from = type, to = code
        return describe_traffic(protocol, None, None, from_port, to_port)
    return describe_traffic(protocol, from_port, to_port)


def _acl_rule(decision: NaclDecision) -> dict[str, Any]:
    return {
        "acl_id": decision.acl_id,
        "rule_number": decision.rule_number,
        "rule": decision.rule,
        "action": decision.rule_action,
        "protocol": decision.protocol,
        "from_port": decision.from_port,
        "to_port": decision.to_port,
        "cidr": decision.cidr,
        "listed": decision.listed,
        "ports": list(decision.ports) if decision.ports else None,
        "description": decision.description,
    }


def _traffic_text(protocol: int, port: int | None) -> str:
    """'tcp 8443', 'udp 53', 'icmp', 'protocol 47'."""
    if protocol in (6, 17):
        return f"{protocol_name(protocol)} {port}"
    if protocol in (1, 58):
        return protocol_name(protocol)
    return f"protocol {protocol}"


class _Context:
    """The connection being explained, and the steps built from it."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        protocol: int,
        port: int | None,
        source: Address,
        destination: Address,
        src_end: Endpoint,
        dst_end: Endpoint,
        same_subnet: bool,
    ) -> None:
        self.con = con
        self.protocol = protocol
        self.port = port
        self.source = source
        self.destination = destination
        self.src_end = src_end
        self.dst_end = dst_end
        self.same_subnet = same_subnet
        self.what = _traffic_text(protocol, port)

    # - security groups -

    def security_groups(
        self, end: Endpoint, direction: str, remote: Address, remote_end: Endpoint
    ) -> Step:
        name = "source egress" if direction == "egress" else "destination ingress"
        side = "source" if direction == "egress" else "destination"
        if not end.inside:
            return Step(
                name,
                f"{end.address} (outside the snapshot)",
                "skip",
                f"the {side} is not an interface of the snapshot: its security groups are unknown",
            )
        where = f"{end.interface_id}: {', '.join(end.group_ids) or 'no security group'}"
        if not end.groups:
            kind = end.interface_type or "interface"
            return Step(
                name,
                where,
                "skip",
                f"{end.interface_id} ({kind}) has no security group: nothing filters here",
            )
        rows = self.rules(end, direction, remote)
        to_from = "to" if direction == "egress" else "from"
        allowing = [r for r in rows if r["protocol_match"] and r["port_match"] and r["peer_match"]]
        if allowing:
            return Step(
                name,
                where,
                "allow",
                f"{len(allowing)} {direction} rule(s) allow {self.what} {to_from} {remote.text}",
                rules=tuple(_sg_rule(r) for r in allowing),
            )
        near = _near_misses(rows, remote_end)
        ids = ", ".join(end.group_ids)
        detail = f"no {direction} rule of {ids} allows {self.what} {to_from} {remote.text}"
        unresolvable = [m for m in near if m["mismatch"] == "unresolvable peer"]
        if unresolvable:
            detail += (
                f" ({len(unresolvable)} rule(s) with a peer outside the snapshot might: "
                + ", ".join(m["rule_id"] for m in unresolvable)
                + ")"
            )
        return Step(
            name,
            where,
            "deny",
            detail,
            near_misses=tuple(near),
            blocker=f"{ids} on {end.interface_id}: no {direction} rule allows {self.what} "
            f"{to_from} {remote.text}",
            fix=self._sg_fix(end, direction, rows, remote, remote_end),
        )

    def _sg_fix(
        self,
        end: Endpoint,
        direction: str,
        rows: list[dict[str, Any]],
        remote: Address,
        remote_end: Endpoint,
    ) -> str:
        """'allow tcp 8443 ingress on sg-app from sg-web' (else from SRC/32): on the group of `end`
        closest to the traffic, with the remote's group closest to it as the peer (see
        :func:`_closest_group`)."""
        target = _closest_group(end, rows, remote_end, self.protocol)
        peer = remote.host_cidr
        if remote_end.inside and remote_end.groups:
            opposite = "ingress" if direction == "egress" else "egress"
            own = self.source if remote_end is self.dst_end else self.destination
            remote_rows = self.rules(remote_end, opposite, own)
            peer = _closest_group(remote_end, remote_rows, end, self.protocol)
        to_from = "to" if direction == "egress" else "from"
        return f"allow {self.what} {direction} on {target} {to_from} {peer}"

    def rules(self, end: Endpoint, direction: str, remote: Address) -> list[dict[str, Any]]:
        """Every rule of `end`'s groups in `direction`, with what it matches for `remote`."""
        return _rows(
            self.con,
            "explain/rules",
            {
                "interface_id": end.interface_id,
                "direction": direction,
                "protocol": self.protocol,
                "port": self.port,
                "family": remote.family,
                "hi": remote.hi,
                "lo": remote.lo,
            },
        )

    def stateful_return(self) -> Step:
        ends = [e for e in (self.src_end, self.dst_end) if e.inside and e.groups]
        if not ends:
            return Step(
                "security groups",
                "-",
                "skip",
                "no security group on either end",
            )
        where = ", ".join(str(e.interface_id) for e in ends)
        return Step(
            "security groups",
            where,
            "allow",
            "stateful: the replies of a connection the security groups allowed pass them "
            "(a tracked connection), whatever their rules in the other direction",
        )

    # - network ACLs -

    def acl(
        self,
        name: str,
        end: Endpoint,
        direction: str,
        remote: Address,
        ports: int | tuple[int, int] | None,
    ) -> Step:
        bound = "outbound" if direction == "egress" else "inbound"
        if not end.inside:
            return Step(
                name,
                f"{end.address} (outside the snapshot)",
                "skip",
                f"{end.address} is not an interface of the snapshot: "
                "its subnet and ACL are unknown",
            )
        if self.same_subnet:
            return Step(
                name,
                f"subnet {end.subnet_id}",
                "skip",
                "both ends are in subnet "
                f"{end.subnet_id}: network ACLs only filter traffic crossing the subnet boundary",
            )
        if end.subnet_id is None:
            return Step(name, f"{end.interface_id}", "skip", "the interface has no subnet")
        if isinstance(ports, tuple):
            decisions = nacl_decisions(
                self.con, end.subnet_id, direction, self.protocol, ports, remote.text
            )
        else:
            one = nacl_decision(
                self.con, end.subnet_id, direction, self.protocol, ports, remote.text
            )
            decisions = [one] if one else []
        if not decisions:
            return Step(
                name,
                f"subnet {end.subnet_id}",
                "skip",
                f"the snapshot has no network ACL for subnet {end.subnet_id}",
            )
        first = decisions[0]
        which = "" if first.associated else " (the VPC's default, no association)"
        if first.associated and first.is_default:
            which = " (default)"
        where = f"{first.acl_id}{which} on {end.subnet_id}"
        to_from = "to" if direction == "egress" else "from"
        traffic = _acl_traffic(self.protocol, ports)
        rules = tuple(_acl_rule(d) for d in decisions)
        denied = [d for d in decisions if not d.allows]
        if not denied:
            return Step(
                name,
                where,
                "allow",
                "; ".join(_piece(d) for d in decisions),
                rules=rules,
            )
        verdict = "deny" if len(denied) == len(decisions) else "partial"
        blocker = denied[0]
        blocked = traffic if verdict == "deny" else _acl_traffic(self.protocol, blocker.ports)
        fix = (
            f"add an allow entry before rule {blocker.rule_number} of {blocker.acl_id}: "
            f"{bound} {blocked} {to_from} {remote.host_cidr}"
        )
        return Step(
            name,
            where,
            verdict,
            "; ".join(_piece(d) for d in decisions),
            rules=rules,
            blocker=f"{blocker.acl_id} rule {blocker.rule} ({_entry_text(blocker)})",
            fix=fix,
        )


def _closest_group(
    end: Endpoint, rows: list[dict[str, Any]], other: Endpoint, protocol: int
) -> str:
    """The group of `end` a fix should name: first a group with a rule (in `rows`) that already
    concerns `other` (its peer holds the other address, or is one of the other end's groups), then
    the group with the most rules of this protocol, then the lowest id."""
    others = set(other.group_ids)

    def rank(group_id: str) -> tuple[int, int, str]:
        mine = [r for r in rows if r["group_id"] == group_id]
        related = any(r["peer_match"] or r["peer"] in others for r in mine)
        same_protocol = sum(1 for r in mine if r["protocol"] in (-1, protocol))
        return (0 if related else 1, -same_protocol, group_id)

    return min(end.group_ids, key=rank)


def _acl_traffic(protocol: int, ports: int | tuple[int, int] | None) -> str:
    if protocol not in (6, 17) or ports is None:
        return _traffic_text(protocol, None)
    if isinstance(ports, tuple):
        lo, hi = ports
        return (
            f"{protocol_name(protocol)} {lo}"
            if lo == hi
            else f"{protocol_name(protocol)} {lo}-{hi}"
        )
    return f"{protocol_name(protocol)} {ports}"


def _entry_text(decision: NaclDecision) -> str:
    """The deciding entry without its 'rule N: ' prefix: 'deny all traffic from 192.0.2.66/32',
    or 'no entry matches' for the implicit `*` rule."""
    if not decision.listed:
        return "no entry matches"
    return decision.description.split(": ", 1)[-1]


def _piece(decision: NaclDecision) -> str:
    """'rule 100: allow all traffic to 0.0.0.0/0', prefixed with the ports of a range piece."""
    if decision.ports and decision.ports[0] != decision.ports[1]:
        return f"ports {decision.ports[0]}-{decision.ports[1]}: {decision.description}"
    return decision.description


def _near_misses(rows: list[dict[str, Any]], remote_end: Endpoint) -> list[dict[str, Any]]:
    """Rules that almost allow the packet: the right peer but not the port or protocol, the
    right traffic but another peer, or a peer flowsg cannot resolve. Rules naming the remote's
    own groups come first."""
    remote_groups = set(remote_end.group_ids)
    out: list[tuple[int, dict[str, Any]]] = []
    for r in rows:
        traffic = r["protocol_match"] and r["port_match"]
        if r["peer_match"] and not traffic:
            mismatch = "port" if r["protocol_match"] else "protocol"
            out.append((0, _sg_rule(r, mismatch)))
        elif traffic and not r["resolvable"]:
            out.append((1, _sg_rule(r, "unresolvable peer")))
        elif traffic:
            out.append((2, _sg_rule(r, "peer")))
        elif r["peer"] in remote_groups:
            out.append((0, _sg_rule(r, "port" if r["protocol_match"] else "protocol")))
    out.sort(key=lambda x: (x[0], x[1]["rule_id"]))
    return [rule for _, rule in out[:_MAX_NEAR_MISSES]]


# --- observed records, conclusion ---------------------------------------------------------------


def _observed(
    con: duckdb.DuckDBPyConnection,
    protocol: int,
    port: int | None,
    source: Address,
    destination: Address,
) -> tuple[Observed, ...]:
    params = {
        "protocol": protocol,
        "port": port,
        "src_family": source.family,
        "src_hi": source.hi,
        "src_lo": source.lo,
        "dst_family": destination.family,
        "dst_hi": destination.hi,
        "dst_lo": destination.lo,
    }
    return tuple(
        Observed(
            leg=r["leg"],
            interface_id=r["interface_id"],
            direction=r["direction"],
            action=r["action"],
            verdict=r["verdict"],
            reason=r["reason"],
            records=int(r["records"]),
            packets=int(r["packets"]),
            bytes=int(r["bytes"]),
            first_seen=_time(r["first_seen"]),
            last_seen=_time(r["last_seen"]),
        )
        for r in _rows(con, "explain/observed", params)
    )


def _time(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _conclude(
    steps: tuple[Step, ...], return_path: tuple[Step, ...]
) -> tuple[str, str | None, str]:
    """(result, blocked_at, conclusion)."""
    for step in steps:
        if step.verdict == "deny":
            return "blocked", step.step, f"blocked at {step.step} by {step.blocker}"
    for step in return_path:
        if step.verdict == "deny":
            where = f"{step.step} (return path)"
            return "blocked", where, f"blocked at {where} by {step.blocker}"
    partial = [s for s in return_path if s.verdict == "partial"]
    if partial:
        step = partial[0]
        allowed = [r["ports"] for r in step.rules if r["action"] == "allow" and r["ports"]]
        ranges = ", ".join(f"{lo}-{hi}" for lo, hi in allowed)
        return (
            "partial",
            f"{step.step} (return path)",
            f"allowed only from client ports {ranges}: replies to the other ports are blocked "
            f"at {step.step} (return path) by {step.blocker}",
        )
    if all(s.verdict == "skip" for s in steps):
        return "unknown", None, "unknown: neither end is an interface of the snapshot"
    return "allowed", None, "allowed"


def _notes(src_end: Endpoint, dst_end: Endpoint, same_subnet: bool) -> list[str]:
    notes = []
    for side, end in (("source", src_end), ("destination", dst_end)):
        if not end.inside:
            notes.append(
                f"the {side} {end.address} is not an address of an interface in the snapshot "
                "(outside the VPC, or an interface the snapshot lacks): no security-group or ACL "
                "step on its side"
            )
        if end.other_interfaces:
            notes.append(
                f"{end.address} is also an address of " + ", ".join(end.other_interfaces) + " "
                f"(the snapshot has it more than once); {end.interface_id} is used"
            )
    if same_subnet:
        notes.append(
            f"both ends are in {src_end.subnet_id}: network ACLs do not filter traffic that "
            "stays inside a subnet"
        )
    return notes


_BLOCKING_LEG = {
    "source egress": ("request", "source"),
    "source ACL outbound": ("request", "source"),
    "destination ACL inbound": ("request", "destination"),
    "destination ingress": ("request", "destination"),
    "destination ACL outbound": ("reply", "destination"),
    "source ACL inbound": ("reply", "source"),
}
"""Which records a step filters: (leg, end whose interface logs them)."""


def _evidence_notes(
    blocked: Step | None, src_end: Endpoint, dst_end: Endpoint, observed: tuple[Observed, ...]
) -> list[str]:
    """Where the observed records disagree with the snapshot: ACCEPTs at the interface of the
    blocking step, or REJECTs of requests when the snapshot allows the connection."""
    notes = []
    if blocked is not None:
        leg, side = _BLOCKING_LEG.get(blocked.step, ("request", "destination"))
        end = src_end if side == "source" else dst_end
        accepted = [
            o
            for o in observed
            if o.leg == leg and o.interface_id == end.interface_id and o.action == "ACCEPT"
        ]
        if accepted:
            total = sum(o.records for o in accepted)
            last = max((o.last_seen for o in accepted if o.last_seen), default=None)
            until = f", the last ending {_iso(last)}" if last else ""
            notes.append(
                f"{total:,} {leg} record(s) on {end.interface_id} were ACCEPTed although the "
                f"snapshot blocks them at {blocked.step}{until}: the snapshot and the traffic are "
                "from different times, or a tracked connection outlived its rule"
            )
        return notes
    rejected = [o for o in observed if o.leg == "request" and o.action == "REJECT"]
    if rejected:
        total = sum(o.records for o in rejected)
        verdicts = ", ".join(sorted({o.verdict or "-" for o in rejected}))
        notes.append(
            f"{total:,} request record(s) were REJECTed although the snapshot allows this "
            f"connection (verdicts: {verdicts}): see their reason"
        )
    return notes


# --- text ---------------------------------------------------------------------------------------


def _endpoint_lines(label: str, end: Endpoint) -> list[str]:
    head = f"  {label:<12} {end.address}"
    if not end.inside:
        return [f"{head}  outside the snapshot"]
    what = end.interface_type or "interface"
    if end.instance_id:
        what += f", instance {end.instance_id}"
    if end.description:
        what += f", {end.description}"
    lines = _wrap(f"{end.interface_id} ({what})", f"{head}  ", " " * 16)
    lines += _wrap(f"subnet {end.subnet_id or '-'}, groups {end.groups_text()}", " " * 15, " " * 17)
    return lines


def _step_lines(number: str, step: Step) -> list[str]:
    verdict = step.verdict.upper() if step.verdict in ("deny", "partial") else step.verdict
    head = f"  {number:<3} {step.step:<24} {verdict:<8} "
    if len(head) + len(step.where) <= 100:
        lines = [head + step.where]
    else:
        lines = [head.rstrip(), *_wrap(step.where, " " * 8, " " * 10)]
    lines += _wrap(step.detail, " " * 8, " " * 10)
    for rule in step.rules:
        if "rule_id" in rule:
            lines += _wrap(_rule_line(rule), " " * 8, " " * 10)
    if step.near_misses:
        lines.append("        near misses:")
        for rule in step.near_misses[:5]:
            why = (
                "peer outside the snapshot"
                if rule["mismatch"] == "unresolvable peer"
                else f"{rule['mismatch']} differs"
            )
            lines += _wrap(f"{_rule_line(rule)}  ({why})", " " * 10, " " * 12)
        if len(step.near_misses) > 5:
            lines.append(f"          ... and {len(step.near_misses) - 5} more (--format json)")
    return lines


def _rule_line(rule: dict[str, Any]) -> str:
    side = "to" if rule["direction"] == "egress" else "from"
    group = rule["group_name"] or rule["group_id"]
    return f"{rule['rule_id']}  {group}  {rule['traffic']} {side} {rule['peer']}"


def _days(observed: tuple[Observed, ...]) -> set[Any]:
    days = {o.first_seen.date() for o in observed if o.first_seen}
    return days | {o.last_seen.date() for o in observed if o.last_seen}


def _observed_days(observed: tuple[Observed, ...]) -> str:
    """' (2026-11-02, times UTC)' when every record is of one day, else ' (times UTC)'."""
    days = _days(observed)
    return f" ({next(iter(days)):%Y-%m-%d}, times UTC)" if len(days) == 1 else " (times UTC)"


def _observed_lines(observed: tuple[Observed, ...]) -> list[str]:
    from ..output import render_table  # here: flowsg.output imports flowsg.report

    days = _days(observed)
    pattern = "%H:%M:%S" if len(days) <= 1 else "%m-%d %H:%M"

    def moment(value: datetime | None) -> str | None:
        return None if value is None else value.strftime(pattern)

    table = pa.table(
        {
            "leg": [o.leg for o in observed],
            "interface": [o.interface_id for o in observed],
            "direction": [o.direction for o in observed],
            "action": [o.action for o in observed],
            "verdict": [o.verdict for o in observed],
            "records": pa.array([o.records for o in observed], pa.int64()),
            "first": [moment(o.first_seen) for o in observed],
            "last": [moment(o.last_seen) for o in observed],
        }
    )
    lines = ["  " + line for line in render_table(table).rstrip("\n").splitlines()]
    reasons = dict.fromkeys((o.verdict, o.reason) for o in observed if o.reason)
    for verdict, reason in reasons:
        lines += _wrap(f"{verdict}: {reason}", "  reason  ", " " * 10)
    return lines


def _wrap(text: str, first: str, rest: str, width: int = 100) -> list[str]:
    """`text` wrapped at `width` columns, the first line after `first`, the others after `rest`;
    ids and addresses are never broken."""
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]
