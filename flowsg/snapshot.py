"""Stage 2, snapshot: the AWS CLI's JSON about security groups into normalised DuckDB tables.

:func:`load_snapshot` walks a directory (recursively, sorted; a single file is accepted too) and
recognises every JSON file by its top-level key, whatever its name:

=====================  ==========================================================================
key                    command
=====================  ==========================================================================
``SecurityGroups``     ``aws ec2 describe-security-groups``
``SecurityGroupRules`` ``aws ec2 describe-security-group-rules`` (the source of the rules when
                       it holds at least one rule)
``NetworkInterfaces``  ``aws ec2 describe-network-interfaces``
``NetworkAcls``        ``aws ec2 describe-network-acls``
``PrefixLists``        ``aws ec2 describe-managed-prefix-lists``
``Entries``            ``aws ec2 get-managed-prefix-list-entries``; the prefix-list id is the
                       start of the file name (``pl-63a5400a.json``, ``pl-63a5400a-page2.json``)
=====================  ==========================================================================

A ``manifest.json`` written by ``flowsg snapshot`` (an object with ``taken_at``) is recognised
too: its time is ``SnapshotResult.taken_at`` (:func:`snapshot_time_warning` compares it with the
logs' time range), and it is listed in ``snapshot_files`` with the key ``manifest``.

Several files with the same key are merged in walk order; an id seen twice counts once (the first
wins). Keys and members may be absent, ``[]`` or ``{}``: all three mean "none". A file that is not
JSON or has none of these keys is skipped and reported (``SnapshotResult.skipped`` and the table
``snapshot_files``); an item that cannot be used (a rule with an unknown protocol, a malformed
CIDR, an item without its id) is skipped and reported too (``SnapshotResult.problems`` and
``snapshot_files.error``).

Python only walks the JSON (a snapshot is small) into Arrow tables; the tables themselves are
created by the SQL in ``queries/snapshot/``, all in one transaction.

Rule ids
--------
With ``describe-security-group-rules`` output a rule's id is AWS's own ``sgr-…`` id. Without it the
rules come from ``IpPermissions``/``IpPermissionsEgress`` of ``describe-security-groups``, one rule
per (permission x peer), with the deterministic id::

    <group_id>:<direction>:<protocol>:<from_port>-<to_port>:<peer>

``direction`` is ``ingress`` or ``egress``; ``protocol`` the protocol number (-1 for all, 6 for
tcp, 17 udp, 1 icmp, 58 icmpv6); ``from_port`` and ``to_port`` as AWS gives them, ``*`` when absent;
``peer`` the CIDR exactly as AWS gives it (``CidrIp``/``CidrIpv6``), the referenced group's id
(``sg-…``) or the prefix list's id (``pl-…``). Examples: ``sg-0123:ingress:6:443-443:0.0.0.0/0``,
``sg-0123:egress:-1:*-*:::/0``, ``sg-0123:ingress:-1:*-*:sg-0456``.

Address ranges
--------------
Every CIDR or address gets ``family`` (4 or 6) and ``first_hi, first_lo, last_hi, last_lo``: its
first and last address as 128-bit numbers (IPv4 as IPv4-mapped IPv6), each split into high and low
64 bits with the top bit flipped, the encoding of ``flows.srcaddr_hi/lo``. CIDRs are read
non-strictly (host bits are ignored); a single address is a /32 or /128.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from . import sql
from .errors import DatabaseError, InputError, SnapshotError
from .files import not_utf8, printable, walk_tree

KEYS = (
    "SecurityGroups",
    "SecurityGroupRules",
    "NetworkInterfaces",
    "NetworkAcls",
    "PrefixLists",
    "Entries",
)
"""The top-level keys a snapshot file is recognised by."""

TABLES = (
    "security_groups",
    "prefix_list_entries",
    "prefix_lists",
    "interfaces",
    "interface_groups",
    "addresses",
    "rules",
    "rule_peers",
    "nacls",
    "nacl_associations",
    "snapshot_files",
)
"""The tables :func:`load_snapshot` (re)creates, in the order it creates them."""

MANIFEST = "manifest.json"
"""The file name of ``flowsg snapshot``'s manifest."""

MAX_ERRORS_SHOWN = 20
"""Item problems spelled out in ``snapshot_files.error`` per file and key; the rest are counted."""

