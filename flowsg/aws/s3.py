"""``s3://BUCKET/PREFIX``: the flow-log objects under a prefix, listed (ListObjectsV2, every
page), chosen by name and by the date in their key (flowsg.sources.in_range), and streamed into
the readers of flowsg.ingest: each object is one GetObject whose body is read chunk by chunk as
it arrives (a Parquet object, which must be read by seeking, is spooled first).

With a cache folder every object read whole is kept as ``CACHE/BUCKET/KEY`` with its ETag beside
it (a hidden ``.NAME.etag``, which ``flowsg load CACHE`` skips); an object whose cached copy has
the listed size and ETag is read from there and not fetched again. A key that is not a plain
relative path (``..``, empty parts) is read but not cached.

Errors: listing is the first request, so missing credentials, an unknown bucket or a missing
``s3:ListBucket`` stop the run (AwsError, one line). An object that cannot be fetched or read
goes to ``malformed`` like an unreadable file, except when the very first object fetched is
refused for lack of ``s3:GetObject``: then no object will be readable and the run stops too.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from functools import partial
from typing import Any

from ..errors import AwsError, UsageError
from ..sources import (
    ChunkStream,
    Expansion,
    RemoteFile,
    S3Location,
    SourceOptions,
    folder_period,
    overlaps,
    select,
)
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

LIST_ACTION = "s3:ListBucket"
GET_ACTION = "s3:GetObject"
IAM_ACTIONS = (LIST_ACTION, GET_ACTION)
GUIDE = "Flow logs from S3 and CloudWatch Logs"
"""The README section that lists the IAM actions, named in the hint of an access denied."""

CHUNK_BYTES = 256 * 1024
"""Bytes asked of an object's body at a time (a read that breaks off loses at most these)."""


def expand_s3(
    location: S3Location, options: SourceOptions, skip_suffixes: tuple[str, ...] = ()
) -> Expansion:
    """The objects under ``location`` as RemoteFile entries (``s3://BUCKET/KEY``), in key order;
    keys ending in ``/`` (folder markers), hidden names, names ending in ``skip_suffixes`` and
    date paths outside ``options.since``/``until`` are skipped."""
    boto = import_boto3(f"reading {location.uri}")
    session = Session(boto, options.profile, options.endpoint_url)
    region = options.region or session.region_name
    bucket = location.bucket
    if options.cache:
        try:
            os.makedirs(options.cache, exist_ok=True)
        except OSError as exc:
            raise UsageError(
                f"cannot create the --cache folder {options.cache}: {exc.strerror or exc}",
                "give a folder that can be written",
            ) from None
    with translated(boto.exceptions, region, GUIDE) as where:
        if options.role_arn:
            where.update(action=ASSUME_ACTION, target=options.role_arn)
            session.assume_role(options.role_arn, region, "flowsg-load")
        where.update(action=LIST_ACTION, target=f"s3://{bucket}")
        client = session.client("s3", region)
        try:
            objects = _list(client, bucket, location.prefix, options.since, options.until)
        except boto.exceptions.ClientError as error:
            if error_code(error) == "NoSuchBucket":
                raise AwsError(
                    f"no S3 bucket named {bucket!r}",
                    "check the bucket in s3://BUCKET/PREFIX/ (`aws s3 ls` lists yours)",
                ) from None
            raise
    found = Expansion()
    names: dict[str, dict[str, Any]] = {}
    for obj in objects:
        key = obj["Key"]
        uri = f"s3://{bucket}/{key}"
        if key.endswith("/"):
            continue  # a folder marker, not an object of its own
        parts = key[len(location.prefix) :].split("/")
        if any(p.startswith(".") for p in parts if p) or parts[-1].lower().endswith(skip_suffixes):
            found.skipped.append(uri)
            continue
        names[uri] = obj
    inside, outside = select(names, options.since, options.until)
    found.skipped += outside
    fetcher = _Fetcher(boto, client, bucket, region, options.cache)
    for uri in inside:
        obj = names[uri]
        found.files.append(
            RemoteFile(uri, partial(fetcher.open, obj["Key"], obj.get("Size"), obj.get("ETag")))
        )
    return found


def _list(
    client: Any, bucket: str, prefix: str, since: int | None, until: int | None
) -> list[dict[str, Any]]:
    """Every object under the prefix. With a time range the listing goes folder by folder and
    leaves out the folders whose date (``2026/``, ``2026/11/``, ``year=2026/month=11/``, …) lies
    outside it, so that a day of a long history is found without listing the whole history."""
    paginator = client.get_paginator("list_objects_v2")
    objects: list[dict[str, Any]] = []
    if since is None and until is None:
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            objects.extend(page.get("Contents") or [])
    else:
        folders = [prefix]
        while folders:
            folder = folders.pop()
            for page in paginator.paginate(Bucket=bucket, Prefix=folder, Delimiter="/"):
                objects.extend(page.get("Contents") or [])
                for common in page.get("CommonPrefixes") or []:
                    below = str(common["Prefix"])
                    if overlaps(folder_period(below), since, until):
                        folders.append(below)
    return sorted(objects, key=lambda o: str(o["Key"]))


