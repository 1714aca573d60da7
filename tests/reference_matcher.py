"""A brute-force reference for flowsg's attribution, written independently of flowsg's code.

Pure Python over the standard ``ipaddress`` module: a loop over records and rules, no DuckDB. It
implements the "Matching" section of issue 3 literally, with these decisions of ours where the
issue leaves room:

* Rules come from ``SecurityGroupRules`` when any document has that key (rule id =
  ``SecurityGroupRuleId``); otherwise from ``IpPermissions``/``IpPermissionsEgress``, one rule per
  (permission x peer), id ``<group_id>:<direction>:<protocol number>:<from or *>-<to or *>:<peer>``.
* Protocol names: ``tcp`` 6, ``udp`` 17, ``icmp`` 1, ``icmpv6`` 58, ``-1``/``all`` -1 (any case).
* Verdict precedence: log_status NODATA/SKIPDATA -> ``skipped``; interface not in the snapshot ->
  ``unknown_interface``; interface without security groups -> ``no_security_group``; action NULL ->
  ``skipped``; then ACCEPT/REJECT by the issue's table.
* Direction: flow_direction when present; else ``ingress`` when dstaddr is an address of the
  interface, ``egress`` when srcaddr is, else None (and then req and rev are empty).
* A TCP/UDP rule with ports absent or -1 (or 0-65535) matches every port, and is the only kind a
  NULL port matches. NULL protocol matches only -1 rules. A NULL remote address matches nothing.
* Paired: *another* record at the same interface with the same protocol, swapped addresses and
  swapped ports, compared like SQL ``=`` (a NULL never equals anything); any action or status.
* Rule usage: hits/sole_hits over ``allowed`` records, return_hits over ``return`` records,
  packets/bytes summed over the hits (NULL counts 0, no hits gives 0), first_seen = min start and
  last_seen = max end over the hits (None without hits).

Input: the snapshot as the AWS CLI JSON documents (``{"SecurityGroups": [...]}``,
``{"SecurityGroupRules": [...]}``, ``{"NetworkInterfaces": [...]}``, ``{"PrefixLists": [...]}``)
plus the ``{"Entries": [...]}`` document per prefix-list id; records as dicts keyed by the flow-log
field names (``interface-id``, ``srcaddr``, ..., ``flow-direction``), ``None`` for ``-``.
Output: ``evaluate`` gives per record direction, verdict, matched_rule_ids (sorted; plus req, rev,
paired and the orientation, for diagnostics) and per rule its usage.

Below the reference, kept apart from it: a harness that writes the same case as files (snapshot
JSON, a flow-log text file with a header) and reads flowsg's answer back in the same shape, and
builders for AWS CLI snapshot documents and records, shared by ``test_matching_rules.py`` and
``test_matcher_reference.py``. Only the harness imports flowsg.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PROTOCOL_NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "all": -1}
PORTED = (6, 17)
VERDICTS = (
    "allowed",
    "return",
    "unexplained",
    "blocked_elsewhere",
    "no_rule",
    "unknown_interface",
    "no_security_group",
    "skipped",
)


def protocol_number(value: object) -> int:
    """A rule's IpProtocol (name or number, any case) as a number; -1 for all."""
    text = str(value).strip().lower()
    if text in PROTOCOL_NAMES:
        return PROTOCOL_NAMES[text]
    return int(text)


@dataclass(frozen=True)
class Rule:
    rule_id: str
    group_id: str
    direction: str  # "ingress" | "egress"
    protocol: int  # -1 = all
    from_port: int | None  # None = absent
    to_port: int | None
    peer_kind: str  # cidr4 | cidr6 | security_group | prefix_list
    peer: str

    def all_ports(self) -> bool:
        lo = 0 if self.from_port is None or self.from_port == -1 else self.from_port
        hi = 65535 if self.to_port is None or self.to_port == -1 else self.to_port
        return lo <= 0 and hi >= 65535

    def port_ok(self, port: int | None) -> bool:
        if self.protocol not in PORTED or self.all_ports():
            return True
        if port is None:
            return False
        lo = 0 if self.from_port is None or self.from_port == -1 else self.from_port
        hi = 65535 if self.to_port is None or self.to_port == -1 else self.to_port
        return lo <= port <= hi