_PREFIX_LIST_FILE = re.compile(r"pl-[0-9a-f]+")
_PROTOCOL_NAMES = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "all": -1}
_INTEGER = re.compile(r"-?[0-9]{1,10}")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""A JSON escape of a UTF-16 surrogate: the text may hold a lone one, which is no character."""
_MAPPED_V4 = 0xFFFF << 32
_LOW_64 = 2**64 - 1
_FLIP = 2**63


@dataclass(frozen=True)
class SnapshotResult:
    """What :func:`load_snapshot` loaded: row counts of the main tables, and what it left out."""

    groups: int
    rules: int
    interfaces: int
    addresses: int
    prefix_lists: int
    prefix_list_entries: int
    nacl_entries: int
    rules_source: str
    """``SecurityGroupRules`` or ``IpPermissions``: where the rules came from."""
    skipped: tuple[tuple[str, str], ...] = ()
    """(path, reason) of every file skipped: not JSON, no known key, unreadable."""
    problems: tuple[tuple[str, str], ...] = ()
    """(path, message) of every item skipped inside a file that was read."""
    taken_at: tuple[datetime, ...] = ()
    """When the snapshot was taken (UTC), from each ``manifest.json`` of ``flowsg snapshot``."""


# --- small readers of the JSON members ----------------------------------------------------------


class _Invalid(ValueError):
    """An item (or a member of it) that cannot be used; it is skipped and reported."""


def _list(value: Any, what: str) -> list[Any]:
    """A JSON list member: absent, null, [] and {} are all the empty list."""
    if isinstance(value, list):
        return value
    if value is None or value == {} or value == "":
        return []
    raise _Invalid(f"{what} is not a list")


def _dict(value: Any, what: str) -> dict[str, Any]:
    """A JSON object member: absent, null, {} and [] are all the empty object."""
    if isinstance(value, dict):
        return value
    if value is None or value == [] or value == "":
        return {}
    raise _Invalid(f"{what} is not an object")


def _text(value: Any) -> str | None:
    """A free-text member (name, description, state): any scalar as text, else NULL."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _ident(item: dict[str, Any], key: str) -> str:
    """A required id member: a non-empty string."""
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise _Invalid(f"no {key}")
    return value.strip()