class _Fetcher:
    """Opens the objects of one bucket: from the cache when it holds them unchanged, else with
    one GetObject whose body is streamed (and copied into the cache as it is read)."""

    def __init__(
        self, boto: Boto, client: Any, bucket: str, region: str | None, cache: str | None
    ) -> None:
        self.boto = boto
        self.client = client
        self.bucket = bucket
        self.region = region
        self.cache = cache
        self.fetched = 0  # objects GetObject returned (a later refusal is the object's own)

    def open(self, key: str, size: int | None, etag: str | None) -> ChunkStream | io.BufferedReader:
        cached = self.cache_path(key)
        if cached and etag and _cached_etag(cached, size) == etag:
            self.fetched += 1
            return open(cached, "rb")  # the caller closes it
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except Exception as error:
            raise self._problem(error, key) from None
        self.fetched += 1
        writer = _CacheWriter(cached, response.get("ETag")) if cached else None
        body = response["Body"]
        return ChunkStream(_chunks(body, writer), partial(_close, body, writer))

    def cache_path(self, key: str) -> str | None:
        parts = key.split("/")
        if not self.cache or any(p in ("", ".", "..") for p in parts):
            return None
        return os.path.join(self.cache, self.bucket, *parts)

    def _problem(self, error: Exception, key: str) -> Exception:
        """What a failed GetObject becomes: AwsError (stop the run) when the credentials are the
        problem, or when the first object fetched is refused; else OSError (this object goes to
        malformed, the run goes on)."""
        code = error_code(error)
        if code in DENIED and self.fetched:
            return OSError(
                f"access denied: {GET_ACTION} refused ({code}; an object encrypted with a KMS key"
                " also needs kms:Decrypt on the key)"
            )
        if (
            isinstance(error, self.boto.exceptions.ClientError)
            and code not in DENIED | EXPIRED | REFUSED
        ):
            message = str(error.response.get("Error", {}).get("Message") or "")
            return OSError(f"{code}: {message}".rstrip(": "))  # NoSuchKey, InvalidObjectState
        where = {
            "region": self.region,
            "action": GET_ACTION,
            "target": f"s3://{self.bucket}/{key}",
            "guide": GUIDE,
        }
        return translate(self.boto.exceptions, error, where) or OSError(
            f"{type(error).__name__}: {error}"
        )


def _chunks(body: Any, writer: _CacheWriter | None) -> Iterator[bytes]:
    """An object's body as it arrives; a read error becomes OSError (a read that broke off),
    and what is read is handed to the cache writer."""
    while True:
        try:
            data: bytes = body.read(CHUNK_BYTES)
        except Exception as error:
            if writer:
                writer.abandon()
            raise OSError(f"S3 read broke off: {error}") from error
        if writer:
            writer.add(data)
        if not data:
            return
        yield data


def _close(body: Any, writer: _CacheWriter | None) -> None:
    if writer:
        writer.abandon()  # does nothing once the whole object was written
    with contextlib.suppress(Exception):
        body.close()


class _CacheWriter:
    """Copies an object into the cache as it is read; the copy and its ETag are put in place
    only when the whole object was read, and removed otherwise. Best effort: a cache that
    cannot be written does not stop the read."""

    def __init__(self, path: str, etag: str | None) -> None:
        self.path = path
        self.etag = etag
        self.part: Any = None
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            name = os.path.basename(path)
            self.part = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in done/abandon)
                dir=os.path.dirname(path), prefix=f".{name}.", suffix=".part", delete=False
            )
        except OSError:
            self.part = None

    def add(self, data: bytes) -> None:
        if self.part is None:
            return
        if not data:  # the end of the object
            self.done()
            return
        try:
            self.part.write(data)
        except OSError:
            self.abandon()

    def done(self) -> None:
        part, self.part = self.part, None
        try:
            part.close()
            os.replace(part.name, self.path)
            if self.etag:
                with open(_etag_path(self.path), "w", encoding="utf-8") as fh:
                    fh.write(self.etag)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(part.name)

    def abandon(self) -> None:
        part, self.part = self.part, None
        if part is not None:
            with contextlib.suppress(OSError):
                part.close()
                os.unlink(part.name)


def _etag_path(path: str) -> str:
    folder, name = os.path.split(path)
    return os.path.join(folder, f".{name}.etag")


def _cached_etag(path: str, size: int | None) -> str | None:
    """The ETag of the cached copy at ``path`` when it exists with the size listed."""
    try:
        if size is not None and os.path.getsize(path) != size:
            return None
        with open(_etag_path(path), encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return None
