"""What every flowsg command that asks AWS shares: importing boto3 (an optional extra), the
session (profile, assumed role), clients in botocore's standard retry mode, and botocore's
errors turned into one :class:`~flowsg.errors.AwsError` line with a hint.

Credentials are never printed, logged or written: an assumed role's keys go straight into the
new session and nowhere else.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..errors import AwsError, FlowsgError, UsageError

INSTALL_HINT = "pip install 'flowsg[aws]'"

MAX_ATTEMPTS = 10
"""Attempts per request in botocore's standard retry mode (throttling, 5xx, connection errors)."""

ASSUME_ACTION = "sts:AssumeRole"

DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden"})
EXPIRED = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"}
)
REFUSED = frozenset(
    {
        "AuthFailure",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
    }
)


@dataclass(frozen=True)
class Boto:
    """boto3 and the two botocore modules flowsg uses."""

    boto3: Any
    config: Any
    exceptions: Any


def import_boto3(needed_by: str) -> Boto:
    """boto3, or a UsageError saying that ``needed_by`` needs it and how to install it."""
    try:
        boto3 = importlib.import_module("boto3")
        config = importlib.import_module("botocore.config")
        exceptions = importlib.import_module("botocore.exceptions")
    except ImportError:
        raise UsageError(f"{needed_by} needs boto3, which is not installed", INSTALL_HINT) from None
    return Boto(boto3, config, exceptions)


class Session:
    """A boto3 session (``profile``, default: as the AWS CLI) and clients made from it, every one
    with standard retries and ``endpoint_url`` (tests; boto3 also honours ``AWS_ENDPOINT_URL``)."""

    def __init__(self, boto: Boto, profile: str | None, endpoint_url: str | None = None) -> None:
        self.boto = boto
        self.endpoint_url = endpoint_url
        try:
            self.session = boto.boto3.session.Session(profile_name=profile)
        except boto.exceptions.ProfileNotFound:
            raise AwsError(
                f"no AWS profile named {profile!r}",
                "see `aws configure list-profiles`, or leave --profile out",
            ) from None
        self.config = boto.config.Config(
            retries={"mode": "standard", "max_attempts": MAX_ATTEMPTS},
            user_agent_extra=f"flowsg/{__version__}",
        )

    @property
    def region_name(self) -> str | None:
        return self.session.region_name  # type: ignore[no-any-return]

    def client(self, service: str, region: str | None) -> Any:
        return self.session.client(
            service, region_name=region, endpoint_url=self.endpoint_url, config=self.config
        )

    def assume_role(self, role_arn: str, region: str | None, session_name: str) -> None:
        """Replace the session by one with the role's temporary credentials (STS AssumeRole);
        call it inside :func:`translated`."""
        creds = self.client("sts", region).assume_role(
            RoleArn=role_arn, RoleSessionName=session_name
        )["Credentials"]
        self.session = self.boto.boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        del creds


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a botocore ClientError (None for anything else)."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


@contextlib.contextmanager
def translated(exc: Any, region: str | None, guide: str) -> Iterator[dict[str, Any]]:
    """Turn what boto3 raises inside the block into one AwsError line with a hint. The block
    updates the yielded dict with the ``action`` (an IAM action) it is about to call and its
    ``target``; ``guide`` names the README section that lists every action needed."""
    where: dict[str, Any] = {"region": region, "action": None, "target": None, "guide": guide}
    try:
        yield where
    except FlowsgError:
        raise
    except Exception as error:
        found = translate(exc, error, where)
        if found is None:
            raise
        raise found from None


def translate(exc: Any, error: BaseException, where: dict[str, Any]) -> FlowsgError | None:
    """The AwsError for a botocore error raised while calling ``where['action']``, or None when
    it is not an error of AWS or of the credentials."""
    action, target = where["action"], where["target"]
    region = where["region"] or "the default region"
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
    code = error_code(error) or "error"
    message = str(error.response.get("Error", {}).get("Message") or "").strip()
    if code in DENIED:
        return AwsError(
            f"access denied: these credentials may not call {action}{on} in {region}",
            f"allow {action} in their IAM policy (README, '{where['guide']}', lists every action "
            "it needs)",
        )
    if code in EXPIRED:
        return AwsError(
            f"the AWS credentials have expired ({code})",
            "refresh them (`aws sso login`, a new session token) and retry",
        )
    if code == "OptInRequired":
        return AwsError(
            f"region {region} is not enabled for this account",
            "enable it in the account settings, or leave it out of --region",
        )
    if code in REFUSED:
        return AwsError(
            f"AWS did not accept the credentials ({code}) in {region}",
            "check the access key, the profile, and that the region is enabled for the account",
        )
    first = message.splitlines()[0] if message else ""
    return AwsError(f"{action}{on} failed in {region}: {code}: {first}".rstrip(": "))
