"""The flow-log field catalogue: every field flowsg knows by name, its version and its type.

Sources: shared/docs/flowlogs.md §2 (AWS VPC User Guide field table for versions 2-5, the ECS
fields of version 7 and ``reject-reason`` of version 8). Transit Gateway flow-log fields (the
"version 6" set) are listed separately: they mark a file as a Transit Gateway flow log, which
flowsg recognises and reports as unsupported instead of mis-parsing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["int", "bigint", "ip", "text"]


@dataclass(frozen=True)
class Field:
    name: str  # as in AWS's format string, e.g. "log-status"
    version: int
    kind: Kind

    @property
    def column(self) -> str:
        """Column name in `flows` and in S3 Parquet files (`-` becomes `_`)."""
        return self.name.replace("-", "_")


def _fields(version: int, kind: Kind, names: str) -> list[Field]:
    return [Field(n, version, kind) for n in names.split()]


FIELDS: tuple[Field, ...] = (
    *_fields(2, "int", "version"),
    *_fields(2, "text", "account-id interface-id"),
    *_fields(2, "ip", "srcaddr dstaddr"),
    *_fields(2, "int", "srcport dstport protocol"),
    *_fields(2, "bigint", "packets bytes start end"),
    *_fields(2, "text", "action log-status"),
    *_fields(3, "text", "vpc-id subnet-id instance-id"),
    *_fields(3, "int", "tcp-flags"),
    *_fields(3, "text", "type"),
    *_fields(3, "ip", "pkt-srcaddr pkt-dstaddr"),
    *_fields(4, "text", "region az-id sublocation-type sublocation-id"),
    *_fields(5, "text", "pkt-src-aws-service pkt-dst-aws-service flow-direction"),
    *_fields(5, "int", "traffic-path"),
    *_fields(
        7,
        "text",
        "ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id"
        " ecs-container-id ecs-second-container-id ecs-service-name ecs-task-definition-arn"
        " ecs-task-arn ecs-task-id",
    ),
    *_fields(8, "text", "reject-reason"),
)

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}

DEFAULT_FORMAT: tuple[str, ...] = tuple(f.name for f in FIELDS if f.version == 2)
"""The default (version 2) format, in AWS's order: the order of headerless files."""

TRANSIT_GATEWAY_FIELDS: frozenset[str] = frozenset(
    (
        "resource-type tgw-id tgw-attachment-id tgw-src-vpc-account-id tgw-dst-vpc-account-id"
        " tgw-src-vpc-id tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni"
        " tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id packets-lost-no-route"
        " packets-lost-blackhole packets-lost-mtu-exceeded packets-lost-ttl-expired"
    ).split()
)
"""Fields that only Transit Gateway flow logs have; any of them marks a TGW format."""

ADDRESS_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.kind == "ip")
