"""``flowsg snapshot``: the account's security groups, rules, interfaces, network ACLs and prefix
lists read through boto3 and written as the files ``--snapshot DIR`` reads.

Layout of ``out_dir`` (one folder per region; ``load_snapshot`` walks folders recursively)::

    manifest.json                              account id, regions, time taken, flowsg version
    <region>/describe-security-groups.json     {"SecurityGroups": [...]}
    <region>/describe-security-group-rules.json {"SecurityGroupRules": [...]}
    <region>/describe-network-interfaces.json  {"NetworkInterfaces": [...]}
    <region>/describe-network-acls.json        {"NetworkAcls": [...]}
    <region>/describe-managed-prefix-lists.json {"PrefixLists": [...]}
    <region>/pl-….json                         {"Entries": [...]}, one per prefix list a rule names

Each file holds every page of its API merged under the one top-level key, as the AWS CLI prints it
(``--output json``). Only read-only APIs are called (README, "flowsg snapshot", lists the minimal
IAM policy); throttling is retried with botocore's standard retry mode. Everything is written
into a temporary folder beside ``out_dir`` and renamed into place at the end, so a failed run
leaves an earlier snapshot as it was. Credentials are never printed, logged or written.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import __version__
from ..errors import AwsError, UsageError
from ..files import publish_folder
from ..hold import hold
from ..snapshot import MANIFEST
from .session import ASSUME_ACTION, Session, error_code, import_boto3
from .session import translated as _translated_in

APIS: tuple[tuple[str, str, str, str], ...] = (
    # (boto3 method, top-level key, file name, IAM action)
    (
        "describe_security_groups",
        "SecurityGroups",
        "describe-security-groups.json",
        "ec2:DescribeSecurityGroups",
    ),
    (
        "describe_security_group_rules",
        "SecurityGroupRules",
        "describe-security-group-rules.json",
        "ec2:DescribeSecurityGroupRules",
    ),
    (
        "describe_network_interfaces",
        "NetworkInterfaces",
        "describe-network-interfaces.json",
        "ec2:DescribeNetworkInterfaces",
    ),
    (
        "describe_network_acls",
        "NetworkAcls",
        "describe-network-acls.json",
        "ec2:DescribeNetworkAcls",
    ),
    (
        "describe_managed_prefix_lists",
        "PrefixLists",
        "describe-managed-prefix-lists.json",
        "ec2:DescribeManagedPrefixLists",
    ),
)
"""The per-region APIs, in the order they are called."""

ENTRIES_ACTION = "ec2:GetManagedPrefixListEntries"
IDENTITY_ACTION = "sts:GetCallerIdentity"

IAM_ACTIONS = (IDENTITY_ACTION, *(api[3] for api in APIS), ENTRIES_ACTION)
"""Every action ``take_snapshot`` needs (plus ``sts:AssumeRole`` on the role with --role-arn)."""

_NOT_FOUND = {"InvalidPrefixListID.NotFound", "InvalidPrefixListId.NotFound"}


@dataclass(frozen=True)
class SnapshotManifest:
    """What :func:`take_snapshot` wrote (the content of ``manifest.json``, and where)."""

    out_dir: str
    account_id: str
    regions: tuple[str, ...]
    taken_at: datetime
    """When the snapshot was taken (UTC; the time the first API was called)."""
    flowsg_version: str
    role_arn: str | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    """{region: {top-level key or prefix-list id: items written}}."""
    warnings: tuple[str, ...] = ()
    """Prefix lists a rule names that could not be read (shared from elsewhere, deleted)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "regions": list(self.regions),
            "taken_at": self.taken_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "flowsg_version": self.flowsg_version,
            "role_arn": self.role_arn,
            "counts": self.counts,
            "warnings": list(self.warnings),
        }