def _opt_ident(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _int(value: Any, what: str) -> int | None:
    """An integer member (a port, a rule number): NULL when absent, a 32-bit integer otherwise."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _Invalid(f"{what} is not an integer: {value!r}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise _Invalid(f"{what} is not an integer: {value!r}")
    if not -(2**31) <= number < 2**31:
        raise _Invalid(f"{what} is out of range: {number}")
    return number


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _protocol(value: Any) -> int:
    """A protocol as its IANA number, -1 for all: names (tcp, udp, icmp, icmpv6, all, any case)
    and numbers (as text or integers) are both accepted."""
    if value is None or value == "":
        raise _Invalid("no protocol")
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str):
        name = value.strip().lower()
        if name in _PROTOCOL_NAMES:
            return _PROTOCOL_NAMES[name]
        if re.fullmatch(r"-?[0-9]{1,3}", name):
            number = int(name)
    if number is not None and (number == -1 or 0 <= number <= 255):
        return number
    raise _Invalid(f"unknown protocol {value!r}")


Range = tuple[int, int, int, int, int]
"""(family, first_hi, first_lo, last_hi, last_lo)."""


def _halves(v: int) -> tuple[int, int]:
    return (v >> 64) - _FLIP, (v & _LOW_64) - _FLIP


def _network_range(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> Range:
    first, last = int(net.network_address), int(net.broadcast_address)
    if net.version == 4:
        first, last = first | _MAPPED_V4, last | _MAPPED_V4
    return (net.version, *_halves(first), *_halves(last))


def _cidr(value: Any, what: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, Range]:
    """A CIDR (or a single address: /32, /128), host bits ignored, and its address range."""
    if not isinstance(value, str) or not value:
        raise _Invalid(f"no {what}")
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise _Invalid(f"{what} is not a CIDR: {value!r}") from None
    if isinstance(net, ipaddress.IPv6Network) and net.network_address.scope_id is not None:
        raise _Invalid(f"{what} is not a CIDR: {value!r}")
    return net, _network_range(net)


def _address(value: Any, what: str) -> tuple[str, Range]:
    """A single IP address (canonical text) and its range (first = last)."""
    if not isinstance(value, str) or not value:
        raise _Invalid(f"no {what}")
    try:
        addr = ipaddress.ip_address(value)
    except ValueError:
        raise _Invalid(f"{what} is not an IP address: {value!r}") from None
    if isinstance(addr, ipaddress.IPv6Address) and addr.scope_id is not None:
        raise _Invalid(f"{what} is not an IP address: {value!r}")
    return str(addr), _network_range(ipaddress.ip_network(addr))


def _name_tag(tags: Any) -> str | None:
    for tag in _list(tags, "Tags"):
        if isinstance(tag, dict) and tag.get("Key") == "Name":
            return _text(tag.get("Value"))
    return None


# --- rows for the Arrow tables ------------------------------------------------------------------

_RANGE_FIELDS = [
    ("family", pa.int32()),
    ("first_hi", pa.int64()),
    ("first_lo", pa.int64()),
    ("last_hi", pa.int64()),
    ("last_lo", pa.int64()),
]

_SOURCES: dict[str, list[tuple[str, pa.DataType]]] = {
    "snapshot_src_groups": [
        ("group_id", pa.string()),
        ("group_name", pa.string()),
        ("description", pa.string()),
        ("vpc_id", pa.string()),
        ("owner_id", pa.string()),
        ("name_tag", pa.string()),
    ],
    "snapshot_src_rules": [
        ("seq", pa.int64()),
        ("rule_id", pa.string()),
        ("group_id", pa.string()),
        ("direction", pa.string()),
        ("protocol", pa.int32()),
        ("from_port", pa.int32()),
        ("to_port", pa.int32()),
        ("peer_kind", pa.string()),
        ("peer", pa.string()),
        ("peer_account", pa.string()),
        ("description", pa.string()),
    ],
    "snapshot_src_rule_cidrs": [("rule_id", pa.string()), *_RANGE_FIELDS],
    "snapshot_src_interfaces": [
        ("interface_id", pa.string()),
        ("type", pa.string()),
        ("description", pa.string()),
        ("subnet_id", pa.string()),
        ("vpc_id", pa.string()),
        ("account_id", pa.string()),
        ("instance_id", pa.string()),
        ("requester_managed", pa.bool_()),
        ("status", pa.string()),
        ("group_ids", pa.list_(pa.string())),
    ],
    "snapshot_src_interface_groups": [("interface_id", pa.string()), ("group_id", pa.string())],
    "snapshot_src_addresses": [
        ("interface_id", pa.string()),
        ("address", pa.string()),
        ("kind", pa.string()),
        ("is_primary", pa.bool_()),
        *_RANGE_FIELDS,
    ],
    "snapshot_src_prefix_lists": [
        ("seq", pa.int64()),
        ("prefix_list_id", pa.string()),
        ("name", pa.string()),
        ("address_family", pa.string()),
        ("owner_id", pa.string()),
        ("max_entries", pa.int32()),
    ],
    "snapshot_src_prefix_list_entries": [
        ("prefix_list_id", pa.string()),
        ("cidr", pa.string()),
        ("description", pa.string()),
        *_RANGE_FIELDS,
    ],
    "snapshot_src_nacls": [
        ("acl_id", pa.string()),
        ("vpc_id", pa.string()),
        ("is_default", pa.bool_()),
        ("rule_number", pa.int32()),
        ("egress", pa.bool_()),
        ("protocol", pa.int32()),
        ("rule_action", pa.string()),
        ("cidr", pa.string()),
        *_RANGE_FIELDS,
        ("from_port", pa.int32()),
        ("to_port", pa.int32()),
        ("icmp_type", pa.int32()),
        ("icmp_code", pa.int32()),
    ],
    "snapshot_src_nacl_associations": [("acl_id", pa.string()), ("subnet_id", pa.string())],
    "snapshot_src_files": [
        ("source_file", pa.string()),
        ("key", pa.string()),
        ("items", pa.int32()),
        ("error", pa.string()),
    ],
}


class _Rows:
    """The rows of one registered source table, column by column."""

    def __init__(self, fields: list[tuple[str, pa.DataType]]) -> None:
        self.schema = pa.schema(fields)
        self.columns: dict[str, list[Any]] = {name: [] for name, _ in fields}

    def add(self, *values: Any) -> None:
        for column, value in zip(self.columns.values(), values, strict=True):
            column.append(value)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values())))

    def table(self) -> pa.Table:
        return pa.Table.from_pydict(self.columns, schema=self.schema)


@dataclass
class _Part:
    """One recognised key of one file: how many items it held and what was wrong with them."""

    path: str
    key: str | None
    items: list[Any]
    errors: list[str] = field(default_factory=list)
    file_error: str | None = None

    def error_text(self) -> str | None:
        shown = self.errors[:MAX_ERRORS_SHOWN]
        more = len(self.errors) - len(shown)
        parts = ([self.file_error] if self.file_error else []) + shown
        if more:
            parts.append(f"… and {more} more")
        return "; ".join(parts) or None


class _Snapshot:
    """Everything read from the files, deduplicated, as rows of the source tables."""

    def __init__(self) -> None:
        self.rows = {name: _Rows(fields) for name, fields in _SOURCES.items()}
        self.parts: list[_Part] = []
        self.skipped: list[tuple[str, str]] = []
        self.group_ids: set[str] = set()
        self.rules_source = "IpPermissions"
        self.taken_at: list[datetime] = []

    def problems(self) -> list[tuple[str, str]]:
        out = [(p.path, p.file_error) for p in self.parts if p.key and p.file_error]
        return out + [(p.path, e) for p in self.parts for e in p.errors]

    # - reading the files -

    def add_file(self, path: str) -> None:
        data, reason = _read_json(path)
        if reason is not None:
            self.skip(path, reason)
            return
        if os.path.basename(path) == MANIFEST and isinstance(data, dict) and "taken_at" in data:
            self.add_manifest(path, data)
            return
        known = [k for k in KEYS if isinstance(data, dict) and k in data]
        if not known:
            self.skip(path, "no known top-level key (" + ", ".join(KEYS) + ")")
            return
        assert isinstance(data, dict)
        for key in known:
            part = _Part(path, key, [])
            try:
                part.items = _list(data[key], key)
            except _Invalid as exc:
                part.file_error = str(exc)
            if key == "Entries" and not _PREFIX_LIST_FILE.match(os.path.basename(path)):
                part.file_error = (
                    f"the file name does not start with a prefix-list id (pl-…): "
                    f"its {len(part.items)} entries are ignored"
                )
            self.parts.append(part)

    def add_manifest(self, path: str, data: dict[str, Any]) -> None:
        part = _Part(path, "manifest", [data])
        try:
            moment = datetime.fromisoformat(str(data["taken_at"]).replace("Z", "+00:00"))
            moment = moment.replace(tzinfo=moment.tzinfo or UTC).astimezone(UTC)
        except (ValueError, OverflowError):  # overflow: year 1 or 9999 moved to UTC
            part.errors.append(f"taken_at is not an ISO 8601 time: {data['taken_at']!r}")
        else:
            self.taken_at.append(moment)
        self.parts.append(part)

    def skip(self, path: str, reason: str) -> None:
        self.skipped.append((path, reason))
        self.parts.append(_Part(path, None, [], file_error=reason))

    def items(self, key: str) -> Iterator[tuple[_Part, int, Any]]:
        """(part, index, item) for every object item under a key, across files in walk order."""
        for part in self.parts:
            if part.key != key or part.file_error:
                continue
            for i, item in enumerate(part.items):
                if isinstance(item, dict):
                    yield part, i, item
                else:
                    part.errors.append(f"{key}[{i}]: not an object")

    # - building the rows -

    def build(self) -> None:
        groups = self.build_groups()
        if any(True for _ in self.rule_items()):
            self.rules_source = "SecurityGroupRules"
            self.build_rules_from_rules()
        else:
            self.build_rules_from_permissions(groups)
        self.build_interfaces()
        self.build_prefix_lists()
        self.build_nacls()
        for part in self.parts:
            self.rows["snapshot_src_files"].add(
                part.path, part.key, len(part.items), part.error_text()
            )

    def rule_items(self) -> Iterator[Any]:
        for part in self.parts:
            if part.key == "SecurityGroupRules" and not part.file_error:
                yield from part.items

    def build_groups(self) -> list[tuple[_Part, str, dict[str, Any]]]:
        kept: list[tuple[_Part, str, dict[str, Any]]] = []
        rows = self.rows["snapshot_src_groups"]
        for part, i, item in self.items("SecurityGroups"):
            try:
                group_id = _ident(item, "GroupId")
                name_tag = _name_tag(item.get("Tags"))
            except _Invalid as exc:
                part.errors.append(f"SecurityGroups[{i}]: {exc}")
                continue
            if group_id in self.group_ids:
                continue
            self.group_ids.add(group_id)
            rows.add(
                group_id,
                _text(item.get("GroupName")),
                _text(item.get("Description")),
                _opt_ident(item.get("VpcId")),
                _opt_ident(item.get("OwnerId")),
                name_tag,
            )
            kept.append((part, group_id, item))
        return kept

    def add_rule(
        self,
        rule_id: str,
        group_id: str,
        direction: str,
        protocol: int,
        ports: tuple[int | None, int | None],
        peer_kind: str,
        peer: str,
        peer_account: str | None,
        description: str | None,
        cidr_range: Range | None,
    ) -> None:
        rows = self.rows["snapshot_src_rules"]
        rows.add(
            len(rows),
            rule_id,
            group_id,
            direction,
            protocol,
            ports[0],
            ports[1],
            peer_kind,
            peer,
            peer_account,
            description,
        )
        if cidr_range is not None:
            self.rows["snapshot_src_rule_cidrs"].add(rule_id, *cidr_range)

    def build_rules_from_rules(self) -> None:
        seen: set[str] = set()
        for part, i, item in self.items("SecurityGroupRules"):
            try:
                rule_id = _ident(item, "SecurityGroupRuleId")
                if rule_id in seen:
                    continue
                group_id = _ident(item, "GroupId")
                egress = _bool(item.get("IsEgress"))
                if egress is None:
                    raise _Invalid("no IsEgress")
                protocol = _protocol(item.get("IpProtocol"))
                ports = (_int(item.get("FromPort"), "FromPort"), _int(item.get("ToPort"), "ToPort"))
                peer_kind, peer, account, cidr_range = _rule_peer(item)
            except _Invalid as exc:
                label = item.get("SecurityGroupRuleId")
                where = f" {label}" if isinstance(label, str) else ""
                part.errors.append(f"SecurityGroupRules[{i}]{where}: {exc}")
                continue
            seen.add(rule_id)
            direction = "egress" if egress else "ingress"
            description = _text(item.get("Description"))
            self.add_rule(
                rule_id,
                group_id,
                direction,
                protocol,
                ports,
                peer_kind,
                peer,
                account,
                description,
                cidr_range,
            )

    def build_rules_from_permissions(self, groups: list[tuple[_Part, str, dict[str, Any]]]) -> None:
        seen: set[str] = set()
        for part, group_id, group in groups:
            for direction, key in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
                try:
                    permissions = _list(group.get(key), key)
                except _Invalid as exc:
                    part.errors.append(f"{group_id}: {exc}")
                    continue
                for n, permission in enumerate(permissions):
                    where = f"{group_id} {key}[{n}]"
                    try:
                        if not isinstance(permission, dict):
                            raise _Invalid("not an object")
                        protocol = _protocol(permission.get("IpProtocol"))
                        from_port = _int(permission.get("FromPort"), "FromPort")
                        to_port = _int(permission.get("ToPort"), "ToPort")
                        peers = list(_permission_peers(permission, where, part.errors))
                    except _Invalid as exc:
                        part.errors.append(f"{where}: {exc}")
                        continue
                    ports = "-".join("*" if p is None else str(p) for p in (from_port, to_port))
                    for peer_kind, peer, account, description, cidr_range in peers:
                        rule_id = f"{group_id}:{direction}:{protocol}:{ports}:{peer}"
                        if rule_id in seen:
                            continue
                        seen.add(rule_id)
                        self.add_rule(
                            rule_id,
                            group_id,
                            direction,
                            protocol,
                            (from_port, to_port),
                            peer_kind,
                            peer,
                            account,
                            description,
                            cidr_range,
                        )

    def build_interfaces(self) -> None:
        seen: set[str] = set()
        interfaces = self.rows["snapshot_src_interfaces"]
        for part, i, item in self.items("NetworkInterfaces"):
            try:
                interface_id = _ident(item, "NetworkInterfaceId")
                attachment = _dict(item.get("Attachment"), "Attachment")
                group_items = _list(item.get("Groups"), "Groups")
            except _Invalid as exc:
                part.errors.append(f"NetworkInterfaces[{i}]: {exc}")
                continue
            if interface_id in seen:
                continue
            seen.add(interface_id)
            group_ids: list[str] = []
            for g in group_items:
                group_id = _opt_ident(g.get("GroupId")) if isinstance(g, dict) else None
                if group_id is None:
                    part.errors.append(f"{interface_id} Groups: an item without GroupId")
                elif group_id not in group_ids:
                    group_ids.append(group_id)
                    self.rows["snapshot_src_interface_groups"].add(interface_id, group_id)
            interfaces.add(
                interface_id,
                _text(item.get("InterfaceType")),
                _text(item.get("Description")),
                _opt_ident(item.get("SubnetId")),
                _opt_ident(item.get("VpcId")),
                _opt_ident(item.get("OwnerId")),
                _opt_ident(attachment.get("InstanceId")),
                _bool(item.get("RequesterManaged")),
                _text(item.get("Status")),
                sorted(group_ids),
            )
            self.build_addresses(interface_id, item, part.errors)

    def build_addresses(self, interface_id: str, item: dict[str, Any], errors: list[str]) -> None:
        """The private addresses of one interface: never its public ones (Association)."""
        found: dict[tuple[str, str], list[Any]] = {}

        def add(kind: str, value: Any, what: str, primary: bool) -> None:
            if value is None or value == "":
                return  # an absent member, as in an item that is {}
            try:
                if kind.endswith("_prefix"):
                    net, rng = _cidr(value, what)
                    text = str(net)
                else:
                    text, rng = _address(value, what)
            except _Invalid as exc:
                errors.append(f"{interface_id}: {exc}")
                return
            if rng[0] != (4 if kind.startswith("ipv4") else 6):
                errors.append(f"{interface_id}: {what} is not an {kind[:4].upper()} value: {value}")
                return
            row = found.setdefault((kind, text), [interface_id, text, kind, False, *rng])
            row[3] = row[3] or primary

        try:
            add("ipv4", item.get("PrivateIpAddress"), "PrivateIpAddress", True)
            for a in _list(item.get("PrivateIpAddresses"), "PrivateIpAddresses"):
                a = _dict(a, "PrivateIpAddresses[]")
                primary = _bool(a.get("Primary")) is True
                add("ipv4", a.get("PrivateIpAddress"), "PrivateIpAddress", primary)
            for a in _list(item.get("Ipv4Prefixes"), "Ipv4Prefixes"):
                prefix = _dict(a, "Ipv4Prefixes[]").get("Ipv4Prefix")
                add("ipv4_prefix", prefix, "Ipv4Prefix", False)
            add("ipv6", item.get("Ipv6Address"), "Ipv6Address", False)
            for a in _list(item.get("Ipv6Addresses"), "Ipv6Addresses"):
                add("ipv6", _dict(a, "Ipv6Addresses[]").get("Ipv6Address"), "Ipv6Address", False)
            for a in _list(item.get("Ipv6Prefixes"), "Ipv6Prefixes"):
                prefix = _dict(a, "Ipv6Prefixes[]").get("Ipv6Prefix")
                add("ipv6_prefix", prefix, "Ipv6Prefix", False)
        except _Invalid as exc:
            errors.append(f"{interface_id}: {exc}")
        for row in found.values():
            self.rows["snapshot_src_addresses"].add(*row)

    def build_prefix_lists(self) -> None:
        lists = self.rows["snapshot_src_prefix_lists"]
        seen: set[str] = set()
        for part, i, item in self.items("PrefixLists"):
            try:
                list_id = _ident(item, "PrefixListId")
                max_entries = _int(item.get("MaxEntries"), "MaxEntries")
            except _Invalid as exc:
                part.errors.append(f"PrefixLists[{i}]: {exc}")
                continue
            if list_id in seen:
                continue
            seen.add(list_id)
            lists.add(
                len(lists),
                list_id,
                _text(item.get("PrefixListName")),
                _text(item.get("AddressFamily")),
                _opt_ident(item.get("OwnerId")),
                max_entries,
            )
        entries = self.rows["snapshot_src_prefix_list_entries"]
        seen_entries: set[tuple[str, str]] = set()
        for part in self.parts:
            if part.key != "Entries" or part.file_error:
                continue
            match = _PREFIX_LIST_FILE.match(os.path.basename(part.path))
            assert match is not None  # checked when the file was read
            list_id = match.group(0)
            if list_id not in seen:
                seen.add(list_id)
                lists.add(len(lists), list_id, None, None, None, None)
            for i, item in enumerate(part.items):
                try:
                    entry = _dict(item, "an entry")
                    _, rng = _cidr(entry.get("Cidr"), "Cidr")
                except _Invalid as exc:
                    part.errors.append(f"Entries[{i}]: {exc}")
                    continue
                cidr = entry["Cidr"]
                if (list_id, cidr) in seen_entries:
                    continue
                seen_entries.add((list_id, cidr))
                entries.add(list_id, cidr, _text(entry.get("Description")), *rng)

    def build_nacls(self) -> None:
        seen: set[str] = set()
        for part, i, item in self.items("NetworkAcls"):
            try:
                acl_id = _ident(item, "NetworkAclId")
                entries = _list(item.get("Entries"), "Entries")
                associations = _list(item.get("Associations"), "Associations")
            except _Invalid as exc:
                part.errors.append(f"NetworkAcls[{i}]: {exc}")
                continue
            if acl_id in seen:
                continue
            seen.add(acl_id)
            vpc_id = _opt_ident(item.get("VpcId"))
            is_default = _bool(item.get("IsDefault"))
            if not entries:
                # AWS lists the `*` entries of every ACL; an ACL listed without any entry is
                # read as those alone, so that it denies everything whether it is a subnet's
                # associated ACL or its VPC's default one
                entries = IMPLICIT_NACL_ENTRIES
            for n, entry in enumerate(entries):
                try:
                    row = _nacl_entry(_dict(entry, "an entry"))
                except _Invalid as exc:
                    part.errors.append(f"{acl_id} Entries[{n}]: {exc}")
                    continue
                self.rows["snapshot_src_nacls"].add(acl_id, vpc_id, is_default, *row)
            subnets: list[str] = []
            for association in associations:
                subnet_id = (
                    _opt_ident(association.get("SubnetId"))
                    if isinstance(association, dict)
                    else None
                )
                if subnet_id is None:
                    part.errors.append(f"{acl_id} Associations: an item without SubnetId")
                elif subnet_id not in subnets:
                    subnets.append(subnet_id)
                    self.rows["snapshot_src_nacl_associations"].add(acl_id, subnet_id)


def _rule_peer(item: dict[str, Any]) -> tuple[str, str, str | None, Range | None]:
    """The one peer of a SecurityGroupRule: (peer_kind, peer, peer_account, cidr range)."""
    referenced = _dict(item.get("ReferencedGroupInfo"), "ReferencedGroupInfo")
    present = [
        k
        for k, v in (
            ("CidrIpv4", item.get("CidrIpv4")),
            ("CidrIpv6", item.get("CidrIpv6")),
            ("PrefixListId", item.get("PrefixListId")),
            ("ReferencedGroupInfo", referenced),
        )
        if v not in (None, "", {})
    ]
    if not present:
        raise _Invalid("no peer (CidrIpv4, CidrIpv6, PrefixListId or ReferencedGroupInfo)")
    if len(present) > 1:
        raise _Invalid("more than one peer: " + ", ".join(present))
    key = present[0]
    if key in ("CidrIpv4", "CidrIpv6"):
        kind = "cidr4" if key == "CidrIpv4" else "cidr6"
        value = item[key]
        _, rng = _cidr(value, key)
        if rng[0] != (4 if kind == "cidr4" else 6):
            raise _Invalid(f"{key} is not an IPv{kind[-1]} CIDR: {value!r}")
        return kind, value, None, rng
    if key == "PrefixListId":
        return "prefix_list", _ident(item, "PrefixListId"), None, None
    return (
        "security_group",
        _ident(referenced, "GroupId"),
        _opt_ident(referenced.get("UserId")),
        None,
    )


_PERMISSION_PEERS = (
    ("cidr4", "IpRanges", "CidrIp"),
    ("cidr6", "Ipv6Ranges", "CidrIpv6"),
    ("prefix_list", "PrefixListIds", "PrefixListId"),
    ("security_group", "UserIdGroupPairs", "GroupId"),
)


def _permission_peers(
    permission: dict[str, Any], where: str, errors: list[str]
) -> Iterator[tuple[str, str, str | None, str | None, Range | None]]:
    """(peer_kind, peer, peer_account, description, cidr range) of every peer of a permission;
    a peer that cannot be used is reported in errors and left out."""
    for kind, list_key, member in _PERMISSION_PEERS:
        for n, peer_item in enumerate(_list(permission.get(list_key), list_key)):
            try:
                peer_item = _dict(peer_item, f"{list_key}[{n}]")
                description = _text(peer_item.get("Description"))
                if kind in ("cidr4", "cidr6"):
                    value = peer_item.get(member)
                    _, rng = _cidr(value, member)
                    if rng[0] != (4 if kind == "cidr4" else 6):
                        raise _Invalid(f"{member} is not an IPv{kind[-1]} CIDR: {value!r}")
                    assert isinstance(value, str)
                    yield kind, value, None, description, rng
                elif kind == "prefix_list":
                    yield kind, _ident(peer_item, member), None, description, None
                else:
                    account = _opt_ident(peer_item.get("UserId"))
                    yield kind, _ident(peer_item, member), account, description, None
            except _Invalid as exc:
                errors.append(f"{where} {list_key}[{n}]: {exc}")


IMPLICIT_NACL_ENTRIES: list[Any] = [
    {"RuleNumber": number, "Protocol": "-1", "RuleAction": "deny", "Egress": egress, key: cidr}
    for egress in (False, True)
    for number, key, cidr in ((32767, "CidrBlock", "0.0.0.0/0"), (32768, "Ipv6CidrBlock", "::/0"))
]
"""The `*` entries AWS lists for an ACL (32767 for IPv4, 32768 for IPv6, in each direction): what
an ACL the snapshot lists without any entry is read as."""


def _nacl_entry(entry: dict[str, Any]) -> tuple[Any, ...]:
    """rule_number, egress, protocol, rule_action, cidr, range, ports, icmp type and code."""
    rule_number = _int(entry.get("RuleNumber"), "RuleNumber")
    if rule_number is None:
        raise _Invalid("no RuleNumber")
    egress = _bool(entry.get("Egress"))
    if egress is None:
        raise _Invalid("no Egress")
    protocol = _protocol(entry.get("Protocol"))
    action = _text(entry.get("RuleAction"))
    action = action.strip().lower() if action else None
    if action not in ("allow", "deny"):
        raise _Invalid(f"unknown RuleAction {entry.get('RuleAction')!r}")
    key = "CidrBlock" if entry.get("CidrBlock") not in (None, "") else "Ipv6CidrBlock"
    cidr = entry.get(key)
    _, rng = _cidr(cidr, "CidrBlock or Ipv6CidrBlock")
    port_range = _dict(entry.get("PortRange"), "PortRange")
    icmp = _dict(entry.get("IcmpTypeCode"), "IcmpTypeCode")
    return (
        rule_number,
        egress,
        protocol,
        action,
        cidr,
        *rng,
        _int(port_range.get("From"), "PortRange.From"),
        _int(port_range.get("To"), "PortRange.To"),
        _int(icmp.get("Type"), "IcmpTypeCode.Type"),
        _int(icmp.get("Code"), "IcmpTypeCode.Code"),
    )


# --- files --------------------------------------------------------------------------------------


def _read_json(path: str) -> tuple[Any, str | None]:
    """The parsed JSON of a file, or why it cannot be used. A file whose first character is not
    '{' or '[' is refused without being read whole (a flow log in the wrong folder)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # before open(): a FIFO would block it
            return None, "unreadable: not a regular file"
        with open(path, "rb") as fh:
            head = fh.read(4096)
            start = head.removeprefix(b"\xef\xbb\xbf").lstrip()
            if head and start[:1] not in (b"{", b"[", b""):
                return None, "not valid JSON"
            data = head + fh.read()
    except OSError as exc:
        return None, f"unreadable: {exc.strerror or exc}"
    try:
        document = json.loads(data.decode("utf-8-sig"))
        if _SURROGATE_ESCAPE.search(data):
            document = _without_surrogates(document)
        return document, None
    except UnicodeDecodeError:
        return None, "not valid JSON: not UTF-8 text"
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc}"
    except RecursionError:
        return None, "not valid JSON: nested too deeply"