@dataclass
class Interface:
    interface_id: str
    groups: tuple[str, ...]
    addresses: set[Address] = field(default_factory=set)
    prefixes: list[Network] = field(default_factory=list)

    def owns(self, address: Address | None) -> bool:
        if address is None:
            return False
        return address in self.addresses or any(address in p for p in self.prefixes)


@dataclass
class Snapshot:
    groups: set[str]
    rules: list[Rule]
    interfaces: dict[str, Interface]
    prefix_entries: dict[str, list[Network]]  # only lists with an Entries document

    def peer_holds(self, rule: Rule, address: Address | None) -> bool:
        if address is None:
            return False
        if rule.peer_kind in ("cidr4", "cidr6"):
            return address in ipaddress.ip_network(rule.peer, strict=False)
        if rule.peer_kind == "prefix_list":
            return any(address in net for net in self.prefix_entries.get(rule.peer, ()))
        if rule.peer_kind == "security_group":
            if rule.peer not in self.groups:
                return False
            return any(
                rule.peer in eni.groups and eni.owns(address) for eni in self.interfaces.values()
            )
        raise AssertionError(rule.peer_kind)


def _port(value: Any) -> int | None:
    return None if value is None else int(value)


def _rule_from_api(doc: Mapping[str, Any]) -> Rule:
    for key, kind in (
        ("CidrIpv4", "cidr4"),
        ("CidrIpv6", "cidr6"),
        ("PrefixListId", "prefix_list"),
    ):
        if doc.get(key):
            peer_kind, peer = kind, str(doc[key])
            break
    else:
        peer_kind, peer = "security_group", str(doc["ReferencedGroupInfo"]["GroupId"])
    return Rule(
        rule_id=str(doc["SecurityGroupRuleId"]),
        group_id=str(doc["GroupId"]),
        direction="egress" if doc.get("IsEgress") else "ingress",
        protocol=protocol_number(doc["IpProtocol"]),
        from_port=_port(doc.get("FromPort")),
        to_port=_port(doc.get("ToPort")),
        peer_kind=peer_kind,
        peer=peer,
    )


def derived_rule_id(
    group_id: str, direction: str, protocol: int, lo: int | None, hi: int | None, peer: str
) -> str:
    a = "*" if lo is None else str(lo)
    b = "*" if hi is None else str(hi)
    return f"{group_id}:{direction}:{protocol}:{a}-{b}:{peer}"


def _rules_from_permissions(group: Mapping[str, Any]) -> list[Rule]:
    out: list[Rule] = []
    gid = str(group["GroupId"])
    for key, direction in (("IpPermissions", "ingress"), ("IpPermissionsEgress", "egress")):
        for perm in group.get(key) or []:
            proto = protocol_number(perm["IpProtocol"])
            lo, hi = _port(perm.get("FromPort")), _port(perm.get("ToPort"))
            peers: list[tuple[str, str]] = []
            peers += [("cidr4", str(r["CidrIp"])) for r in perm.get("IpRanges") or []]
            peers += [("cidr6", str(r["CidrIpv6"])) for r in perm.get("Ipv6Ranges") or []]
            peers += [
                ("prefix_list", str(r["PrefixListId"])) for r in perm.get("PrefixListIds") or []
            ]
            peers += [
                ("security_group", str(r["GroupId"])) for r in perm.get("UserIdGroupPairs") or []
            ]
            for kind, peer in peers:
                rid = derived_rule_id(gid, direction, proto, lo, hi, peer)
                out.append(Rule(rid, gid, direction, proto, lo, hi, kind, peer))
    return out


