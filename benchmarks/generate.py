"""Generate benchmark data for flowsg: a scaled-up VPC, its snapshot, and its flow logs.

The sample scenario (sample_logs/) is one small VPC. This generator builds the same kind of VPC
at any size, deterministically from a seed:

* one VPC 10.0.0.0/16 (IPv6 2001:db8:1234:1a00::/56): two public subnets (ALB nodes, NAT
  gateways, a bastion), three private subnets (web and app services), two data subnets
  (databases), an endpoint subnet (an interface endpoint);
* hundreds of interfaces (``--interfaces``, default 400), spread over services of 8-40
  instances; every instance has its service's group, most also ``ssh-from-bastion`` and
  ``node-exporter``; some have a secondary IP or an IPv6 address; a few are idle (NODATA only);
* thousands of rules (``--rules``, default 3000): SG references between callers and callees,
  the S3 prefix list and a customer-managed office prefix list, IPv6 ranges, port ranges
  (NodePort-like 30000-32767, udp 8125), and partner allow-lists (mostly unused, as in real
  accounts);
* flow records with realistic repetition of keys: a few thousand client/server pairs picked
  with a skewed (Zipf-like) weight, a fresh ephemeral port per connection, request and reply
  records on every interface a connection crosses (both ends inside the VPC), tcp-flags by
  capture window (SYN, SYN-ACK, FIN, or 0), ~5% REJECT noise (internet scanners on the public
  interfaces, service calls to ports no rule opens) and ~1.5% NODATA records.

No address is anyone's: the VPC is private (RFC 1918, 10.0.0.0/16) and IPv6 is documentation
space (2001:db8::/32); what stands for the internet (clients, scanners, APIs, partners' allow-lists,
the S3 prefix list) is in 198.18.0.0/15, which RFC 2544 reserves for benchmarks, and the office,
partner-support and public addresses in the documentation ranges (192.0.2.0/24, 198.51.100.0/24,
203.0.113.0/24). ``INTERNET`` lists the ranges by what they stand for.

The same records are written three times (``--flavours``):

* ``default/``  default format (version 2), gzip text with a header, ~1M records per file, in the
  S3 default layout;
* ``custom/``   a custom version 5 format (flow-direction, traffic-path, pkt-srcaddr/dstaddr,
  tcp-flags, ...), gzip text with a header, S3 Hive layout;
* ``parquet/``  the same v5 fields as S3 Parquet (typed columns, "-" as null, gzip).

and the snapshot in ``snapshot/`` as the AWS CLI prints it (describe-security-groups,
describe-security-group-rules, describe-network-interfaces, describe-network-acls,
describe-managed-prefix-lists, pl-*.json entries). ``manifest.json`` records the parameters and
the files; the runner regenerates only when it is missing or different.

``small/`` (``ensure_small``, made on demand by the runner's ``analyze small files`` case) holds
the default-format records again, cut into many small gzip files of ``SMALL_RECORDS_PER_FILE``
records with a header each, named as S3 names one file per 5-minute window: what a quiet account
or a quiet flow log leaves in a month. It is cut from ``default/`` (same records, same order), so
it never needs the model again; ``small-manifest.json`` records what it was cut from.

Files are generated in parallel (one process per core); each file has its own random stream,
so the output does not depend on the number of processes.

Run: python benchmarks/generate.py --records 1000000 --out benchmarks/data/1m
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import os
import random
import shutil
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

GENERATOR_VERSION = 2
"""2: the internet's addresses moved from real public ranges to 198.18.0.0/15 (RFC 2544)."""
SEED = 20261102
RECORDS_PER_FILE = 1_000_000
FLAVOURS = ("default", "custom", "parquet")

ACCOUNT = "111122223333"
REGION = "us-east-1"
FLOW_LOG_ID = "fl-0a1b2c3d4e5f60789"
VPC_CIDR = "10.0.0.0/16"
VPC_IPV6 = "2001:db8:1234:1a00::/56"
INTERNET = {
    "partners": "198.18.0.0/16",  # partners' allow-list rules, /28 and /32, mostly unused
    "clients": "198.19.0.0/18",  # the ALB's IPv4 clients
    "scanners": "198.19.64.0/20",  # REJECT noise on the public interfaces
    "apis": "198.19.80.0/24",  # what instances call through the NAT gateways
    "s3": "198.19.96.0/20",  # the S3 prefix list's ranges
}
"""What stands for the internet: 198.18.0.0/15, reserved for benchmarks (RFC 2544), split so
that no two roles share an address."""
DAY_START = int(datetime(2026, 11, 2, tzinfo=UTC).timestamp())
DAY_SECONDS = 86_400

V2_FIELDS = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol "
    "packets bytes start end action log-status"
).split()
V5_FIELDS = (
    "version account-id region az-id vpc-id subnet-id instance-id interface-id flow-direction "
    "traffic-path type srcaddr dstaddr pkt-srcaddr pkt-dstaddr protocol srcport dstport "
    "tcp-flags packets bytes start end action log-status"
).split()
INT32_FIELDS = {"version", "srcport", "dstport", "protocol", "tcp-flags", "traffic-path"}
INT64_FIELDS = {"packets", "bytes", "start", "end"}

# share of the records per kind of traffic (NODATA records are added on top: NODATA_SHARE)
RECORD_SHARES = {
    "alb_in": 0.25,  # internet client -> ALB 443/80 (IPv4 and IPv6): 2 records
    "alb_web": 0.20,  # ALB node -> web instance 8080: 4 records
    "svc": 0.30,  # service -> service (SG references, port ranges, udp): 4 records
    "s3": 0.06,  # instance -> S3 through the gateway endpoint (prefix list): 2 records
    "nat": 0.05,  # instance -> internet API through a NAT gateway: 6 records
    "ssh": 0.02,  # office / partner -> bastion 22 (2), bastion -> instance 22 (4)
    "vpce": 0.05,  # instance -> interface endpoint 443: 4 records
    "scan": 0.04,  # scanner -> public interface, any port: 1 REJECT record
    "deny": 0.03,  # service -> service on a port no rule opens: ACCEPT out, REJECT in
}
NODATA_SHARE = 0.015
SCAN_PORTS = (21, 22, 23, 25, 53, 80, 123, 135, 443, 445, 1433, 3306, 3389, 5432, 5900, 6379,
              8080, 8443, 9200, 11211, 27017)  # fmt: skip


def derived_id(prefix: str, key: str, length: int = 17) -> str:
    return f"{prefix}-{hashlib.sha256(f'{SEED}/{prefix}/{key}'.encode()).hexdigest()[:length]}"


# ----------------------------------------------------------------------------- the VPC


@dataclass
class Subnet:
    key: str
    subnet_id: str
    cidr: str
    ipv6_cidr: str | None
    az: str
    az_id: str
    next_host: int = 10


@dataclass
class Group:
    key: str
    group_id: str
    name: str
    description: str