def take_snapshot(
    out_dir: str | os.PathLike[str],
    regions: Sequence[str] | None = None,
    profile: str | None = None,
    role_arn: str | None = None,
    *,
    endpoint_url: str | None = None,
) -> SnapshotManifest:
    """Read the security groups, rules, interfaces, network ACLs and prefix lists of every region
    (default: the profile's or environment's region) and write them to ``out_dir`` as the AWS CLI
    prints them, with a ``manifest.json``; replace an earlier snapshot there atomically.

    ``role_arn``: assume this role (STS AssumeRole) first, e.g. for another account.
    ``endpoint_url``: another endpoint for every AWS service (tests; boto3 also honours
    ``AWS_ENDPOINT_URL``).

    Raises UsageError (boto3 missing, no region, ``out_dir`` holds something else) and AwsError
    (no or expired credentials, access denied, unknown region, AWS unreachable).
    """
    boto = import_boto3("flowsg snapshot")
    exc = boto.exceptions
    out = os.path.abspath(os.fspath(out_dir))
    _check_out_dir(out)
    session = Session(boto, profile, endpoint_url)
    chosen = _regions(session.session, regions)

    taken_at = datetime.now(UTC).replace(microsecond=0)
    with _translated(exc, chosen[0]) as where:
        if role_arn:
            where.update(action=ASSUME_ACTION, target=role_arn)
            session.assume_role(role_arn, chosen[0], "flowsg-snapshot")
        where.update(action=IDENTITY_ACTION, target=None)
        account = str(session.client("sts", chosen[0]).get_caller_identity()["Account"])

    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.", suffix=".tmp", dir=parent)
    try:
        counts: dict[str, dict[str, int]] = {}
        warnings: list[str] = []
        for region in chosen:
            with _translated(exc, region) as where:
                ec2 = session.client("ec2", region)
                counts[region] = _snapshot_region(ec2, os.path.join(tmp, region), where, warnings)
        manifest = SnapshotManifest(
            out_dir=out,
            account_id=account,
            regions=tuple(chosen),
            taken_at=taken_at,
            flowsg_version=__version__,
            role_arn=role_arn,
            counts=counts,
            warnings=tuple(warnings),
        )
        _write_json(os.path.join(tmp, MANIFEST), manifest.to_dict())
        _publish(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return manifest


def _snapshot_region(
    ec2: Any, folder: str, where: dict[str, Any], warnings: list[str]
) -> dict[str, int]:
    """Every API of one region into ``folder``; {key or prefix-list id: items}."""
    os.makedirs(folder)
    counts: dict[str, int] = {}
    results: dict[str, list[Any]] = {}
    for method, key, filename, action in APIS:
        where.update(action=action, target=None)
        items = _paginate(ec2, method, key)
        results[key] = items
        counts[key] = len(items)
        _write_json(os.path.join(folder, filename), {key: items})
    for list_id in sorted(referenced_prefix_lists(results)):
        where.update(action=ENTRIES_ACTION, target=list_id)
        try:
            entries = _paginate(
                ec2, "get_managed_prefix_list_entries", "Entries", PrefixListId=list_id
            )
        except Exception as error:
            code = error_code(error)
            if code not in _NOT_FOUND:
                raise
            warnings.append(
                f"{where['region']}: prefix list {list_id} is named by a rule but cannot be read "
                f"({code}): its entries are not in the snapshot"
            )
            continue
        counts[list_id] = len(entries)
        _write_json(os.path.join(folder, f"{list_id}.json"), {"Entries": entries})
    return counts


def referenced_prefix_lists(results: dict[str, list[Any]]) -> set[str]:
    """The ids of the prefix lists that the rules (SecurityGroupRules, and the IpPermissions of
    SecurityGroups) name."""
    found: set[str] = set()
    for rule in results.get("SecurityGroupRules", []):
        if isinstance(rule, dict) and isinstance(rule.get("PrefixListId"), str):
            found.add(rule["PrefixListId"])
    for group in results.get("SecurityGroups", []):
        if not isinstance(group, dict):
            continue
        for permission in [*group.get("IpPermissions", []), *group.get("IpPermissionsEgress", [])]:
            for peer in permission.get("PrefixListIds", []) if isinstance(permission, dict) else []:
                if isinstance(peer, dict) and isinstance(peer.get("PrefixListId"), str):
                    found.add(peer["PrefixListId"])
    return found


def _paginate(ec2: Any, method: str, key: str, **kwargs: Any) -> list[Any]:
    items: list[Any] = []
    for page in ec2.get_paginator(method).paginate(**kwargs):
        items.extend(page.get(key) or [])
    return items


# --- regions ------------------------------------------------------------------------------------


def _regions(session: Any, regions: Sequence[str] | None) -> list[str]:
    """The regions asked for (deduplicated, in order), each one a region botocore knows; by
    default the session's own region."""
    chosen = list(dict.fromkeys(r.strip() for r in regions or () if r.strip()))
    if not chosen:
        if not session.region_name:
            raise UsageError(
                "no AWS region: neither --region nor the profile or environment gives one",
                "give --region us-east-1 (repeatable), or set AWS_REGION",
            )
        chosen = [session.region_name]
    known = known_regions(session)
    for region in chosen:
        if region not in known:
            close = difflib.get_close_matches(region, sorted(known), n=3)
            raise AwsError(
                f"unknown region {region!r}",
                ("did you mean " + ", ".join(close) + "? " if close else "")
                + "use a region name such as us-east-1 (a region newer than this boto3: upgrade "
                "boto3)",
            )
    return chosen


def known_regions(session: Any) -> set[str]:
    """Every EC2 region of every partition botocore knows (its bundled endpoint data: offline)."""
    known: set[str] = set()
    for partition in session.get_available_partitions():
        known.update(session.get_available_regions("ec2", partition_name=partition))
    return known


# --- errors -------------------------------------------------------------------------------------


def _translated(exc: Any, region: str) -> Any:
    """botocore's errors as one AwsError line (see flowsg.aws.session.translated)."""
    return _translated_in(exc, region, "flowsg snapshot")


# --- files --------------------------------------------------------------------------------------


def _check_out_dir(out: str) -> None:
    """--out must be new, an empty folder, or an earlier snapshot (with its manifest.json)."""
    if not os.path.lexists(out):
        return
    if os.path.islink(out) or not os.path.isdir(out):
        raise UsageError(f"--out {out} exists and is not a folder", "give a new folder")
    if os.listdir(out) and not os.path.isfile(os.path.join(out, MANIFEST)):
        raise UsageError(
            f"--out {out} is a folder that is not empty and holds no flowsg snapshot",
            "give a new or empty folder, or an earlier snapshot's folder to replace it",
        )


def _publish(tmp: str, out: str) -> None:
    """Put the finished folder into place, in one step where the system can swap two folders; an
    earlier snapshot there is removed afterwards (files.publish_folder)."""
    hold("snapshot")
    publish_folder(tmp, out)


def _write_json(path: str, document: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(document, fh, indent=4, ensure_ascii=False, default=_json_default)
        fh.write("\n")


def _json_default(value: Any) -> Any:
    """Timestamps (an interface's attach time) as the AWS CLI prints them: ISO 8601."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | dict):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