def _interface(doc: Mapping[str, Any]) -> Interface:
    eni = Interface(
        interface_id=str(doc["NetworkInterfaceId"]),
        groups=tuple(str(g["GroupId"]) for g in doc.get("Groups") or []),
    )
    if doc.get("PrivateIpAddress"):
        eni.addresses.add(ipaddress.ip_address(doc["PrivateIpAddress"]))
    for item in doc.get("PrivateIpAddresses") or []:
        if item.get("PrivateIpAddress"):
            eni.addresses.add(ipaddress.ip_address(item["PrivateIpAddress"]))
    for item in doc.get("Ipv6Addresses") or []:
        eni.addresses.add(ipaddress.ip_address(item["Ipv6Address"]))
    for item in doc.get("Ipv4Prefixes") or []:
        eni.prefixes.append(ipaddress.ip_network(item["Ipv4Prefix"], strict=False))
    for item in doc.get("Ipv6Prefixes") or []:
        eni.prefixes.append(ipaddress.ip_network(item["Ipv6Prefix"], strict=False))
    return eni


def load_snapshot(
    documents: Iterable[Mapping[str, Any]], entries: Mapping[str, Mapping[str, Any]]
) -> Snapshot:
    """The snapshot from AWS CLI documents; ``entries`` maps a prefix-list id to its Entries doc."""
    docs = list(documents)
    groups: dict[str, Mapping[str, Any]] = {}
    for doc in docs:
        for g in doc.get("SecurityGroups") or []:
            groups.setdefault(str(g["GroupId"]), g)
    api_rules = [r for doc in docs for r in doc.get("SecurityGroupRules") or []]
    has_api = any("SecurityGroupRules" in doc for doc in docs)
    rules: dict[str, Rule] = {}
    if has_api:
        for r in api_rules:
            rule = _rule_from_api(r)
            rules.setdefault(rule.rule_id, rule)
    else:
        for g in groups.values():
            for rule in _rules_from_permissions(g):
                rules.setdefault(rule.rule_id, rule)
    interfaces: dict[str, Interface] = {}
    for doc in docs:
        for n in doc.get("NetworkInterfaces") or []:
            eni = _interface(n)
            interfaces.setdefault(eni.interface_id, eni)
    prefix_entries = {
        pl: [ipaddress.ip_network(e["Cidr"], strict=False) for e in doc.get("Entries") or []]
        for pl, doc in entries.items()
    }
    return Snapshot(set(groups), list(rules.values()), interfaces, prefix_entries)


@dataclass
class RecordResult:
    direction: str | None
    verdict: str
    matched_rule_ids: list[str]
    req: list[str]
    rev: list[str]
    paired: bool
    orientation: str | None  # "request" | "response" | None when not evaluated


@dataclass
class Usage:
    hits: int = 0
    sole_hits: int = 0
    return_hits: int = 0
    packets: int = 0
    bytes: int = 0
    first_seen: int | None = None
    last_seen: int | None = None


@dataclass
class Result:
    records: list[RecordResult]
    usage: dict[str, Usage]


def _addr(value: Any) -> Address | None:
    return None if value is None else ipaddress.ip_address(str(value))


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def direction_of(snapshot: Snapshot, record: Mapping[str, Any]) -> str | None:
    if record.get("flow-direction") is not None:
        return str(record["flow-direction"])
    eni = snapshot.interfaces.get(record.get("interface-id"))  # type: ignore[arg-type]
    if eni is None:
        return None
    if eni.owns(_addr(record.get("dstaddr"))):
        return "ingress"
    if eni.owns(_addr(record.get("srcaddr"))):
        return "egress"
    return None


def matching_rules(
    snapshot: Snapshot,
    groups: Sequence[str],
    direction: str,
    protocol: int | None,
    port: int | None,
    remote: Address | None,
) -> list[str]:
    """Ids (sorted) of the rules of ``groups`` that match (direction, protocol, port, remote)."""
    out = []
    for rule in snapshot.rules:
        if rule.group_id not in groups or rule.direction != direction:
            continue
        if rule.protocol != -1 and (protocol is None or rule.protocol != protocol):
            continue
        if not rule.port_ok(port):
            continue
        if snapshot.peer_holds(rule, remote):
            out.append(rule.rule_id)
    return sorted(set(out))