@dataclass
class Rule:
    """One rule; peer kind: cidr4, cidr6, pl (prefix list id) or sg (group id)."""

    rule_id: str
    group_id: str
    egress: bool
    protocol: str
    from_port: int
    to_port: int
    peer_kind: str
    peer: str
    description: str | None = None


@dataclass
class Eni:
    eni_id: str
    kind: str  # instance | alb | nat | vpce | bastion
    subnet: Subnet
    ip: str
    groups: list[str]
    instance_id: str | None = None
    ipv6: str | None = None
    secondary_ips: list[str] = field(default_factory=list)
    public_ip: str | None = None
    service: int | None = None
    idle: bool = False


@dataclass
class Service:
    index: int
    tier: str  # web | app | db
    name: str
    group_id: str
    port: int
    protocol: str = "tcp"
    enis: list[int] = field(default_factory=list)
    callees: list[tuple[int, int]] = field(default_factory=list)  # (service, port)
    nodeport: bool = False


@dataclass
class Vpc:
    vpc_id: str
    subnets: dict[str, Subnet]
    groups: dict[str, Group]
    rules: list[Rule]
    enis: list[Eni]
    services: list[Service]
    prefix_lists: dict[str, list[str]]
    acls: list[tuple[str, str | None, list[str], list[dict[str, Any]]]]
    clients4: list[str]
    clients6: list[str]
    scanners: list[str]
    office_hosts: list[str]
    partner_hosts: list[str]
    remote_apis: list[str]
    s3_addresses: list[str]


def _host(subnet: Subnet) -> str:
    net = ipaddress.ip_network(subnet.cidr)
    ip = str(net.network_address + subnet.next_host)
    subnet.next_host += 1
    return ip


def _host6(subnet: Subnet, rng: random.Random) -> str:
    assert subnet.ipv6_cidr
    net = ipaddress.ip_network(subnet.ipv6_cidr)
    return str(net.network_address + rng.getrandbits(48))


def _internet_ips(rng: random.Random, count: int, role: str) -> list[str]:
    """`count` distinct hosts of the INTERNET range of `role`, in address order."""
    net = ipaddress.ip_network(INTERNET[role])
    seen: set[str] = set()
    while len(seen) < count:
        seen.add(str(net.network_address + rng.randint(1, net.num_addresses - 2)))
    return sorted(seen, key=lambda s: ipaddress.ip_address(s))


