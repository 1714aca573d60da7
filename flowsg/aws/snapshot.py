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

import contextlib
import difflib
import importlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .. import __version__
from ..errors import AwsError, FlowsgError, UsageError
from ..files import publish_folder
from ..hold import hold
from ..snapshot import MANIFEST

INSTALL_HINT = "pip install 'flowsg[aws]'"

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
ASSUME_ACTION = "sts:AssumeRole"

IAM_ACTIONS = (IDENTITY_ACTION, *(api[3] for api in APIS), ENTRIES_ACTION)
"""Every action ``take_snapshot`` needs (plus ``sts:AssumeRole`` on the role with --role-arn)."""

MAX_ATTEMPTS = 10
"""Attempts per request in botocore's standard retry mode (throttling, 5xx, connection errors)."""

_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden"}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
_REFUSED = {
    "AuthFailure",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
}
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


def _boto3() -> tuple[Any, Any, Any]:
    """boto3, botocore.config and botocore.exceptions, or a UsageError saying how to get them."""
    try:
        boto3 = importlib.import_module("boto3")
        config = importlib.import_module("botocore.config")
        exceptions = importlib.import_module("botocore.exceptions")
    except ImportError:
        raise UsageError(
            "flowsg snapshot needs boto3, which is not installed", INSTALL_HINT
        ) from None
    return boto3, config, exceptions


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
    boto3, botocore_config, exc = _boto3()
    out = os.path.abspath(os.fspath(out_dir))
    _check_out_dir(out)
    try:
        session = boto3.session.Session(profile_name=profile)
    except exc.ProfileNotFound:
        raise AwsError(
            f"no AWS profile named {profile!r}",
            "see `aws configure list-profiles`, or leave --profile out",
        ) from None
    chosen = _regions(session, regions)
    config = botocore_config.Config(
        retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
        user_agent_extra=f"flowsg/{__version__}",
    )

    def client(sess: Any, service: str, region: str) -> Any:
        return sess.client(service, region_name=region, endpoint_url=endpoint_url, config=config)

    taken_at = datetime.now(UTC).replace(microsecond=0)
    with _translated(exc, chosen[0]) as where:
        if role_arn:
            where.update(action=ASSUME_ACTION, target=role_arn)
            creds = client(session, "sts", chosen[0]).assume_role(
                RoleArn=role_arn, RoleSessionName="flowsg-snapshot"
            )["Credentials"]
            session = boto3.session.Session(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
            del creds
        where.update(action=IDENTITY_ACTION, target=None)
        account = str(client(session, "sts", chosen[0]).get_caller_identity()["Account"])

    parent = os.path.dirname(out)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.", suffix=".tmp", dir=parent)
    try:
        counts: dict[str, dict[str, int]] = {}
        warnings: list[str] = []
        for region in chosen:
            with _translated(exc, region) as where:
                ec2 = client(session, "ec2", region)
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
            code = _error_code(error)
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


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


@contextlib.contextmanager
def _translated(exc: Any, region: str) -> Iterator[dict[str, Any]]:
    """Turn what boto3 raises inside the block into one AwsError line with a hint. The block
    updates the yielded dict with the ``action`` (an IAM action) it is about to call."""
    where: dict[str, Any] = {"region": region, "action": None, "target": None}
    try:
        yield where
    except FlowsgError:
        raise
    except Exception as error:
        translated = _translate(exc, error, where)
        if translated is None:
            raise
        raise translated from None


def _translate(exc: Any, error: Exception, where: dict[str, Any]) -> FlowsgError | None:
    region, action, target = where["region"], where["action"], where["target"]
    on = f" on {target}" if target else ""
    if isinstance(error, exc.NoCredentialsError | exc.PartialCredentialsError):
        return AwsError(
            "no AWS credentials found",
            "give --profile, run `aws configure` or `aws sso login`, or set AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY",
        )
    if isinstance(
        error, exc.TokenRetrievalError | exc.SSOTokenLoadError | exc.UnauthorizedSSOTokenError
    ):
        return AwsError(
            "the AWS SSO session has expired or is missing", "run `aws sso login` and retry"
        )
    if isinstance(error, exc.EndpointConnectionError | exc.ConnectTimeoutError):
        return AwsError(
            f"cannot reach AWS in {region}: {getattr(error, 'kwargs', {}).get('endpoint_url', '')}",
            "check the network (and the region name); flowsg retried with backoff",
        )
    if not isinstance(error, exc.ClientError):
        return None
    code = _error_code(error) or "error"
    message = str(error.response.get("Error", {}).get("Message") or "").strip()
    if code in _DENIED:
        return AwsError(
            f"access denied: these credentials may not call {action}{on} in {region}",
            f"allow {action} in their IAM policy (README, 'flowsg snapshot', lists every action "
            "it needs)",
        )
    if code in _EXPIRED:
        return AwsError(
            f"the AWS credentials have expired ({code})",
            "refresh them (`aws sso login`, a new session token) and retry",
        )
    if code == "OptInRequired":
        return AwsError(
            f"region {region} is not enabled for this account",
            "enable it in the account settings, or leave it out of --region",
        )
    if code in _REFUSED:
        return AwsError(
            f"AWS did not accept the credentials ({code}) in {region}",
            "check the access key, the profile, and that the region is enabled for the account",
        )
    first = message.splitlines()[0] if message else ""
    return AwsError(f"{action}{on} failed in {region}: {code}: {first}".rstrip(": "))


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