PAIR_FIELDS = ("interface-id", "protocol", "srcaddr", "dstaddr", "srcport", "dstport")


def _flow(record: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The record's (interface, protocol, src, dst, srcport, dstport); None when a field is None,
    since SQL's ``=`` never holds for NULL."""
    if any(record.get(k) is None for k in PAIR_FIELDS):
        return None
    r = record
    return (
        r["interface-id"],
        int(r["protocol"]),
        _addr(r["srcaddr"]),
        _addr(r["dstaddr"]),
        int(r["srcport"]),
        int(r["dstport"]),
    )


def paired_flags(records: Sequence[Mapping[str, Any]]) -> list[bool]:
    """For each record, whether *another* record is its reverse: same interface and protocol,
    swapped addresses and ports. The flows are counted once (not a loop over every pair, so that
    a generated month of a VPC can be checked); a record that is its own reverse (the same
    address and port both ways) needs a second such record."""
    flows = [_flow(r) for r in records]
    counts = Counter(f for f in flows if f is not None)
    out = []
    for f in flows:
        if f is None:
            out.append(False)
            continue
        interface, protocol, src, dst, sport, dport = f
        reverse = (interface, protocol, dst, src, dport, sport)
        out.append(counts[reverse] - (reverse == f) > 0)
    return out


def orient(record: Mapping[str, Any], req: list[str], rev: list[str], paired: bool) -> str:
    """The issue's five orientation rules, first that applies."""
    protocol, flags = _int(record.get("protocol")), _int(record.get("tcp-flags"))
    action = record.get("action")
    if protocol == 6 and flags is not None and flags & 2:
        return "response" if flags & 18 == 18 else "request"
    if req and not rev:
        return "request"
    if rev and not req:
        return "request" if action == "REJECT" and not paired else "response"
    if req and rev:
        sp, dp = _int(record.get("srcport")), _int(record.get("dstport"))
        lower = sp is not None and dp is not None and sp < dp
        return "response" if lower and (action == "ACCEPT" or paired) else "request"
    return "request"


def evaluate(snapshot: Snapshot, records: Sequence[Mapping[str, Any]]) -> Result:
    results: list[RecordResult] = []
    pairs = paired_flags(records)
    for i, rec in enumerate(records):
        direction = direction_of(snapshot, rec)
        eni = snapshot.interfaces.get(rec.get("interface-id"))  # type: ignore[arg-type]
        paired = pairs[i]
        req: list[str] = []
        rev: list[str] = []
        if eni is not None and direction is not None:
            protocol = _int(rec.get("protocol"))
            src, dst = _addr(rec.get("srcaddr")), _addr(rec.get("dstaddr"))
            remote = src if direction == "ingress" else dst
            other = "egress" if direction == "ingress" else "ingress"
            req = matching_rules(
                snapshot, eni.groups, direction, protocol, _int(rec.get("dstport")), remote
            )
            rev = matching_rules(
                snapshot, eni.groups, other, protocol, _int(rec.get("srcport")), remote
            )
        status = rec.get("log-status")
        action = rec.get("action")
        orientation: str | None = None
        ids: list[str]
        if status in ("NODATA", "SKIPDATA"):
            verdict, ids = "skipped", []
        elif eni is None:
            verdict, ids = "unknown_interface", []
        elif not eni.groups:
            verdict, ids = "no_security_group", []
        elif action is None:
            verdict, ids = "skipped", []
        else:
            orientation = orient(rec, req, rev, paired)
            if action == "ACCEPT":
                if orientation == "request" and req:
                    verdict, ids = "allowed", req
                elif orientation == "response" and rev:
                    verdict, ids = "return", rev
                else:
                    verdict, ids = "unexplained", []
            elif action == "REJECT":
                if orientation == "request" and req:
                    verdict, ids = "blocked_elsewhere", req
                elif orientation == "response" and rev:
                    verdict, ids = "blocked_elsewhere", rev
                else:
                    verdict, ids = "no_rule", []
            else:
                raise ValueError(f"record {i}: unknown action {action!r}")
        results.append(RecordResult(direction, verdict, list(ids), req, rev, paired, orientation))

    usage = {rule.rule_id: Usage() for rule in snapshot.rules}
    for rec, res in zip(records, results, strict=True):
        if res.verdict == "allowed":
            for rid in res.matched_rule_ids:
                u = usage[rid]
                u.hits += 1
                u.sole_hits += len(res.matched_rule_ids) == 1
                u.packets += _int(rec.get("packets")) or 0
                u.bytes += _int(rec.get("bytes")) or 0
                start, end = _int(rec.get("start")), _int(rec.get("end"))
                if start is not None:
                    u.first_seen = start if u.first_seen is None else min(u.first_seen, start)
                if end is not None:
                    u.last_seen = end if u.last_seen is None else max(u.last_seen, end)
        elif res.verdict == "return":
            for rid in res.matched_rule_ids:
                usage[rid].return_hits += 1
    return Result(results, usage)


# --- Harness: the same case as files, and the engine's answer in the reference's shape -----------
# (Kept apart from the reference logic above, which never imports flowsg.)

LOG_FIELDS = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes"
    " start end action log-status tcp-flags flow-direction"
).split()
RECORD_DEFAULTS: dict[str, Any] = {"version": 5, "account-id": "123456789012"}


