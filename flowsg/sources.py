"""Where flow logs come from besides local files: ``s3://BUCKET/PREFIX`` and
``cwl://LOG_GROUP[/STREAM_PREFIX]``, and which files a time range selects by their path.

Everything here but :func:`expand` is pure (no AWS, no disk). :func:`expand` turns one URI into
:class:`RemoteFile` entries for :func:`flowsg.ingest.walk` through ``flowsg.aws.s3`` or
``flowsg.aws.cwl``, which import boto3 (the optional extra ``flowsg[aws]``) only when called.

Time ranges select files, not records: a file is read whole when its date path or Hive partition
may hold records of the range (see :func:`in_range`), and a file whose path holds no date is
always read.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import UsageError
from .logformat import LogFormat, parse_log_format

S3_SCHEME = "s3://"
CWL_SCHEME = "cwl://"

DELIVERY_SLACK = 3600
"""Seconds between a record's start and the time its file is written, at most (AWS publishes
every 5 or 10 minutes; an hour leaves room for late deliveries). A file of the hour or day P may
hold records that started before P, never after it: a range [since, until) selects the files
whose period overlaps [since, until + DELIVERY_SLACK)."""

_PLAIN = re.compile(r"(?:^|/)(\d{4})/(\d{2})/(\d{2})/(?:(\d{2})/)?")
_HIVE = re.compile(r"(?:^|/)year=(\d{4})/month=(\d{2})/day=(\d{2})/(?:hour=(\d{2})/)?")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str

    @property
    def uri(self) -> str:
        return f"{S3_SCHEME}{self.bucket}/{self.prefix}"


@dataclass(frozen=True)
class CwlLocation:
    group: str
    stream_prefix: str

    @property
    def uri(self) -> str:
        return f"{CWL_SCHEME}{self.group}/{self.stream_prefix}"


def is_remote(path: str) -> bool:
    """Whether ``path`` names an S3 prefix or a CloudWatch Logs group rather than a local path."""
    return path.lower().startswith((S3_SCHEME, CWL_SCHEME))


def parse_source(uri: str) -> S3Location | CwlLocation:
    """Read ``s3://BUCKET[/PREFIX]`` or ``cwl://LOG_GROUP[/STREAM_PREFIX]``.

    The stream prefix of a ``cwl://`` URI is what follows its last ``/``: a log group whose name
    holds ``/`` (``/aws/vpc/flowlogs``) is written with a ``/`` after it
    (``cwl:///aws/vpc/flowlogs/`` for every stream, ``cwl:///aws/vpc/flowlogs/eni-0abc`` for
    the streams whose names start with ``eni-0abc``).
    """
    lower = uri.lower()
    if lower.startswith(S3_SCHEME):
        bucket, _, prefix = uri[len(S3_SCHEME) :].partition("/")
        if not bucket:
            raise UsageError(f"no bucket in {uri!r}", "write s3://BUCKET/PREFIX/")
        return S3Location(bucket, prefix)
    if lower.startswith(CWL_SCHEME):
        rest = uri[len(CWL_SCHEME) :]
        group, _, prefix = rest.rpartition("/") if "/" in rest else (rest, "", "")
        if not group:
            raise UsageError(
                f"no log group in {uri!r}",
                "write cwl://LOG_GROUP or cwl://LOG_GROUP/STREAM_PREFIX (a group whose name holds"
                " '/' ends with one: cwl:///aws/vpc/flowlogs/)",
            )
        return CwlLocation(group, prefix)
    raise UsageError(f"not an s3:// or cwl:// URI: {uri!r}")


# --- time ranges --------------------------------------------------------------------------------


def path_period(path: str) -> tuple[int, int] | None:
    """The period (unix seconds, [start, end)) of the date in a path or S3 key: the hour of
    ``…/year=YYYY/month=MM/day=DD/hour=HH/`` or ``…/YYYY/MM/DD/HH/``, the day of
    ``…/year=YYYY/month=MM/day=DD/`` or ``…/YYYY/MM/DD/``; None when it holds no valid date."""
    text = path.replace("\\", "/")
    found = _HIVE.search(text) or _PLAIN.search(text)
    if found is None:
        return None
    year, month, day, hour = found.groups()
    try:
        start = datetime(int(year), int(month), int(day), int(hour or 0), tzinfo=UTC)
    except ValueError:
        return None
    end = start + (timedelta(hours=1) if hour else timedelta(days=1))
    return int(start.timestamp()), int(end.timestamp())


_PLAIN_FOLDER = re.compile(r"(?:^|/)(\d{4})/(?:(\d{2})/(?:(\d{2})/(?:(\d{2})/)?)?)?$")
_HIVE_FOLDER = re.compile(
    r"(?:^|/)year=(\d{4})/(?:month=(\d{2})/(?:day=(\d{2})/(?:hour=(\d{2})/)?)?)?$"
)


def folder_period(folder: str) -> tuple[int, int] | None:
    """The period of a folder that ends in a date or the start of one (``…/2026/``,
    ``…/2026/11/``, ``…/year=2026/month=11/``, … down to the hour), or None: every file below it
    has its date inside that period, so a folder whose period lies outside a range can be left
    unlisted (flowsg.aws.s3)."""
    found = _HIVE_FOLDER.search(folder) or _PLAIN_FOLDER.search(folder)
    if found is None:
        return None
    year, month, day, hour = (None if g is None else int(g) for g in found.groups())
    assert year is not None
    try:
        start = datetime(year, month or 1, day or 1, hour or 0, tzinfo=UTC)
    except ValueError:
        return None
    if hour is not None:
        end = start + timedelta(hours=1)
    elif day is not None:
        end = start + timedelta(days=1)
    elif month is not None:
        end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    else:
        end = datetime(year + 1, 1, 1, tzinfo=UTC)
    return int(start.timestamp()), int(end.timestamp())


def overlaps(period: tuple[int, int] | None, since: int | None, until: int | None) -> bool:
    """Whether files of ``period`` may hold records that started in [since, until) (see
    DELIVERY_SLACK); True without a period."""
    if period is None:
        return True
    start, end = period
    if since is not None and end <= since:
        return False
    return not (until is not None and start >= until + DELIVERY_SLACK)


def in_range(path: str, since: int | None, until: int | None) -> bool:
    """Whether a file may hold records that started in [since, until) (unix seconds; None: no
    bound), judging by the date in its path (see DELIVERY_SLACK). A path without a date: True."""
    return overlaps(path_period(path), since, until)


def select(
    paths: Iterable[str], since: int | None, until: int | None
) -> tuple[list[str], list[str]]:
    """(the paths in range, the paths outside it), each in the order given."""
    inside: list[str] = []
    outside: list[str] = []
    for path in paths:
        (inside if in_range(path, since, until) else outside).append(path)
    return inside, outside


# --- what walk() gets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceOptions:
    """How s3:// and cwl:// sources are read, and the time range that selects files.

    ``since``/``until``: unix seconds, [since, until); for S3 objects and files found in local
    directories, the date in the path decides (:func:`in_range`); for CloudWatch Logs, the events'
    timestamps. ``cache``: a folder that keeps the S3 objects fetched (``CACHE/BUCKET/KEY``), so
    that a second run fetches only what changed. ``log_format``: the format given by the user
    (``--log-format``); without it a cwl:// source asks DescribeFlowLogs for its flow log's
    format. ``endpoint_url``: another endpoint for every AWS service (tests).
    """

    since: int | None = None
    until: int | None = None
    cache: str | None = None
    profile: str | None = None
    region: str | None = None
    role_arn: str | None = None
    log_format: LogFormat | None = None
    endpoint_url: str | None = None


def with_format(options: SourceOptions | None, log_format: str | LogFormat | None) -> SourceOptions:
    """The options, with the format a caller gave (``load(log_format=...)``) when they hold
    none: a format given by the user wins over the one DescribeFlowLogs declares."""
    options = options or SourceOptions()
    if log_format is None or options.log_format is not None:
        return options
    fmt = parse_log_format(log_format) if isinstance(log_format, str) else log_format
    return replace(options, log_format=fmt)


class ChunkStream(io.BufferedIOBase):
    """A binary stream over chunks of bytes as they arrive (an S3 object's body, pages of log
    events). An error while reading the chunks (which should be OSError) is raised only once
    every byte before it has been read, so that the lines before a read that broke off are
    loaded, as those of a truncated file are. ``on_close`` runs once, at close."""

    def __init__(self, chunks: Iterator[bytes], on_close: Callable[[], None] | None = None):
        super().__init__()
        self.chunks = chunks
        self.on_close = on_close
        self.buffer = bytearray()
        self.error: BaseException | None = None
        self.ended = False

    def readable(self) -> bool:
        return True

    def _fill(self, size: int) -> None:
        while (size < 0 or len(self.buffer) < size) and not self.ended and self.error is None:
            try:
                self.buffer += next(self.chunks)
            except StopIteration:
                self.ended = True
            except OSError as error:
                self.error = error

    def peek(self, size: int = 1) -> bytes:
        self._fill(max(size, 1))
        return bytes(self.buffer)

    def read(self, size: int | None = -1) -> bytes:
        size = -1 if size is None else size
        self._fill(size)
        if not self.buffer and self.error is not None:
            error, self.error = self.error, None
            self.ended = True
            raise error
        cut = len(self.buffer) if size < 0 else size
        data = bytes(self.buffer[:cut])
        del self.buffer[:cut]
        return data

    def read1(self, size: int = -1) -> bytes:
        return self.read(size)

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed and self.on_close is not None:
            self.on_close()
        super().close()


class RemoteFile(str):
    """One S3 object or log stream: the string is its URI (the ``source_file`` of its records);
    :meth:`open` reads it from its first byte (one request). ``log_format`` is the format its
    source declares (DescribeFlowLogs), used instead of the default for lines without a
    header."""

    opener: Callable[[], ChunkStream | io.BufferedReader]
    log_format: LogFormat | None

    def __new__(
        cls,
        uri: str,
        opener: Callable[[], ChunkStream | io.BufferedReader],
        log_format: LogFormat | None = None,
    ) -> RemoteFile:
        entry = super().__new__(cls, uri)
        entry.opener = opener
        entry.log_format = log_format
        return entry

    def open(self) -> ChunkStream | io.BufferedReader:
        """The content as a binary stream with peek(); errors reading it are OSError."""
        return self.opener()


@dataclass
class Expansion:
    """What one URI gave: entries to read, entries that cannot be read (with why), entries left
    out (by name or by the time range), and warnings for the person running flowsg."""

    files: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def expand(uri: str, options: SourceOptions, skip_suffixes: tuple[str, ...] = ()) -> Expansion:
    """The objects under an s3:// prefix (listed, then chosen by name and time range) or the log
    streams of a cwl:// group, as RemoteFile entries. Raises UsageError (bad URI, boto3 missing)
    and AwsError (credentials, access denied, no such bucket or log group)."""
    location = parse_source(uri)
    if isinstance(location, S3Location):
        from .aws.s3 import expand_s3

        return expand_s3(location, options, skip_suffixes)
    from .aws.cwl import expand_cwl

    return expand_cwl(location, options)