def _without_surrogates(value: Any) -> Any:
    """The document with every lone surrogate (a "\\ud800" escape that JSON allows but that is
    no character, and that UTF-8 cannot hold) replaced by U+FFFD, in keys and strings."""
    if isinstance(value, str):
        return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if isinstance(value, list):
        return [_without_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


# --- the public function ------------------------------------------------------------------------


def load_snapshot(con: duckdb.DuckDBPyConnection, path: str | os.PathLike[str]) -> SnapshotResult:
    """Read a security-group snapshot (a directory of AWS CLI JSON, or one file) into the tables
    ``security_groups``, ``rules``, ``rule_peers``, ``interfaces``, ``interface_groups``,
    ``addresses``, ``prefix_lists``, ``prefix_list_entries``, ``nacls``, ``nacl_associations`` and
    ``snapshot_files``, replacing earlier ones, in one transaction.

    Raises InputError when the path does not exist, SnapshotError when it holds no security group.
    """
    root = os.fspath(path)
    if not os.path.lexists(root):
        raise InputError(f"no such file or directory: {root}", "check the --snapshot path")
    snap = _Snapshot()
    walk_problems: list[tuple[str, str]] = []
    if os.path.isdir(root):
        tree = walk_tree(root)
        walk_problems += tree.unreadable
        files = tree.files
    else:
        files = [root]
    for problem_path, reason in walk_problems:
        snap.skip(printable(problem_path), reason)
    for file in files:
        if not_utf8(file):  # it could not be named in snapshot_files
            snap.skip(printable(file), "unreadable: the file name is not valid UTF-8")
        else:
            snap.add_file(file)
    snap.build()
    if not snap.group_ids:
        read = sum(1 for p in snap.parts if p.key is not None)
        raise SnapshotError(
            f"no security groups in the snapshot {root} ({len(files)} files, {read} recognised, "
            f"{len(snap.skipped)} skipped)",
            "add the output of `aws ec2 describe-security-groups --output json` (a JSON file with "
            "a top-level SecurityGroups key) to the snapshot directory",
        )
    counts = _create_tables(con, snap)
    return SnapshotResult(
        groups=counts["groups"],
        rules=counts["rules"],
        interfaces=counts["interfaces"],
        addresses=counts["addresses"],
        prefix_lists=counts["prefix_lists"],
        prefix_list_entries=counts["prefix_list_entries"],
        nacl_entries=counts["nacl_entries"],
        rules_source=snap.rules_source,
        skipped=tuple(snap.skipped),
        problems=tuple(snap.problems()),
        taken_at=tuple(snap.taken_at),
    )


SNAPSHOT_TOLERANCE = timedelta(hours=24)
"""How far a snapshot's time may lie outside the logs' time range before analyze warns."""


def snapshot_time_warning(
    taken_at: Sequence[datetime],
    first_start: datetime | None,
    last_end: datetime | None,
    tolerance: timedelta = SNAPSHOT_TOLERANCE,
) -> str | None:
    """A warning when a snapshot time lies more than ``tolerance`` before the first record or
    after the last one (the rules may have changed in between), else None."""
    if first_start is None or last_end is None:
        return None
    for moment in taken_at:
        # differences, not first_start - tolerance: that overflows for a record in the year 1
        if first_start - moment > tolerance:
            gap, side = first_start - moment, "before the first record"
        elif moment - last_end > tolerance:
            gap, side = moment - last_end, "after the last record"
        else:
            continue
        return (
            f"the snapshot was taken {moment:%Y-%m-%d %H:%M} UTC, {_days(gap)} {side} of the logs "
            f"({first_start:%Y-%m-%d %H:%M} to {last_end:%Y-%m-%d %H:%M} UTC): the rules may have "
            "changed in between"
        )
    return None


def _days(gap: timedelta) -> str:
    hours = gap.total_seconds() / 3600
    return f"{hours / 24:,.1f} days" if hours >= 48 else f"{hours:,.0f} hours"


def _create_tables(con: duckdb.DuckDBPyConnection, snap: _Snapshot) -> dict[str, int]:
    registered: list[str] = []
    try:
        for name, rows in snap.rows.items():
            con.register(name, rows.table())
            registered.append(name)
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            for table in TABLES:
                sql.run(con, f"snapshot/{table}").fetchall()
            cursor = sql.run(con, "snapshot/counts")
            names = [d[0] for d in cursor.description or ()]
            values = cursor.fetchone()
            con.execute("COMMIT").fetchall()
        except BaseException:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK").fetchall()
            raise
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "unknown error"
        raise DatabaseError(f"loading the snapshot failed: {first}") from exc
    finally:
        for name in registered:
            with contextlib.suppress(duckdb.Error):
                con.unregister(name)
    assert values is not None
    return {n: int(v) for n, v in zip(names, values, strict=True)}