def log_text(records: Sequence[Mapping[str, Any]]) -> str:
    """A flow-log text file with a header; record i is on line i + 2."""
    lines = [" ".join(LOG_FIELDS)]
    for rec in records:
        values = []
        for name in LOG_FIELDS:
            value = rec.get(name, RECORD_DEFAULTS.get(name))
            values.append("-" if value is None else str(value))
        lines.append(" ".join(values))
    return "\n".join(lines) + "\n"


def write_case(
    root: Any,
    documents: Sequence[Mapping[str, Any]],
    entries: Mapping[str, Mapping[str, Any]],
    records: Sequence[Mapping[str, Any]],
) -> tuple[Any, Any]:
    """Write the snapshot (one file per document, Entries under a sub-folder) and the log."""
    import json
    from pathlib import Path

    root = Path(root)
    snap = root / "snapshot"
    (snap / "prefix-lists").mkdir(parents=True, exist_ok=True)
    for i, doc in enumerate(documents):
        (snap / f"doc-{i:02d}.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    for pl, doc in entries.items():
        (snap / "prefix-lists" / f"{pl}.json").write_text(json.dumps(doc), encoding="utf-8")
    log = root / "flows.log"
    log.write_text(log_text(records), encoding="utf-8")
    return log, snap


@dataclass
class EngineResult:
    records: dict[int, tuple[str | None, str, list[str]]]  # line -> (direction, verdict, ids)
    usage: dict[str, Usage]
    rows: dict[int, dict[str, Any]]


def _epoch(value: Any) -> int | None:
    from datetime import UTC, datetime

    if value is None or isinstance(value, int):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return int(value.timestamp())
    return int(value)


def run_engine(log: Any, snap: Any) -> EngineResult:
    """flowsg.connect/load/load_snapshot/attribute on the files; flows and rule_usage read back."""
    import flowsg

    con = flowsg.connect(":memory:")
    try:
        flowsg.load(con, [log])
        flowsg.load_snapshot(con, snap)
        flowsg.attribute(con)
        cur = con.execute("SELECT * FROM flows ORDER BY line_number")
        names = [d[0] for d in cur.description]
        rows = {
            r["line_number"]: r for r in (dict(zip(names, t, strict=True)) for t in cur.fetchall())
        }
        records = {
            line: (r["direction"], r["verdict"], list(r["matched_rule_ids"] or []))
            for line, r in rows.items()
        }
        cur = con.execute(
            "SELECT rule_id, hits, sole_hits, return_hits, packets, bytes, first_seen, last_seen"
            " FROM rule_usage"
        )
        usage = {
            str(rid): Usage(hits, sole, ret, packets, nbytes, _epoch(first), _epoch(last))
            for rid, hits, sole, ret, packets, nbytes, first, last in cur.fetchall()
        }
    finally:
        con.close()
    return EngineResult(records, usage, rows)


VPC = "vpc-0a1b2c3d4e5f60718"
OWNER = "111122223333"
T0 = 1_700_000_000


# --- Builders: snapshots and records for the tests ---------------------------------------------


def group(gid: str) -> dict[str, Any]:
    return {
        "GroupId": gid,
        "GroupName": f"name-{gid}",
        "Description": f"group {gid}",
        "OwnerId": OWNER,
        "VpcId": VPC,
    }


def rule(
    rid: str,
    gid: str,
    direction: str,
    protocol: str,
    lo: int | None = -1,
    hi: int | None = -1,
    *,
    cidr: str | None = None,
    sg: str | None = None,
    pl: str | None = None,
) -> dict[str, Any]:
    """A describe-security-group-rules entry; exactly one of cidr / sg / pl."""
    doc: dict[str, Any] = {
        "SecurityGroupRuleId": rid,
        "GroupId": gid,
        "GroupOwnerId": OWNER,
        "IsEgress": direction == "egress",
        "IpProtocol": protocol,
        "Tags": [],
    }
    if lo is not None:
        doc["FromPort"] = lo
    if hi is not None:
        doc["ToPort"] = hi
    if cidr is not None:
        doc["CidrIpv6" if ":" in cidr else "CidrIpv4"] = cidr
    elif sg is not None:
        doc["ReferencedGroupInfo"] = {"GroupId": sg, "UserId": OWNER}
    else:
        assert pl is not None
        doc["PrefixListId"] = pl
    return doc


def permission(r: Mapping[str, Any]) -> dict[str, Any]:
    """The describe-security-groups form of one rule (so both files agree, as in real snapshots)."""
    perm: dict[str, Any] = {
        "IpProtocol": r["IpProtocol"],
        "IpRanges": [],
        "Ipv6Ranges": [],
        "PrefixListIds": [],
        "UserIdGroupPairs": [],
    }
    if str(r["IpProtocol"]) != "-1":
        for key in ("FromPort", "ToPort"):
            if key in r:
                perm[key] = r[key]
    if "CidrIpv4" in r:
        perm["IpRanges"].append({"CidrIp": r["CidrIpv4"]})
    elif "CidrIpv6" in r:
        perm["Ipv6Ranges"].append({"CidrIpv6": r["CidrIpv6"]})
    elif "PrefixListId" in r:
        perm["PrefixListIds"].append({"PrefixListId": r["PrefixListId"]})
    else:
        info = r["ReferencedGroupInfo"]
        perm["UserIdGroupPairs"].append({"GroupId": info["GroupId"], "UserId": OWNER})
    return perm


def eni(
    iid: str,
    groups: Sequence[str],
    primary: str | None = None,
    *,
    secondary: Sequence[str] = (),
    ipv6: Sequence[str] = (),
    v4_prefixes: Sequence[str] = (),
    v6_prefixes: Sequence[str] = (),
    public_ip: str | None = None,
    kind: str = "interface",
) -> dict[str, Any]:
    """A describe-network-interfaces entry."""
    doc: dict[str, Any] = {
        "NetworkInterfaceId": iid,
        "InterfaceType": kind,
        "Description": f"interface {iid}",
        "SubnetId": "subnet-0123456789abcdef0",
        "VpcId": VPC,
        "OwnerId": OWNER,
        "Status": "in-use",
        "Groups": [{"GroupId": g, "GroupName": f"name-{g}"} for g in groups],
        "PrivateIpAddresses": [],
        "Ipv6Addresses": [{"Ipv6Address": a} for a in ipv6],
        "Ipv4Prefixes": [{"Ipv4Prefix": p} for p in v4_prefixes],
        "Ipv6Prefixes": [{"Ipv6Prefix": p} for p in v6_prefixes],
        "TagSet": [],
    }
    if primary is not None:
        doc["PrivateIpAddress"] = primary
        doc["PrivateIpAddresses"].append({"PrivateIpAddress": primary, "Primary": True})
    for a in secondary:
        doc["PrivateIpAddresses"].append({"PrivateIpAddress": a, "Primary": False})
    if public_ip is not None:
        assoc = {"PublicIp": public_ip, "IpOwnerId": "amazon"}
        doc["Association"] = assoc
        doc["PrivateIpAddresses"][0]["Association"] = assoc
    return doc


@dataclass
class Snap:
    """A snapshot: groups, rules (describe-security-group-rules), interfaces, prefix lists.

    ``prefix_lists`` maps a list id to its entries, or to None for a list without an Entries file.
    ``api_rules=False`` leaves out describe-security-group-rules: the rules then come from the
    IpPermissions of describe-security-groups only. ``pages > 1`` spreads groups, rules and
    interfaces over that many files per key, the first item repeated in the last file (as pages
    or overlapping exports would: the same id twice counts once).
    """

    groups: list[str]
    rules: list[dict[str, Any]]
    enis: list[dict[str, Any]]
    prefix_lists: dict[str, list[str] | None] = field(default_factory=dict)
    api_rules: bool = True
    pages: int = 1

    def _paged(self, key: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.pages <= 1 or not items:
            return [{key: items}]
        chunks = [items[i :: self.pages] for i in range(self.pages)]
        chunks[-1] = chunks[-1] + items[:1]
        return [{key: chunk} for chunk in chunks]

    def documents(self) -> list[dict[str, Any]]:
        groups = []
        for gid in self.groups:
            g = group(gid)
            mine = [r for r in self.rules if r["GroupId"] == gid]
            g["IpPermissions"] = [permission(r) for r in mine if not r["IsEgress"]]
            g["IpPermissionsEgress"] = [permission(r) for r in mine if r["IsEgress"]]
            groups.append(g)
        docs = self._paged("SecurityGroups", groups)
        if self.api_rules:
            docs += self._paged("SecurityGroupRules", self.rules)
        docs += self._paged("NetworkInterfaces", self.enis)
        lists = []
        for pl, entries in self.prefix_lists.items():
            family = "IPv6" if entries and ":" in entries[0] else "IPv4"
            lists.append(
                {
                    "PrefixListId": pl,
                    "AddressFamily": family,
                    "State": "create-complete",
                    "PrefixListName": f"list-{pl}",
                    "MaxEntries": 10,
                    "Version": 1,
                    "OwnerId": OWNER,
                }
            )
        docs.append({"PrefixLists": lists})
        return docs

    def entries(self) -> dict[str, dict[str, Any]]:
        return {
            pl: {"Entries": [{"Cidr": c, "Description": "x"} for c in e]}
            for pl, e in self.prefix_lists.items()
            if e is not None
        }


def rec(
    interface: str | None,
    src: str | None,
    dst: str | None,
    sport: int | None,
    dport: int | None,
    proto: int | None = 6,
    action: str | None = "ACCEPT",
    *,
    flags: int | None = None,
    direction: str | None = None,
    packets: int | None = 10,
    nbytes: int | None = 1000,
    start: int = T0,
    end: int = T0 + 60,
    status: str = "OK",
) -> dict[str, Any]:
    """A flow record with the flow-log field names; None is written as '-'."""
    return {
        "interface-id": interface,
        "srcaddr": src,
        "dstaddr": dst,
        "srcport": sport,
        "dstport": dport,
        "protocol": proto,
        "packets": packets,
        "bytes": nbytes,
        "start": start,
        "end": end,
        "action": action,
        "log-status": status,
        "tcp-flags": flags,
        "flow-direction": direction,
    }


def nodata(interface: str, status: str = "NODATA") -> dict[str, Any]:
    return rec(interface, None, None, None, None, None, None, packets=None, nbytes=None,
               status=status)  # fmt: skip