def build_vpc(interfaces: int, rules_wanted: int, seed: int = SEED) -> Vpc:
    """The VPC, deterministic from the seed and the two sizes."""
    rng = random.Random(seed)
    vpc_id = derived_id("vpc", "main")
    azs = (("us-east-1a", "use1-az4"), ("us-east-1b", "use1-az6"), ("us-east-1c", "use1-az1"))
    layout = (
        ("public-a", "10.0.0.0/22", "2001:db8:1234:1a00::/64", 0),
        ("public-b", "10.0.4.0/22", "2001:db8:1234:1a01::/64", 1),
        ("private-a", "10.0.16.0/20", "2001:db8:1234:1a10::/64", 0),
        ("private-b", "10.0.32.0/20", "2001:db8:1234:1a11::/64", 1),
        ("private-c", "10.0.48.0/20", "2001:db8:1234:1a12::/64", 2),
        ("data-a", "10.0.64.0/20", None, 0),
        ("data-b", "10.0.80.0/20", None, 1),
        ("endpoints", "10.0.96.0/24", None, 2),
    )
    subnets = {
        key: Subnet(key, derived_id("subnet", key), cidr, v6, azs[az][0], azs[az][1])
        for key, cidr, v6, az in layout
    }
    groups: dict[str, Group] = {}
    rules: list[Rule] = []

    def group(key: str, name: str, description: str) -> str:
        groups[key] = Group(key, derived_id("sg", key), name, description)
        return groups[key].group_id

    def rule(
        gid: str,
        egress: bool,
        proto: str,
        ports: tuple[int, int] | None,
        kind: str,
        peer: str,
        text: str | None = None,
    ) -> None:
        lo, hi = ports if ports else (-1, -1)
        rid = derived_id("sgr", f"{len(rules)}")
        rules.append(Rule(rid, gid, egress, proto, lo, hi, kind, peer, text))

    s3_pl, office_pl = "pl-63a5400a", derived_id("pl", "office")
    s3_cidrs = [str(n) for n in ipaddress.ip_network(INTERNET["s3"]).subnets(new_prefix=22)]
    office_cidrs = ["198.51.100.0/27", "198.51.100.64/28", "192.0.2.0/26"]
    prefix_lists = {s3_pl: s3_cidrs, office_pl: office_cidrs}

    alb = group("alb", "web-alb", "Internet-facing ALB")
    bastion = group("bastion", "bastion", "SSH bastion")
    ssh = group("ssh", "ssh-from-bastion", "Shared: SSH from the bastion")
    exporter = group("exporter", "node-exporter", "Shared: metrics scraping")
    vpce = group("vpce", "vpce-secretsmanager", "Secrets Manager interface endpoint")
    default = group("default", "default", "default VPC security group")

    rule(alb, False, "tcp", (443, 443), "cidr4", "0.0.0.0/0", "HTTPS from the internet")
    rule(alb, False, "tcp", (443, 443), "cidr6", "::/0", "HTTPS from the internet (IPv6)")
    rule(alb, False, "tcp", (80, 80), "cidr4", "0.0.0.0/0", "HTTP, redirected")
    rule(alb, False, "icmpv6", (2, 0), "cidr6", "::/0", "Path MTU discovery")
    rule(bastion, False, "tcp", (22, 22), "pl", office_pl, "SSH from the office")
    rule(bastion, False, "tcp", (22, 22), "cidr4", "192.0.2.64/27", "SSH from partner support")
    rule(bastion, False, "icmp", (8, -1), "pl", office_pl, "Ping from the office")
    rule(bastion, True, "tcp", (22, 22), "cidr4", VPC_CIDR, "SSH into the VPC")
    rule(ssh, False, "tcp", (22, 22), "sg", bastion, "SSH from the bastion")
    rule(vpce, False, "tcp", (443, 443), "cidr4", VPC_CIDR, "HTTPS from the VPC")
    rule(vpce, True, "-1", None, "cidr4", "0.0.0.0/0")
    rule(default, False, "-1", None, "sg", default)
    rule(default, True, "-1", None, "cidr4", "0.0.0.0/0")
    rule(default, True, "-1", None, "cidr6", "::/0")

    # services: ~10% web (behind the ALB), ~20% db, the rest app
    fixed = 10  # 4 ALB nodes, 2 NAT, 1 bastion, 3 endpoint interfaces
    instances = max(12, interfaces - fixed)
    n_services = max(3, instances // 16)
    services: list[Service] = []
    for i in range(n_services):
        tier = "web" if i < max(1, n_services // 10) else "db" if i % 5 == 4 else "app"
        name = f"{tier}-{i:02d}"
        gid = group(f"svc{i}", name, f"{tier} service {i}")
        port = {"web": 8080, "db": rng.choice((5432, 3306, 6379))}.get(tier, 8000 + i)
        services.append(Service(i, tier, name, gid, port, nodeport=tier == "app" and i % 3 == 0))
    apps = [s for s in services if s.tier == "app"]
    dbs = [s for s in services if s.tier == "db"]
    monitor = apps[0] if apps else services[0]
    for s in services:  # call graph: web -> app -> app/db
        if s.tier == "web":
            targets = rng.sample(apps, min(3, len(apps)))
        elif s.tier == "app":
            targets = rng.sample(apps, min(2, len(apps))) + rng.sample(dbs, min(1, len(dbs)))
            targets = [t for t in targets if t is not s]
        else:
            targets = []
        for t in targets:
            port = t.port
            if t.nodeport and rng.random() < 0.5:
                port = rng.randint(30000, 32767)
            s.callees.append((t.index, port))
        if s.tier == "app" and rng.random() < 0.3:
            s.callees.append((s.index, s.port))  # peers of its own cluster

    for s in services:
        gid = s.group_id
        if s.tier == "web":
            rule(gid, False, "tcp", (8080, 8080), "sg", alb, "From the ALB")
            rule(alb, True, "tcp", (8080, 8080), "sg", gid, f"To {s.name}")
        callers = [c for c in services if any(t == s.index for t, _ in c.callees)]
        for c in callers:
            rule(gid, False, "tcp", (s.port, s.port), "sg", c.group_id, f"From {c.name}")
        if s.nodeport:
            rule(gid, False, "tcp", (30000, 32767), "cidr4", VPC_CIDR, "NodePorts from the VPC")
        if s.tier != "db":
            rule(gid, False, "udp", (8125, 8125), "cidr4", VPC_CIDR, "statsd")
            rule(gid, False, "tcp", (s.port, s.port), "cidr6", VPC_IPV6, "From the VPC (IPv6)")
        if s.index % 2 == 0:  # egress to all, as most groups have
            rule(gid, True, "-1", None, "cidr4", "0.0.0.0/0")
            rule(gid, True, "-1", None, "cidr6", "::/0")
        else:  # narrow egress: callees by reference, S3, endpoint, internet APIs, VPC
            for t, port in s.callees:
                callee = services[t]
                lo, hi = (30000, 32767) if port >= 30000 else (port, port)
                rule(gid, True, "tcp", (lo, hi), "sg", callee.group_id, f"To {callee.name}")
            rule(gid, True, "tcp", (443, 443), "pl", s3_pl, "S3 via the gateway endpoint")
            rule(gid, True, "tcp", (443, 443), "sg", vpce, "Secrets Manager")
            rule(gid, True, "tcp", (443, 443), "cidr4", "0.0.0.0/0", "HTTPS APIs via NAT")
            rule(gid, True, "udp", (8125, 8125), "cidr4", VPC_CIDR, "statsd")
    rule(exporter, False, "tcp", (9100, 9110), "sg", monitor.group_id, "Prometheus scrapes")

    # partner allow-lists fill up to the number of rules asked for (mostly never used)
    candidates = [s for s in services if s.tier != "db"] or services
    k = 0
    partners = ipaddress.ip_network(INTERNET["partners"])
    allowed: set[str] = set()  # no partner range twice
    while len(rules) < rules_wanted:
        s = candidates[k % len(candidates)]
        k += 1
        roll = rng.random()
        if roll < 0.7:
            first = partners.network_address + rng.randrange(0, partners.num_addresses, 16)
            cidr = str(ipaddress.ip_network(f"{first}/{rng.choice((28, 32))}"))
            if cidr in allowed:
                continue
            allowed.add(cidr)
            rule(s.group_id, False, "tcp", (s.port, s.port), "cidr4", cidr, f"partner {k}")
        elif roll < 0.85:
            cidr = f"2001:db8:{rng.randint(0x100, 0xFFFF):x}:{rng.randint(0, 0xFFFF):x}::/64"
            rule(s.group_id, False, "tcp", (443, 443), "cidr6", cidr, f"partner {k} (IPv6)")
        else:
            lo = rng.randrange(10000, 20000, 100)
            rule(s.group_id, False, "tcp", (lo, lo + 99), "cidr4", "10.0.0.0/16", f"range {k}")

    enis: list[Eni] = []
    for n, key in enumerate(("public-a", "public-b", "public-a", "public-b")):
        sub = subnets[key]
        enis.append(
            Eni(derived_id("eni", f"alb{n}"), "alb", sub, _host(sub), [alb],
                ipv6=_host6(sub, rng), public_ip=f"203.0.113.{10 + n}")
        )  # fmt: skip
    for n, key in enumerate(("public-a", "public-b")):
        sub = subnets[key]
        enis.append(
            Eni(derived_id("eni", f"nat{n}"), "nat", sub, _host(sub), [],
                public_ip=f"203.0.113.{20 + n}")
        )  # fmt: skip
    sub = subnets["public-a"]
    enis.append(
        Eni(derived_id("eni", "bastion"), "bastion", sub, _host(sub), [bastion],
            instance_id=derived_id("i", "bastion"), public_ip="203.0.113.30")
    )  # fmt: skip
    for n in range(3):
        sub = subnets["endpoints"]
        enis.append(Eni(derived_id("eni", f"vpce{n}"), "vpce", sub, _host(sub), [vpce]))
    weights = [3 if s.tier == "app" else 2 for s in services]
    owners = list(range(n_services)) + rng.choices(
        range(n_services), weights, k=instances - n_services
    )
    for n, owner in enumerate(sorted(owners)):
        s = services[owner]
        choices = (
            ("data-a", "data-b") if s.tier == "db" else ("private-a", "private-b", "private-c")
        )
        sub = subnets[choices[n % len(choices)]]
        extra = [ssh] if rng.random() < 0.8 else []
        if rng.random() < 0.7:
            extra.append(exporter)
        eni = Eni(
            derived_id("eni", f"i{n}"), "instance", sub, _host(sub), [s.group_id, *extra],
            instance_id=derived_id("i", f"i{n}"), service=owner, idle=rng.random() < 0.03,
        )  # fmt: skip
        if sub.ipv6_cidr and rng.random() < 0.2:
            eni.ipv6 = _host6(sub, rng)
        if rng.random() < 0.1:
            eni.secondary_ips.append(_host(sub))
        s.enis.append(len(enis))
        enis.append(eni)
    for s in services:  # every service keeps at least one busy instance
        if all(enis[e].idle for e in s.enis):
            enis[s.enis[0]].idle = False

    open_entries = [
        {"egress": egress, "number": number, "action": action, "cidr": cidr}
        for egress in (True, False)
        for number, action, cidr in (
            (100, "allow", "0.0.0.0/0"),
            (101, "allow", "::/0"),
            (32767, "deny", "0.0.0.0/0"),
            (32768, "deny", "::/0"),
        )
    ]
    scanners = _internet_ips(rng, 200, "scanners")
    blocked = [
        {"egress": False, "number": 90 + n, "action": "deny", "cidr": f"{ip}/32"}
        for n, ip in enumerate(scanners[:5])
    ]
    acls = [
        (derived_id("acl", "default"), None,
         [k for k in subnets if k != "public-a"], open_entries),
        (derived_id("acl", "edge"), "public-a-edge", ["public-a"], blocked + open_entries),
    ]  # fmt: skip
    return Vpc(
        vpc_id=vpc_id,
        subnets=subnets,
        groups=groups,
        rules=rules,
        enis=enis,
        services=services,
        prefix_lists=prefix_lists,
        acls=acls,
        clients4=_internet_ips(rng, 1500, "clients"),
        clients6=[f"2001:db8:ffff:{rng.randint(0x100, 0xFFFF):x}::{n + 1:x}" for n in range(300)],
        scanners=scanners,
        office_hosts=["198.51.100.5", "198.51.100.20", "198.51.100.70", "192.0.2.33"],
        partner_hosts=["192.0.2.70", "192.0.2.71", "192.0.2.80"],
        remote_apis=_internet_ips(rng, 40, "apis"),
        s3_addresses=_internet_ips(rng, 5, "s3"),
    )


# ----------------------------------------------------------------------------- snapshot JSON


def _permissions(vpc: Vpc, gid: str, egress: bool) -> list[dict[str, Any]]:
    perms: dict[tuple[str, int, int], dict[str, Any]] = {}
    for r in vpc.rules:
        if r.group_id != gid or r.egress != egress:
            continue
        key = (r.protocol, r.from_port, r.to_port)
        if key not in perms:
            perm: dict[str, Any] = {"IpProtocol": r.protocol}
            if r.protocol != "-1":
                perm["FromPort"], perm["ToPort"] = r.from_port, r.to_port
            perm |= {"UserIdGroupPairs": [], "IpRanges": [], "Ipv6Ranges": [], "PrefixListIds": []}
            perms[key] = perm
        described = {"Description": r.description} if r.description else {}
        if r.peer_kind == "sg":
            entry = {**described, "GroupId": r.peer, "UserId": ACCOUNT}
            perms[key]["UserIdGroupPairs"].append(entry)
        elif r.peer_kind == "pl":
            perms[key]["PrefixListIds"].append({**described, "PrefixListId": r.peer})
        elif r.peer_kind == "cidr6":
            perms[key]["Ipv6Ranges"].append({**described, "CidrIpv6": r.peer})
        else:
            perms[key]["IpRanges"].append({**described, "CidrIp": r.peer})
    return list(perms.values())


def _tags(name: str | None) -> list[dict[str, str]]:
    return [{"Key": "Name", "Value": name}] if name else []


def snapshot_documents(vpc: Vpc) -> dict[str, Any]:
    """File name -> JSON document, in the shapes of the AWS CLI's --output json."""
    groups = [
        {
            "GroupId": g.group_id,
            "IpPermissionsEgress": _permissions(vpc, g.group_id, True),
            "Tags": _tags(g.name) if g.key != "default" else [],
            "VpcId": vpc.vpc_id,
            "OwnerId": ACCOUNT,
            "GroupName": g.name,
            "Description": g.description,
            "IpPermissions": _permissions(vpc, g.group_id, False),
        }
        for g in vpc.groups.values()
    ]
    rules = []
    for r in vpc.rules:
        item: dict[str, Any] = {
            "SecurityGroupRuleId": r.rule_id,
            "GroupId": r.group_id,
            "GroupOwnerId": ACCOUNT,
            "IsEgress": r.egress,
            "IpProtocol": r.protocol,
            "FromPort": r.from_port,
            "ToPort": r.to_port,
        }
        if r.peer_kind == "sg":
            item["ReferencedGroupInfo"] = {"GroupId": r.peer, "UserId": ACCOUNT}
        elif r.peer_kind == "pl":
            item["PrefixListId"] = r.peer
        elif r.peer_kind == "cidr6":
            item["CidrIpv6"] = r.peer
        else:
            item["CidrIpv4"] = r.peer
        if r.description:
            item["Description"] = r.description
        item["Tags"] = []
        item["SecurityGroupRuleArn"] = (
            f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group-rule/{r.rule_id}"
        )
        rules.append(item)
    names = {g.group_id: g.name for g in vpc.groups.values()}
    interfaces = []
    for e in vpc.enis:
        managed = e.kind in ("alb", "nat", "vpce")
        item = {}
        if e.public_ip:
            item["Association"] = {"IpOwnerId": "amazon", "PublicIp": e.public_ip}
        item["Attachment"] = {
            "AttachmentId": derived_id("eni-attach", e.eni_id),
            "DeviceIndex": 1 if managed else 0,
            "InstanceOwnerId": "amazon-aws" if managed else ACCOUNT,
            "Status": "attached",
        }
        if e.instance_id:
            item["Attachment"]["InstanceId"] = e.instance_id
        item |= {
            "AvailabilityZone": e.subnet.az,
            "Description": e.kind,
            "Groups": [{"GroupId": g, "GroupName": names[g]} for g in e.groups],
            "InterfaceType": {"nat": "nat_gateway", "vpce": "vpc_endpoint"}.get(
                e.kind, "interface"
            ),
            "Ipv6Addresses": [{"Ipv6Address": e.ipv6, "IsPrimaryIpv6": False}] if e.ipv6 else [],
            "NetworkInterfaceId": e.eni_id,
            "OwnerId": ACCOUNT,
            "PrivateIpAddress": e.ip,
            "PrivateIpAddresses": [
                {"Primary": ip == e.ip, "PrivateIpAddress": ip} for ip in (e.ip, *e.secondary_ips)
            ],
            "Ipv4Prefixes": [],
            "Ipv6Prefixes": [],
            "RequesterManaged": managed,
            "SourceDestCheck": e.kind != "nat",
            "Status": "in-use",
            "SubnetId": e.subnet.subnet_id,
            "TagSet": [],
            "VpcId": vpc.vpc_id,
        }
        interfaces.append(item)
    acls = []
    for acl_id, name, subnet_keys, entries in vpc.acls:
        rows = []
        for entry in sorted(entries, key=lambda x: (not x["egress"], x["number"])):
            row: dict[str, Any] = {
                "Ipv6CidrBlock" if ":" in entry["cidr"] else "CidrBlock": entry["cidr"],
                "Egress": entry["egress"],
                "Protocol": "-1",
                "RuleAction": entry["action"],
                "RuleNumber": entry["number"],
            }
            rows.append(row)
        acls.append(
            {
                "Associations": [
                    {
                        "NetworkAclAssociationId": derived_id("aclassoc", f"{acl_id}/{k}"),
                        "NetworkAclId": acl_id,
                        "SubnetId": vpc.subnets[k].subnet_id,
                    }
                    for k in subnet_keys
                ],
                "Entries": rows,
                "IsDefault": name is None,
                "NetworkAclId": acl_id,
                "Tags": _tags(name),
                "VpcId": vpc.vpc_id,
                "OwnerId": ACCOUNT,
            }
        )
    s3_pl, office_pl = list(vpc.prefix_lists)
    prefix_lists = [
        {
            "PrefixListId": s3_pl,
            "AddressFamily": "IPv4",
            "State": "create-complete",
            "PrefixListName": f"com.amazonaws.{REGION}.s3",
            "OwnerId": "AWS",
        },
        {
            "PrefixListId": office_pl,
            "AddressFamily": "IPv4",
            "State": "modify-complete",
            "PrefixListName": "corp-office",
            "MaxEntries": 10,
            "OwnerId": ACCOUNT,
        },
    ]
    documents: dict[str, Any] = {
        "describe-security-groups.json": {"SecurityGroups": groups},
        "describe-security-group-rules.json": {"SecurityGroupRules": rules},
        "describe-network-interfaces.json": {"NetworkInterfaces": interfaces},
        "describe-network-acls.json": {"NetworkAcls": acls},
        "describe-managed-prefix-lists.json": {"PrefixLists": prefix_lists},
    }
    for pl_id, cidrs in vpc.prefix_lists.items():
        documents[f"{pl_id}.json"] = {"Entries": [{"Cidr": c} for c in cidrs]}
    return documents


# ----------------------------------------------------------------------------- flow templates


@dataclass
class Templates:
    """Every record a connection of each pair produces, flattened (one row per record).

    A pair (client, server, port) has `count` consecutive template rows from `offset`; a
    connection of the pair produces all of them. Addresses and interfaces are indexes into
    `strings` and `vpc.enis`; ports come from the connection (ephemeral) and the template
    (service port), by `reply`."""

    strings: list[str]
    pair_offset: np.ndarray
    pair_count: np.ndarray
    pair_prob: np.ndarray
    eni: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    pkt_src: np.ndarray
    pkt_dst: np.ndarray
    reply: np.ndarray
    port: np.ndarray
    protocol: np.ndarray
    reject: np.ndarray
    egress: np.ndarray
    path: np.ndarray  # traffic-path, 0 = none
    ipv6: np.ndarray
    idle_enis: np.ndarray


def _zipf(n: int, s: float = 0.9) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def build_templates(vpc: Vpc, seed: int = SEED) -> Templates:
    rng = random.Random(seed + 1)
    strings: list[str] = ["-"]
    index: dict[str, int] = {"-": 0}

    def sid(text: str) -> int:
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return index[text]

    rows: dict[str, list[int]] = {
        k: []
        for k in ("eni src dst pkt_src pkt_dst reply port protocol reject egress path ipv6".split())
    }
    pairs: dict[str, list[tuple[int, int]]] = {k: [] for k in RECORD_SHARES}

    def view(e: int, reply: bool, src: str, dst: str, port: int, proto: int, **kw: Any) -> None:
        egress = kw.get("egress", False)
        eni = vpc.enis[e]
        shown_src, shown_dst = src, dst
        for ip in eni.secondary_ips:  # srcaddr/dstaddr show the primary IP, pkt-* the real one
            shown_src = eni.ip if src == ip else shown_src
            shown_dst = eni.ip if dst == ip else shown_dst
        values = {
            "eni": e,
            "src": sid(shown_src),
            "dst": sid(shown_dst),
            "pkt_src": sid(src),
            "pkt_dst": sid(dst),
            "reply": int(reply),
            "port": port,
            "protocol": proto,
            "reject": int(kw.get("reject", False)),
            "egress": int(egress),
            "path": kw.get("path", 1) if egress else 0,
            "ipv6": int(":" in src),
        }
        for k, v in values.items():
            rows[k].append(v)

    def pair(kind: str, start: int) -> None:
        pairs[kind].append((start, len(rows["eni"]) - start))

    def both_ends(c: int, sv: int, c_ip: str, s_ip: str, port: int, proto: int = 6) -> None:
        view(c, False, c_ip, s_ip, port, proto, egress=True)
        view(c, True, s_ip, c_ip, port, proto)
        view(sv, False, c_ip, s_ip, port, proto)
        view(sv, True, s_ip, c_ip, port, proto, egress=True)

    enis = vpc.enis
    albs = [i for i, e in enumerate(enis) if e.kind == "alb"]
    nats = [i for i, e in enumerate(enis) if e.kind == "nat"]
    bastion = next(i for i, e in enumerate(enis) if e.kind == "bastion")
    vpces = [i for i, e in enumerate(enis) if e.kind == "vpce"]
    busy = {s.index: [e for e in s.enis if not enis[e].idle] for s in vpc.services}
    instances = [e for es in busy.values() for e in es]
    webs = [e for s in vpc.services if s.tier == "web" for e in busy[s.index]]

    for _ in range(2000):  # internet clients on the ALB nodes
        a = rng.choice(albs)
        start = len(rows["eni"])
        if rng.random() < 0.2:
            client, own = rng.choice(vpc.clients6), enis[a].ipv6 or enis[a].ip
            port = 443
        else:
            client, own = rng.choice(vpc.clients4), enis[a].ip
            port = 443 if rng.random() < 0.9 else 80
        view(a, False, client, own, port, 6)
        view(a, True, own, client, port, 6, egress=True, path=8)
        pair("alb_in", start)
    for w in webs:  # ALB nodes to every web instance
        for a in albs:
            start = len(rows["eni"])
            both_ends(a, w, enis[a].ip, enis[w].ip, 8080)
            pair("alb_web", start)
    for s in vpc.services:  # the call graph, instance by instance
        for t, port in s.callees:
            for c in busy[s.index]:
                for sv in rng.sample(busy[t], min(3, len(busy[t]))):
                    start = len(rows["eni"])
                    server_ip = rng.choice([enis[sv].ip, *enis[sv].secondary_ips])
                    both_ends(c, sv, enis[c].ip, server_ip, port)
                    pair("svc", start)
        if s.tier != "db":
            for c in busy[s.index][:4]:  # statsd over udp to the monitoring service
                sv = busy[vpc.services[0].index][0]
                start = len(rows["eni"])
                both_ends(c, sv, enis[c].ip, enis[sv].ip, 8125, 17)
                pair("svc", start)
    for c in instances:
        start = len(rows["eni"])
        remote = rng.choice(vpc.s3_addresses)
        view(c, False, enis[c].ip, remote, 443, 6, egress=True, path=3)
        view(c, True, remote, enis[c].ip, 443, 6)
        pair("s3", start)
        start = len(rows["eni"])
        v = rng.choice(vpces)
        both_ends(c, v, enis[c].ip, enis[v].ip, 443)
        pair("vpce", start)
        if rng.random() < 0.5:
            start = len(rows["eni"])
            remote, n = rng.choice(vpc.remote_apis), rng.choice(nats)
            view(c, False, enis[c].ip, remote, 443, 6, egress=True, path=1)
            view(c, True, remote, enis[c].ip, 443, 6)
            view(n, False, enis[c].ip, enis[n].ip, 443, 6)
            view(n, True, enis[n].ip, enis[c].ip, 443, 6, egress=True)
            view(n, False, enis[n].ip, remote, 443, 6, egress=True, path=8)
            view(n, True, remote, enis[n].ip, 443, 6)
            pair("nat", start)
    for host in vpc.office_hosts + vpc.partner_hosts:
        start = len(rows["eni"])
        view(bastion, False, host, enis[bastion].ip, 22, 6)
        view(bastion, True, enis[bastion].ip, host, 22, 6, egress=True, path=8)
        pair("ssh", start)
    for sv in rng.sample(instances, min(60, len(instances))):
        if enis[sv].groups[1:2] != [vpc.groups["ssh"].group_id]:
            continue
        start = len(rows["eni"])
        both_ends(bastion, sv, enis[bastion].ip, enis[sv].ip, 22)
        pair("ssh", start)
    public = albs + nats + [bastion]
    for scanner in vpc.scanners:
        for target in rng.sample(public, 3):
            for port in rng.sample(SCAN_PORTS, 4):
                if enis[target].kind == "alb" and port in (80, 443):
                    port = 8443
                if enis[target].kind == "bastion" and port == 22:
                    port = 2222
                start = len(rows["eni"])
                view(target, False, scanner, enis[target].ip, port, 6, reject=True)
                pair("scan", start)
    for _ in range(300):  # calls to ports no rule opens: leave the client, rejected at the server
        c, sv = rng.sample(instances, 2)
        port = rng.choice((8081, 9090, 5000, 7001, 11211))
        start = len(rows["eni"])
        view(c, False, enis[c].ip, enis[sv].ip, port, 6, egress=True)
        view(sv, False, enis[c].ip, enis[sv].ip, port, 6, reject=True)
        pair("deny", start)

    offsets, counts, probs = [], [], []
    for kind, share in RECORD_SHARES.items():
        kind_pairs = pairs[kind]
        if not kind_pairs:
            continue
        rng.shuffle(kind_pairs)  # which pairs are the heavy hitters
        per_conn = np.mean([c for _, c in kind_pairs])
        weights = _zipf(len(kind_pairs)) * share / per_conn
        for (offset, count), w in zip(kind_pairs, weights, strict=True):
            offsets.append(offset)
            counts.append(count)
            probs.append(w)
    p = np.array(probs)
    return Templates(
        strings=strings,
        pair_offset=np.array(offsets, dtype=np.int64),
        pair_count=np.array(counts, dtype=np.int64),
        pair_prob=p / p.sum(),
        idle_enis=np.array([i for i, e in enumerate(enis) if e.idle], dtype=np.int64),
        **{k: np.array(v, dtype=np.int64) for k, v in rows.items()},
    )


# ----------------------------------------------------------------------------- records


@dataclass
class Spec:
    records: int
    interfaces: int = 400
    rules: int = 3000
    seed: int = SEED
    records_per_file: int = RECORDS_PER_FILE
    flavours: tuple[str, ...] = FLAVOURS
    gzip_level: int = 6

    def manifest_key(self) -> dict[str, Any]:
        return {
            "generator_version": GENERATOR_VERSION,
            "records": self.records,
            "interfaces": self.interfaces,
            "rules": self.rules,
            "seed": self.seed,
            "records_per_file": self.records_per_file,
            "flavours": list(self.flavours),
            "gzip_level": self.gzip_level,
        }


def file_records(vpc: Vpc, tpl: Templates, spec: Spec, number: int, n: int) -> dict[str, Any]:
    """The records of file `number` (n of them), as numpy columns; deterministic per file."""
    rng = np.random.default_rng([spec.seed, number])
    files = -(-spec.records // spec.records_per_file)
    t0 = DAY_START + number * DAY_SECONDS // files
    span = max(1, DAY_SECONDS // files)
    n_nodata = round(n * NODATA_SHARE) if len(tpl.idle_enis) else 0
    n_flow = n - n_nodata
    mean = float((tpl.pair_prob * tpl.pair_count).sum())
    n_conn = int(n_flow / mean * 1.05) + 8
    pidx = rng.choice(len(tpl.pair_prob), size=n_conn, p=tpl.pair_prob)
    counts = tpl.pair_count[pidx]
    ends = np.cumsum(counts)
    n_conn = int(np.searchsorted(ends, n_flow, side="left")) + 1
    pidx, counts = pidx[:n_conn], counts[:n_conn]
    conn = np.repeat(np.arange(n_conn), counts)[:n_flow]
    first = np.repeat(np.cumsum(counts) - counts, counts)[:n_flow]
    t = tpl.pair_offset[pidx][conn] + (np.arange(n_flow) - first)

    eph = rng.integers(32768, 61000, size=n_conn)[conn]
    start = np.sort(rng.integers(t0, t0 + span, size=n_conn))[conn]
    duration = np.minimum(rng.geometric(0.08, size=n_conn), 60)[conn]
    window = rng.choice(4, size=n_conn, p=(0.55, 0.15, 0.15, 0.15))[conn]
    reply = tpl.reply[t].astype(bool)
    reject = tpl.reject[t].astype(bool)
    proto = tpl.protocol[t]
    port = tpl.port[t]
    srcport = np.where(reply, port, eph)
    dstport = np.where(reply, eph, port)
    packets = rng.integers(1, 40, size=n_flow) * np.where(reject, 1, 1 + window)
    packets = np.where(reject, np.minimum(packets, 3), packets)
    size = np.where(reply, rng.integers(200, 1400, size=n_flow), rng.integers(52, 600, size=n_flow))
    flags = np.where(
        reply, np.array([19, 18, 0, 1])[window], np.array([3, 2, 0, 1])[window]
    ).astype(np.int64)
    flags = np.where(reject, 2, flags)
    flags = np.where(proto == 6, flags, 0)

    cols: dict[str, Any] = {
        "eni": tpl.eni[t],
        "src": tpl.src[t],
        "dst": tpl.dst[t],
        "pkt_src": tpl.pkt_src[t],
        "pkt_dst": tpl.pkt_dst[t],
        "srcport": srcport,
        "dstport": dstport,
        "protocol": proto,
        "packets": packets,
        "bytes": packets * size,
        "start": start,
        "end": start + duration,
        "reject": reject,
        "egress": tpl.egress[t].astype(bool),
        "path": tpl.path[t],
        "ipv6": tpl.ipv6[t].astype(bool),
        "flags": flags,
        "nodata": np.zeros(n_flow, dtype=bool),
    }
    if n_nodata:
        ns = rng.integers(t0, t0 + span, size=n_nodata)
        nodata = {k: np.zeros(n_nodata, dtype=v.dtype) for k, v in cols.items()}
        nodata |= {
            "eni": rng.choice(tpl.idle_enis, size=n_nodata),
            "start": ns,
            "end": ns + 59,
            "nodata": np.ones(n_nodata, dtype=bool),
        }
        cols = {k: np.concatenate([v, nodata[k]]) for k, v in cols.items()}
        order = np.argsort(cols["start"], kind="stable")
        cols = {k: v[order] for k, v in cols.items()}
    return cols


def arrow_columns(vpc: Vpc, tpl: Templates, cols: dict[str, Any]) -> dict[str, pa.Array]:
    """The v5 fields as typed Arrow arrays, null where the record has no value ("-")."""
    nodata = cols["nodata"]
    strings = pa.array(tpl.strings)
    enis = vpc.enis

    def per_eni(values: list[str | None]) -> pa.Array:
        return pa.array(values, pa.string()).take(pa.array(cols["eni"]))

    def text(idx: np.ndarray) -> pa.Array:
        return strings.take(pa.array(idx, mask=nodata))

    def integer(values: np.ndarray, dtype: pa.DataType, mask: np.ndarray = nodata) -> pa.Array:
        return pa.array(values, type=dtype, mask=mask)

    n = len(nodata)
    choose = np.array(["ACCEPT", "REJECT"])[cols["reject"].astype(np.int64)]
    return {
        "version": pa.array(np.full(n, 5, dtype=np.int32)),
        "account-id": per_eni(["unknown" if e.kind == "vpce" else ACCOUNT for e in enis]),
        "region": pa.array(np.full(n, REGION)),
        "az-id": per_eni([e.subnet.az_id for e in enis]),
        "vpc-id": pa.array(np.full(n, vpc.vpc_id)),
        "subnet-id": per_eni([e.subnet.subnet_id for e in enis]),
        "instance-id": per_eni([e.instance_id for e in enis]),
        "interface-id": per_eni([e.eni_id for e in enis]),
        "flow-direction": pa.array(
            np.where(cols["egress"], "egress", "ingress"), mask=nodata, type=pa.string()
        ),
        "traffic-path": integer(cols["path"], pa.int32(), nodata | (cols["path"] == 0)),
        "type": pa.array(np.where(cols["ipv6"], "IPv6", "IPv4"), mask=nodata, type=pa.string()),
        "srcaddr": text(cols["src"]),
        "dstaddr": text(cols["dst"]),
        "pkt-srcaddr": text(cols["pkt_src"]),
        "pkt-dstaddr": text(cols["pkt_dst"]),
        "protocol": integer(cols["protocol"], pa.int32()),
        "srcport": integer(cols["srcport"], pa.int32()),
        "dstport": integer(cols["dstport"], pa.int32()),
        "tcp-flags": integer(cols["flags"], pa.int32()),
        "packets": integer(cols["packets"], pa.int64()),
        "bytes": integer(cols["bytes"], pa.int64()),
        "start": pa.array(cols["start"], pa.int64()),
        "end": pa.array(cols["end"], pa.int64()),
        "action": pa.array(choose, mask=nodata, type=pa.string()),
        "log-status": pa.array(np.where(nodata, "NODATA", "OK"), type=pa.string()),
    }


def text_body(columns: dict[str, pa.Array], fields: list[str], version: int) -> bytes:
    """Header plus one space-separated line per record, "-" for nulls, built by Arrow."""
    parts = []
    for name in fields:
        col = columns[name]
        if name == "version":
            col = pa.array(np.full(len(col), version, dtype=np.int32))
        if not pa.types.is_string(col.type):
            col = col.cast(pa.string())
        parts.append(pc.fill_null(col, "-"))
    empty = pa.array(np.full(len(parts[0]), ""), type=pa.string())
    lines = pc.binary_join_element_wise(*parts, empty, " ")  # the trailing space becomes \n
    lines = lines.cast(pa.large_string())
    if isinstance(lines, pa.ChunkedArray):
        lines = lines.combine_chunks()
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[
        lines.offset : lines.offset + len(lines) + 1
    ]
    data = np.frombuffer(lines.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].copy()
    data[offsets[1:] - offsets[0] - 1] = ord("\n")
    return (" ".join(fields) + "\n").encode() + data.tobytes()


def gzip_bytes(body: bytes, level: int) -> bytes:
    comp = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    return comp.compress(body) + comp.flush()


def _stem(stamp: datetime, digest: str) -> str:
    """An S3 delivery's file name, without its suffix, for the 5-minute window at `stamp`."""
    return f"{ACCOUNT}_vpcflowlogs_{REGION}_{FLOW_LOG_ID}_{stamp:%Y%m%dT%H%MZ}_{digest}"


def _s3_text_path(stamp: datetime, digest: str) -> str:
    """Where S3 puts a gzip text file (the default, not Hive-compatible, layout)."""
    return f"AWSLogs/{ACCOUNT}/vpcflowlogs/{REGION}/{stamp:%Y/%m/%d}/{_stem(stamp, digest)}.log.gz"


def _file_paths(out: Path, number: int, files: int, seed: int) -> dict[str, Path]:
    stamp = datetime.fromtimestamp(DAY_START + number * DAY_SECONDS // files, UTC)
    digest = hashlib.sha256(f"{seed}/{number}".encode()).hexdigest()[:8]
    stem = _stem(stamp, digest)
    hive = (
        f"AWSLogs/aws-account-id={ACCOUNT}/aws-service=vpcflowlogs/aws-region={REGION}/"
        f"year={stamp:%Y}/month={stamp:%m}/day={stamp:%d}/hour={stamp:%H}"
    )
    return {
        "default": out / "default" / _s3_text_path(stamp, digest),
        "custom": out / "custom" / hive / f"{stem}.log.gz",
        "parquet": out / "parquet" / hive / f"{stem}.log.parquet",
    }


_CACHE: dict[tuple[int, int, int], tuple[Vpc, Templates]] = {}


def _model(spec: Spec) -> tuple[Vpc, Templates]:
    key = (spec.interfaces, spec.rules, spec.seed)
    if key not in _CACHE:
        vpc = build_vpc(spec.interfaces, spec.rules, spec.seed)
        _CACHE[key] = (vpc, build_templates(vpc, spec.seed))
    return _CACHE[key]


def write_file(spec: Spec, out: Path, number: int) -> dict[str, Any]:
    """Generate file `number` in every flavour; returns its paths, records and sizes."""
    vpc, tpl = _model(spec)
    files = -(-spec.records // spec.records_per_file)
    n = min(spec.records_per_file, spec.records - number * spec.records_per_file)
    columns = arrow_columns(vpc, tpl, file_records(vpc, tpl, spec, number, n))
    paths = _file_paths(out, number, files, spec.seed)
    written: dict[str, Any] = {"number": number, "records": n}
    for flavour in spec.flavours:
        path = paths[flavour]
        path.parent.mkdir(parents=True, exist_ok=True)
        if flavour == "parquet":
            names = [f.replace("-", "_") for f in V5_FIELDS]
            table = pa.Table.from_arrays([columns[f] for f in V5_FIELDS], names=names)
            pq.write_table(table, path, compression="gzip")
        else:
            fields, version = (V2_FIELDS, 2) if flavour == "default" else (V5_FIELDS, 5)
            body = text_body(columns, fields, version)
            path.write_bytes(gzip_bytes(body, spec.gzip_level))
            written[f"{flavour}_text_bytes"] = len(body)
        written[flavour] = str(path.relative_to(out))
        written[f"{flavour}_bytes"] = path.stat().st_size
    return written


SMALL_RECORDS_PER_FILE = 1_000
SMALL_WINDOW_SECONDS = 300  # S3 delivery: one file per flow log and 5-minute window


def _small_path(out: Path, number: int) -> Path:
    stamp = datetime.fromtimestamp(DAY_START + number * SMALL_WINDOW_SECONDS, UTC)
    digest = hashlib.sha256(f"small/{number}".encode()).hexdigest()[:8]
    return out / "small" / _s3_text_path(stamp, digest)


def split_file(out: Path, source: str, first: int, per_file: int, level: int) -> dict[str, int]:
    """Cut one default-format file into files of `per_file` records, numbered from `first`."""
    body = zlib.decompress((out / source).read_bytes(), 31)
    header, _, rest = body.partition(b"\n")
    lines = rest.splitlines(keepends=True)
    written = {"files": 0, "records": 0, "bytes": 0}
    for start in range(0, len(lines), per_file):
        chunk = lines[start : start + per_file]
        path = _small_path(out, first + written["files"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip_bytes(header + b"\n" + b"".join(chunk), level))
        written["files"] += 1
        written["records"] += len(chunk)
        written["bytes"] += path.stat().st_size
    return written


def ensure_small(
    out: Path,
    manifest: dict[str, Any],
    per_file: int = SMALL_RECORDS_PER_FILE,
    workers: int | None = None,
) -> dict[str, Any]:
    """The records of `out`'s default-format files cut into small files under ``out/small``.

    Made once and kept (``small-manifest.json``) until the data it was cut from or `per_file`
    changes; returns that manifest: ``files``, ``records``, ``bytes``, ``records_per_file``.
    """
    if "default" not in manifest.get("flavours", FLAVOURS):
        raise ValueError(f"{out} has no default-format files to cut small files from")
    source = {k: manifest.get(k) for k in Spec(0).manifest_key()}
    key = {"source": source, "records_per_file": per_file}
    path = out / "small-manifest.json"
    try:
        small: dict[str, Any] = json.loads(path.read_text())
        if {k: small.get(k) for k in key} == key:
            return small
    except (OSError, ValueError):
        pass
    shutil.rmtree(out / "small", ignore_errors=True)
    began = time.monotonic()
    firsts, number = [], 0
    for entry in manifest["files"]:
        firsts.append(number)
        number += -(-entry["records"] // per_file)
    level = manifest.get("gzip_level", 6)
    jobs = [
        (out, f["default"], first, per_file, level)
        for f, first in zip(manifest["files"], firsts, strict=True)
    ]
    workers = workers or min(len(jobs), os.cpu_count() or 1)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(split_file, *zip(*jobs, strict=True)))
    else:
        parts = [split_file(*job) for job in jobs]
    small = key | {
        "files": sum(p["files"] for p in parts),
        "records": sum(p["records"] for p in parts),
        "bytes": sum(p["bytes"] for p in parts),
        "seconds": round(time.monotonic() - began, 2),
    }
    path.write_text(json.dumps(small, indent=1) + "\n")
    return small


def read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    except (OSError, ValueError):
        return None
    return manifest


def generate(
    spec: Spec, out: Path, workers: int | None = None, quiet: bool = False
) -> dict[str, Any]:
    """Write the snapshot and every file of `spec` under `out` (replacing what was there)."""
    began = time.monotonic()
    for name in (*FLAVOURS, "snapshot", "manifest.json", "small", "small-manifest.json"):
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    out.mkdir(parents=True, exist_ok=True)
    vpc, tpl = _model(spec)
    for name, document in snapshot_documents(vpc).items():
        path = out / "snapshot" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document, indent=2) + "\n")
    files = -(-spec.records // spec.records_per_file)
    workers = workers or min(files, os.cpu_count() or 1)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            futures = [pool.submit(write_file, spec, out, i) for i in range(files)]
            written = []
            for future in futures:
                written.append(future.result())
                if not quiet:
                    print(f"  file {len(written)}/{files}", file=sys.stderr)
    else:
        written = [write_file(spec, out, i) for i in range(files)]
    manifest = spec.manifest_key() | {
        "interfaces_written": len(vpc.enis),
        "rules_written": len(vpc.rules),
        "pairs": len(tpl.pair_prob),
        "files": written,
        "bytes": {f: sum(w[f"{f}_bytes"] for w in written) for f in spec.flavours},
        "seconds": round(time.monotonic() - began, 2),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def ensure(spec: Spec, out: Path, quiet: bool = False) -> dict[str, Any]:
    """The data of `spec` under `out`: generated unless a matching manifest is already there."""
    manifest = read_manifest(out)
    if manifest and all(manifest.get(k) == v for k, v in spec.manifest_key().items()):
        return manifest
    return generate(spec, out, quiet=quiet)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, required=True, help="flow records to write")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--interfaces", type=int, default=400)
    parser.add_argument("--rules", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--records-per-file", type=int, default=RECORDS_PER_FILE)
    parser.add_argument("--flavours", default=",".join(FLAVOURS), help="default,custom,parquet")
    parser.add_argument("--force", action="store_true", help="regenerate even if present")
    args = parser.parse_args(argv)
    flavours = tuple(f for f in args.flavours.split(",") if f)
    if unknown := set(flavours) - set(FLAVOURS):
        parser.error(f"unknown flavour(s): {', '.join(sorted(unknown))}")
    spec = Spec(
        args.records, args.interfaces, args.rules, args.seed, args.records_per_file, flavours
    )
    manifest = generate(spec, args.out) if args.force else ensure(spec, args.out)
    sizes = ", ".join(f"{f} {b / 1e6:.1f} MB" for f, b in manifest["bytes"].items())
    print(
        f"{args.out}: {manifest['records']:,} records in {len(manifest['files'])} file(s) "
        f"({sizes}); {manifest['interfaces_written']} interfaces, "
        f"{manifest['rules_written']} rules, {manifest['pairs']} pairs; "
        f"generated in {manifest['seconds']} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
