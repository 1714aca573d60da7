"""``cwl://LOG_GROUP[/STREAM_PREFIX]``: flow-log events read from CloudWatch Logs.

The log streams of the group (DescribeLogStreams, every page; those whose name starts with the
prefix) become one source each, ``cwl://LOG_GROUP/STREAM``; a stream is read with FilterLogEvents
(every page) over the time range (the events' timestamps, milliseconds: [since, until)). Each
event's message is one flow-log line: the messages of a page are joined into one block of lines
and handed to the same text reader as a file's, so line numbers count the stream's events.

The format of the lines is ``--log-format`` when given, else the LogFormat of the flow log that
delivers to the group (DescribeFlowLogs filtered by log-group-name) when flowsg may see it and it
is one format, else the version 2 default (with a warning saying why).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from typing import Any

from ..errors import AwsError, UsageError
from ..logformat import LogFormat
from ..sources import ChunkStream, CwlLocation, Expansion, RemoteFile, SourceOptions
from .session import (
    ASSUME_ACTION,
    DENIED,
    EXPIRED,
    REFUSED,
    Boto,
    Session,
    error_code,
    import_boto3,
    translate,
    translated,
)

STREAMS_ACTION = "logs:DescribeLogStreams"
FILTER_ACTION = "logs:FilterLogEvents"
FLOW_LOGS_ACTION = "ec2:DescribeFlowLogs"
IAM_ACTIONS = (STREAMS_ACTION, FILTER_ACTION, FLOW_LOGS_ACTION)
GUIDE = "Flow logs from S3 and CloudWatch Logs"

_AWS_SYNTAX = re.compile(r"\$\{([^}]*)\}")


def expand_cwl(location: CwlLocation, options: SourceOptions) -> Expansion:
    """One RemoteFile per log stream of the group (with the prefix) that may hold events of the
    range; streams without events, or whose events all lie outside it, are skipped."""
    boto = import_boto3(f"reading {location.uri}")
    session = Session(boto, options.profile, options.endpoint_url)
    region = options.region or session.region_name
    if not region:
        raise UsageError(
            f"no AWS region for {location.uri}",
            "give --region, or set AWS_REGION (log groups live in one region)",
        )
    group = location.group
    found = Expansion()
    with translated(boto.exceptions, region, GUIDE) as where:
        if options.role_arn:
            where.update(action=ASSUME_ACTION, target=options.role_arn)
            session.assume_role(options.role_arn, region, "flowsg-load")
        logs = session.client("logs", region)
        where.update(action=STREAMS_ACTION, target=group)
        try:
            streams = _streams(logs, group, location.stream_prefix)
        except boto.exceptions.ClientError as error:
            if error_code(error) == "ResourceNotFoundException":
                raise AwsError(
                    f"no log group named {group!r} in {region}",
                    "check --region and the name (a group whose name holds '/' is written with"
                    " a '/' after it: cwl:///aws/vpc/flowlogs/)",
                ) from None
            raise
        fmt = options.log_format
        if fmt is None:
            where.update(action=FLOW_LOGS_ACTION, target=None)
            fmt = _flow_log_format(session, region, group, boto, found.warnings)
    since = None if options.since is None else options.since * 1000
    until = None if options.until is None else options.until * 1000
    reader = _Reader(boto, logs, group, region, since, until)
    for stream in streams:
        name = str(stream["logStreamName"])
        uri = f"cwl://{group}/{name}"
        first = stream.get("firstEventTimestamp")
        last = stream.get("lastIngestionTime")
        if (
            first is None
            or (until is not None and first >= until)
            or (since is not None and last is not None and last < since)
        ):
            found.skipped.append(uri)
            continue
        found.files.append(RemoteFile(uri, partial(reader.open, name), fmt))
    return found


def _streams(logs: Any, group: str, prefix: str) -> list[dict[str, Any]]:
    args: dict[str, Any] = {"logGroupName": group}
    if prefix:
        args["logStreamNamePrefix"] = prefix
    streams: list[dict[str, Any]] = []
    for page in logs.get_paginator("describe_log_streams").paginate(**args):
        streams.extend(page.get("logStreams") or [])
    return sorted(streams, key=lambda s: str(s["logStreamName"]))


def _flow_log_format(
    session: Session, region: str, group: str, boto: Boto, warnings: list[str]
) -> LogFormat | None:
    """The format of the flow logs that deliver to the group, when there is exactly one and
    flowsg may ask; None (the default format) with a warning otherwise."""
    fallback = "its events are read in the version 2 default format (give --log-format if not)"
    try:
        formats: set[str] = set()
        paginator = session.client("ec2", region).get_paginator("describe_flow_logs")
        for page in paginator.paginate(Filters=[{"Name": "log-group-name", "Values": [group]}]):
            formats.update(f["LogFormat"] for f in page.get("FlowLogs") or [] if f.get("LogFormat"))
    except boto.exceptions.ClientError as error:
        if error_code(error) not in DENIED:
            raise
        warnings.append(
            f"cannot see the flow log of log group {group} ({FLOW_LOGS_ACTION} refused): "
            + fallback
        )
        return None
    if len(formats) != 1:
        why = "no flow log" if not formats else f"{len(formats)} flow logs of different formats"
        warnings.append(f"{why} in {region} deliver to log group {group}: " + fallback)
        return None
    (text,) = formats
    fmt = LogFormat(tuple(n.strip() for n in _AWS_SYNTAX.findall(text)))
    if not fmt.names:
        warnings.append(f"cannot read the flow log format {text!r} of {group}: " + fallback)
        return None
    return fmt


class _Reader:
    """Opens the log streams of one group: FilterLogEvents pages, joined into lines."""

    def __init__(
        self,
        boto: Boto,
        logs: Any,
        group: str,
        region: str,
        since: int | None,
        until: int | None,
    ) -> None:
        self.boto = boto
        self.logs = logs
        self.group = group
        self.region = region
        self.args: dict[str, Any] = {"logGroupName": group}
        if since is not None:
            self.args["startTime"] = since
        if until is not None:
            self.args["endTime"] = until - 1  # FilterLogEvents' end is inclusive

    def open(self, stream: str) -> ChunkStream:
        pages = self.logs.get_paginator("filter_log_events").paginate(
            **self.args, logStreamNames=[stream]
        )
        return ChunkStream(_lines(self, stream, iter(pages)))

    def problem(self, error: Exception, stream: str) -> Exception:
        """A failed FilterLogEvents: AwsError when the credentials or the permission are the
        problem (every stream would fail alike), else OSError (this stream goes to malformed)."""
        code = error_code(error)
        if (
            isinstance(error, self.boto.exceptions.ClientError)
            and code not in DENIED | EXPIRED | REFUSED
        ):
            message = str(error.response.get("Error", {}).get("Message") or "")
            return OSError(f"{code}: {message}".rstrip(": "))
        where = {
            "region": self.region,
            "action": FILTER_ACTION,
            "target": f"{self.group} (stream {stream})",
            "guide": GUIDE,
        }
        return translate(self.boto.exceptions, error, where) or OSError(
            f"{type(error).__name__}: {error}"
        )


def _lines(reader: _Reader, stream: str, pages: Iterator[Any]) -> Iterator[bytes]:
    """A log stream's events as blocks of lines, one page of FilterLogEvents at a time."""
    while True:
        try:
            page = next(pages)
        except StopIteration:
            return
        except Exception as error:
            raise reader.problem(error, stream) from None
        events = page.get("events") or []
        if events:
            yield ("\n".join(e["message"] for e in events) + "\n").encode()
