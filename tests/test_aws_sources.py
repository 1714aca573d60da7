"""Flow logs read from S3 (s3://) and CloudWatch Logs (cwl://) against moto running as a real HTTP
server on localhost (started and stopped here; boto3 talks to it over HTTP through
AWS_ENDPOINT_URL, with fake credentials set only in the test's environment). The sample's flow
logs, in both S3 layouts (a plain date path with gzip text; Hive partitions with gzip and Parquet),
are put into a bucket and read back; verdicts must equal those of the local read of the same
files. Error paths go through a small HTTP proxy in front of moto that answers chosen requests with
AWS's own error responses and counts the requests it forwards."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from aws_testing import (
    ACCESS_KEY,
    REGION,
    SECRET,
    Proxy,
    error_line,
    fake_credentials,
    run,
)

import flowsg
from flowsg.sources import RemoteFile

boto3 = pytest.importorskip("boto3", reason="boto3 is not installed (pip install -e '.[test]')")
moto_server = pytest.importorskip(
    "moto.server", reason="moto[server] is not installed (pip install -e '.[test]')"
)

from flowsg.aws import cwl as aws_cwl  # noqa: E402
from flowsg.aws import s3 as aws_s3  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_logs"
SNAPSHOT = SAMPLE / "snapshot"
BUCKET = "flowsg-logs"
PREFIX = "fl/"
PLAIN = "AWSLogs/111122223333/vpcflowlogs/us-east-1/2026/11/02/"
HIVE = (
    "AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=us-east-1/"
    "year=2026/month=11/day=02/"
)
SAMPLE_KEYS = sorted(
    str(p.relative_to(SAMPLE)) for p in (SAMPLE / "AWSLogs").rglob("*") if p.is_file()
)
UNDATED = "exports/flows.log"
GROUP = "/aws/vpc/flowlogs"  # a name with '/': written cwl:///aws/vpc/flowlogs/
STREAMS = ("eni-0aaa-all", "eni-0bbb-all")
CWL_FORMAT = (
    "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport}"
    " ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
)


def test_the_sample_holds_both_layouts() -> None:
    assert any(k.startswith(PLAIN) and k.endswith(".log.gz") for k in SAMPLE_KEYS)
    assert any(k.startswith(HIVE) and k.endswith(".log.parquet") for k in SAMPLE_KEYS)
    assert any(k.startswith(HIVE) and k.endswith(".log.gz") for k in SAMPLE_KEYS)


# --- moto, the bucket and the log group ---------------------------------------------------------


def cwl_lines() -> list[str]:
    """The lines of the sample's CloudWatch Logs export (one JSON-wrapped among them), each one
    event's message (an event cannot be empty)."""
    (export,) = (SAMPLE / "cloudwatch").glob("*.log")
    return [line for line in export.read_text().splitlines() if line]


NOW_MS = int(time.time() * 1000) - 3_600_000
"""The first event's time: an hour ago (AWS takes events up to 14 days old); one a second."""


@pytest.fixture(scope="module")
def world(moto_url: str) -> dict[str, Any]:
    """The sample's objects in a bucket (with an undated and a corrupt one), a log group with two
    streams of the sample's CloudWatch records and a flow log delivering to it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        mp.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
        s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_url)
        s3.create_bucket(Bucket=BUCKET)
        for key in SAMPLE_KEYS:
            s3.put_object(Bucket=BUCKET, Key=PREFIX + key, Body=(SAMPLE / key).read_bytes())
        lines = cwl_lines()
        s3.put_object(Bucket=BUCKET, Key=PREFIX + UNDATED, Body="\n".join(lines[:50]) + "\n")
        s3.put_object(Bucket=BUCKET, Key=PREFIX + "notes.md", Body=b"# not a flow log\n")
        s3.put_object(Bucket=BUCKET, Key=PREFIX + "AWSLogs/", Body=b"")  # a folder marker

        logs = boto3.client("logs", region_name=REGION, endpoint_url=moto_url)
        logs.create_log_group(logGroupName=GROUP)
        half = len(lines) // 2
        parts = {STREAMS[0]: lines[:half], STREAMS[1]: lines[half:]}
        for stream, messages in parts.items():
            logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
            for start in range(0, len(messages), 500):  # several PutLogEvents
                logs.put_log_events(
                    logGroupName=GROUP,
                    logStreamName=stream,
                    logEvents=[
                        {"timestamp": NOW_MS + 1000 * i, "message": m}
                        for i, m in enumerate(messages[start : start + 500], start)
                    ],
                )
        ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_url)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ec2.create_flow_logs(
            ResourceIds=[vpc],
            ResourceType="VPC",
            TrafficType="ALL",
            LogGroupName=GROUP,
            DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs",
            LogFormat=CWL_FORMAT,
        )
    return {"parts": parts}


@pytest.fixture
def aws(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_url: str, world: dict[str, Any]
) -> dict[str, Any]:
    fake_credentials(monkeypatch, tmp_path, moto_url)
    return world


def no_secret_in(result: Any) -> None:
    for text in (result.stdout, result.stderr):
        assert SECRET not in text
        assert ACCESS_KEY not in text


def query(db: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    con = flowsg.connect(str(db), read_only=True)
    try:
        return [tuple(r) for r in con.execute(sql, list(params)).fetchall()]
    finally:
        con.close()


def verdicts(db: Path, strip: str) -> set[tuple[Any, ...]]:
    """Every record's verdict, keyed by its file (``strip`` cut off its start) and line."""
    rows = query(
        db,
        "SELECT source_file, line_number, verdict, array_to_string(matched_rule_ids, ','),"
        " reason, action FROM flows",
    )
    return {(f.removeprefix(strip), *rest) for f, *rest in rows}


def records(db: Path, strip: str) -> set[tuple[Any, ...]]:
    """Every record and every quarantined line, keyed by file (``strip`` cut off) and line."""
    rows = query(
        db,
        "SELECT source_file, line_number, action, srcaddr, dstaddr, dstport, bytes, NULL FROM flows"
        " UNION ALL SELECT source_file, line_number, NULL, NULL, NULL, NULL, NULL, reason"
        " FROM malformed",
    )
    return {(f.removeprefix(strip), *rest) for f, *rest in rows}


def files_read(db: Path, strip: str) -> list[str]:
    return sorted(f.removeprefix(strip) for (f,) in query(db, "SELECT source_file FROM files"))


# --- S3 -------------------------------------------------------------------------------------------


def test_s3_verdicts_equal_the_local_read(aws: dict[str, Any], tmp_path: Path) -> None:
    remote_db, local_db = tmp_path / "remote.duckdb", tmp_path / "local.duckdb"
    uri = f"s3://{BUCKET}/{PREFIX}AWSLogs/"
    result = run("analyze", uri, "--snapshot", str(SNAPSHOT), "--db", str(remote_db))
    assert result.exit_code == 0, result.output
    no_secret_in(result)
    local = run(
        "analyze", str(SAMPLE / "AWSLogs"), "--snapshot", str(SNAPSHOT), "--db", str(local_db)
    )
    assert local.exit_code == 0, local.output
    remote_files = files_read(remote_db, f"s3://{BUCKET}/{PREFIX}")
    assert remote_files == SAMPLE_KEYS == files_read(local_db, str(SAMPLE) + "/")
    types = dict(query(remote_db, "SELECT source_file, file_type FROM files"))
    assert sorted(types.values()) == ["gzip", "gzip", "parquet"]
    remote = verdicts(remote_db, f"s3://{BUCKET}/{PREFIX}")
    assert len(remote) > 7000
    assert remote == verdicts(local_db, str(SAMPLE) + "/")
    assert query(remote_db, "SELECT count(*) FROM malformed") == [(0,)]


@pytest.mark.parametrize(
    "since, until, chosen",
    [
        (None, None, ["0800", "0900", "1000", UNDATED]),
        ("2026-11-02T10:30", None, ["0800", "1000", UNDATED]),  # the day of 08:00 goes on
        (None, "2026-11-02T08:30", ["0800", "0900", UNDATED]),  # 09:00 may hold 08:xx records
        ("2026-11-02T09:00", "2026-11-02T09:30", ["0800", "0900", "1000", UNDATED]),
        ("2026-11-03T00:00", None, [UNDATED]),
    ],
)
def test_since_and_until_choose_the_objects(
    aws: dict[str, Any], tmp_path: Path, since: str | None, until: str | None, chosen: list[str]
) -> None:
    options = [*(["--since", since] if since else []), *(["--until", until] if until else [])]
    db = tmp_path / "f.duckdb"
    result = run("load", f"s3://{BUCKET}/{PREFIX}", "--db", str(db), *options)
    assert result.exit_code == 0, result.output
    read = files_read(db, f"s3://{BUCKET}/{PREFIX}")
    expected = sorted(k for k in [*SAMPLE_KEYS, UNDATED] if any(c in k for c in chosen))
    assert read == expected
    # the same choice from a local copy of the same layout
    local_db = tmp_path / "local.duckdb"
    local = run("load", str(SAMPLE / "AWSLogs"), "--db", str(local_db), *options)
    local_expected = [k for k in expected if k != UNDATED]
    if not local_expected:
        assert local.exit_code == 3 and "no flow-log files found" in error_line(local)
        return
    assert local.exit_code == 0, local.output
    assert files_read(local_db, str(SAMPLE) + "/") == local_expected


def test_a_range_lists_only_the_folders_it_needs(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, moto_url: str, tmp_path: Path
) -> None:
    with Proxy(moto_url, lambda op: None) as proxy:
        via(monkeypatch, proxy)
        result = run(
            "load", f"s3://{BUCKET}/{PREFIX}", "--db", ":memory:", "--since", "2026-11-02T10:30"
        )
    assert result.exit_code == 0, result.output
    listed = [op.split(":", 1)[1] for op in proxy.seen if op.startswith("ListObjectsV2:")]
    assert f"{PREFIX}{HIVE}hour=10/" in listed
    assert f"{PREFIX}{PLAIN}" in listed  # the day of 2 November goes on after 10:30
    assert not [p for p in listed if "hour=09" in p]  # ended before --since: never listed
    assert "1 skipped" in result.stdout  # notes.md


def test_a_corrupt_object_lands_in_malformed(
    aws: dict[str, Any], moto_url: str, tmp_path: Path
) -> None:
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_url)
    key = "broken/" + PLAIN + "x.log.gz"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"\x1f\x8b\x08\x00not gzip at all")
    s3.put_object(Bucket=BUCKET, Key="broken/" + HIVE + "hour=01/y.log.parquet", Body=b"PAR1xx")
    s3.upload_file(str(SAMPLE / SAMPLE_KEYS[0]), BUCKET, "broken/" + SAMPLE_KEYS[0])
    db = tmp_path / "f.duckdb"
    result = run("load", f"s3://{BUCKET}/broken/", "--db", str(db))
    assert result.exit_code == 0, result.output
    reasons = dict(query(db, "SELECT source_file, reason FROM malformed WHERE line_number IS NULL"))
    assert reasons[f"s3://{BUCKET}/{key}"].startswith("unreadable: corrupt gzip data after line 0")
    parquet = reasons[f"s3://{BUCKET}/broken/{HIVE}hour=01/y.log.parquet"]
    assert parquet.startswith("unreadable: not a readable Parquet file")
    [(records,)] = query(db, "SELECT count(*) FROM flows")
    assert records > 1000


S3_DENIED = (
    403,
    "application/xml",
    b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>'
    b"<Message>Access Denied</Message><RequestId>r-1</RequestId></Error>",
)
LOGS_DENIED = (
    400,
    "application/x-amz-json-1.1",
    json.dumps(
        {"__type": "AccessDeniedException", "message": "not authorized to perform this"}
    ).encode(),
)
EC2_DENIED = (
    403,
    "text/xml",
    b'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>'
    b"UnauthorizedOperation</Code><Message>You are not authorized</Message></Error></Errors>"
    b"<RequestID>r-1</RequestID></Response>",
)


def via(monkeypatch: pytest.MonkeyPatch, proxy: Proxy) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)


def test_cache_fetches_only_what_changed(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, moto_url: str, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    uri = f"s3://{BUCKET}/{PREFIX}AWSLogs/"
    with Proxy(moto_url, lambda op: None) as proxy:
        via(monkeypatch, proxy)
        first = run("load", uri, "--db", str(tmp_path / "a.duckdb"), "--cache", str(cache))
        assert first.exit_code == 0, first.output
        gets = [op for op in proxy.seen if op.startswith("GetObject:")]
        assert len(gets) == len(SAMPLE_KEYS)
        for key in SAMPLE_KEYS:
            cached = cache / BUCKET / PREFIX / key
            assert cached.read_bytes() == (SAMPLE / key).read_bytes()
            assert (cached.parent / f".{cached.name}.etag").is_file()

        proxy.seen.clear()
        second = run("load", uri, "--db", str(tmp_path / "b.duckdb"), "--cache", str(cache))
        assert second.exit_code == 0, second.output
        assert [op for op in proxy.seen if op.startswith("GetObject:")] == []
        assert records(tmp_path / "a.duckdb", "") == records(tmp_path / "b.duckdb", "")

        changed = PREFIX + SAMPLE_KEYS[0]
        s3 = boto3.client("s3", region_name=REGION, endpoint_url=moto_url)
        s3.put_object(Bucket=BUCKET, Key=changed, Body=(SAMPLE / SAMPLE_KEYS[1]).read_bytes())
        try:
            proxy.seen.clear()
            third = run("load", uri, "--db", str(tmp_path / "c.duckdb"), "--cache", str(cache))
            assert third.exit_code == 0, third.output
            assert [op for op in proxy.seen if op.startswith("GetObject:")] == [
                f"GetObject:{changed}"
            ]
            assert (cache / BUCKET / changed).read_bytes() == (SAMPLE / SAMPLE_KEYS[1]).read_bytes()
        finally:
            s3.upload_file(str(SAMPLE / SAMPLE_KEYS[0]), BUCKET, changed)
    # the cache is a plain folder flowsg load reads (the ETag files are hidden)
    local = run("load", str(cache), "--db", str(tmp_path / "d.duckdb"))
    assert local.exit_code == 0, local.output
    assert "0 unreadable" in local.stdout


def test_objects_are_fetched_one_at_a_time_when_read(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, moto_url: str
) -> None:
    """Walking only lists; each object is requested once, when its turn comes, and read as it
    arrives (not downloaded before the first is read)."""
    with Proxy(moto_url, lambda op: None) as proxy:
        via(monkeypatch, proxy)
        walked = flowsg.walk([f"s3://{BUCKET}/{PREFIX}AWSLogs/"])
        assert walked.files == [f"s3://{BUCKET}/{PREFIX}{k}" for k in SAMPLE_KEYS]
        assert proxy.seen == [f"ListObjectsV2:{PREFIX}AWSLogs/"]
        magic = []
        for n, entry in enumerate(walked.files, 1):
            assert isinstance(entry, RemoteFile)
            with entry.open() as fh:
                magic.append(fh.peek(4)[:4])
                assert fh.read(4) == magic[-1]  # peek() does not consume
            assert len([op for op in proxy.seen if op.startswith("GetObject:")]) == n
    assert magic[0] == b"\x1f\x8b\x08\x00" and b"PAR1" in magic


def test_role_arn_is_assumed_first(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, moto_url: str, tmp_path: Path
) -> None:
    role = "arn:aws:iam::123456789012:role/flowsg-reader"
    with Proxy(moto_url, lambda op: None) as proxy:
        via(monkeypatch, proxy)
        result = run(
            "load", f"s3://{BUCKET}/{PREFIX}AWSLogs/", "--db", ":memory:", "--role-arn", role
        )
    assert result.exit_code == 0, result.output
    assert proxy.seen[:2] == ["AssumeRole", f"ListObjectsV2:{PREFIX}AWSLogs/"]


# --- CloudWatch Logs ------------------------------------------------------------------------------


def write_streams(folder: Path, parts: dict[str, list[str]]) -> None:
    folder.mkdir()
    for stream, lines in parts.items():
        (folder / stream).write_text("\n".join(lines) + "\n")


def test_cwl_verdicts_equal_the_local_read(aws: dict[str, Any], tmp_path: Path) -> None:
    db, local_db = tmp_path / "cwl.duckdb", tmp_path / "local.duckdb"
    result = run("analyze", f"cwl://{GROUP}/", "--snapshot", str(SNAPSHOT), "--db", str(db))
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # the format came from DescribeFlowLogs: no warning
    no_secret_in(result)
    write_streams(tmp_path / "streams", aws["parts"])
    local = run(
        "analyze", str(tmp_path / "streams"), "--snapshot", str(SNAPSHOT), "--db", str(local_db)
    )
    assert local.exit_code == 0, local.output
    assert files_read(db, f"cwl://{GROUP}/") == sorted(STREAMS)
    remote = verdicts(db, f"cwl://{GROUP}/")
    assert len(remote) > 1000
    assert remote == verdicts(local_db, str(tmp_path / "streams") + "/")
    read = records(db, f"cwl://{GROUP}/")
    assert len(read) == sum(len(v) for v in aws["parts"].values())  # every event, one line
    assert read == records(local_db, str(tmp_path / "streams") + "/")
    lines = dict(query(db, "SELECT source_file, lines_read FROM files"))
    assert lines == {f"cwl://{GROUP}/{s}": len(aws["parts"][s]) for s in STREAMS}
    formats = {f for (f,) in query(db, "SELECT formats FROM files")}
    assert formats == {"(no header) " + CWL_FORMAT.replace("${", "").replace("}", "")}


def test_cwl_stream_prefix_and_time_range(aws: dict[str, Any], tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    since, until = NOW_MS // 1000 + 101, NOW_MS // 1000 + 201  # events 101 to 200 (a second each)
    result = run(
        "load",
        f"cwl://{GROUP}/{STREAMS[1][:8]}",
        *("--db", str(db), "--since", str(since), "--until", str(until)),
    )
    assert result.exit_code == 0, result.output
    assert files_read(db, f"cwl://{GROUP}/") == [STREAMS[1]]
    assert query(db, "SELECT lines_read FROM files") == [(100,)]
    first = aws["parts"][STREAMS[1]][101]
    [(raw,)] = query(db, "SELECT srcaddr || ' ' || dstaddr FROM flows WHERE line_number = 1")
    assert raw in first  # line numbers count the events read


def test_cwl_log_format_option_wins(aws: dict[str, Any], tmp_path: Path) -> None:
    db = tmp_path / "f.duckdb"
    fmt = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr}"
    result = run("load", f"cwl://{GROUP}/{STREAMS[0]}", "--db", str(db), "--log-format", fmt)
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT count(*) FROM flows") == [(0,)]
    reasons = dict(query(db, "SELECT reason, count(*) FROM malformed GROUP BY ALL"))
    assert reasons["wrong number of fields: 14, expected 5"] > 500


def test_cwl_without_describe_flow_logs_warns_and_reads_the_default(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, moto_url: str, tmp_path: Path
) -> None:
    fault = {"DescribeFlowLogs": EC2_DENIED}
    with Proxy(moto_url, fault.get) as proxy:
        via(monkeypatch, proxy)
        result = run("load", f"cwl://{GROUP}/", "--db", str(tmp_path / "f.duckdb"))
    assert result.exit_code == 0, result.output
    warning = error_line(result)
    assert "ec2:DescribeFlowLogs refused" in warning and "default format" in warning
    assert f"FilterLogEvents:{STREAMS[0]}" in proxy.seen


def test_a_stream_that_cannot_be_read_lands_in_malformed(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, moto_url: str, tmp_path: Path
) -> None:
    refused = (
        400,
        "application/x-amz-json-1.1",
        json.dumps({"__type": "InvalidParameterException", "message": "bad stream"}).encode(),
    )
    db = tmp_path / "f.duckdb"
    with Proxy(moto_url, lambda op: refused if op.endswith(STREAMS[0]) else None) as proxy:
        via(monkeypatch, proxy)
        result = run("load", f"cwl://{GROUP}/", "--db", str(db))
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT source_file, reason FROM malformed WHERE line_number IS NULL") == [
        (
            f"cwl://{GROUP}/{STREAMS[0]}",
            "unreadable: read error after line 0 (InvalidParameterException: bad stream)",
        )
    ]
    assert query(db, "SELECT DISTINCT source_file FROM flows") == [(f"cwl://{GROUP}/{STREAMS[1]}",)]


def test_cwl_unknown_group(aws: dict[str, Any], tmp_path: Path) -> None:
    result = run("load", "cwl:///aws/vpc/flowlogs", "--db", str(tmp_path / "f.duckdb"))
    assert result.exit_code == 6
    line = error_line(result)
    assert "no log group named '/aws/vpc'" in line and "cwl:///aws/vpc/flowlogs/" in line
    assert not (tmp_path / "f.duckdb").exists()


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("uri", [f"s3://{BUCKET}/{PREFIX}", f"cwl://{GROUP}/"])
def test_no_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, moto_url: str, uri: str
) -> None:
    fake_credentials(monkeypatch, tmp_path, moto_url)
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = run("load", uri, "--db", str(tmp_path / "f.duckdb"))
    assert result.exit_code == 6
    line = error_line(result)
    assert "no AWS credentials found" in line and "hint:" in line
    assert not (tmp_path / "f.duckdb").exists()


def test_unknown_bucket(aws: dict[str, Any], tmp_path: Path) -> None:
    result = run("load", "s3://no-such-flowsg-bucket/x/", "--db", str(tmp_path / "f.duckdb"))
    assert result.exit_code == 6
    assert "no S3 bucket named 'no-such-flowsg-bucket'" in error_line(result)


@pytest.mark.parametrize(
    "uri, denied, permission",
    [
        (f"s3://{BUCKET}/{PREFIX}", "ListObjectsV2", aws_s3.LIST_ACTION),
        (f"s3://{BUCKET}/{PREFIX}", "GetObject", aws_s3.GET_ACTION),
        (f"cwl://{GROUP}/", "DescribeLogStreams", aws_cwl.STREAMS_ACTION),
        (f"cwl://{GROUP}/", "FilterLogEvents", aws_cwl.FILTER_ACTION),
    ],
)
def test_access_denied_names_the_permission(
    aws: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    moto_url: str,
    tmp_path: Path,
    uri: str,
    denied: str,
    permission: str,
) -> None:
    answer = S3_DENIED if uri.startswith("s3") else LOGS_DENIED
    with Proxy(moto_url, lambda op: answer if op.split(":")[0] == denied else None) as proxy:
        via(monkeypatch, proxy)
        result = run("load", uri, "--db", str(tmp_path / "f.duckdb"))
    assert result.exit_code == 6, result.output
    line = error_line(result)
    assert f"access denied: these credentials may not call {permission}" in line
    assert f"allow {permission}" in line and "Flow logs from S3 and CloudWatch Logs" in line
    assert permission in (*aws_s3.IAM_ACTIONS, *aws_cwl.IAM_ACTIONS)
    no_secret_in(result)


def test_an_object_refused_after_others_were_read_goes_to_malformed(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, moto_url: str, tmp_path: Path
) -> None:
    refused = f"GetObject:{PREFIX}{SAMPLE_KEYS[1]}"
    db = tmp_path / "f.duckdb"
    with Proxy(moto_url, lambda op: S3_DENIED if op == refused else None) as proxy:
        via(monkeypatch, proxy)
        result = run("load", f"s3://{BUCKET}/{PREFIX}AWSLogs/", "--db", str(db))
    assert result.exit_code == 0, result.output
    [(reason,)] = query(
        db, "SELECT reason FROM malformed WHERE source_file = ?", f"s3://{BUCKET}/{refused[10:]}"
    )
    assert reason.startswith("unreadable: access denied: s3:GetObject refused (AccessDenied")
    assert len(files_read(db, "")) == len(SAMPLE_KEYS)


def test_a_read_that_breaks_off_keeps_the_lines_before(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, moto_url: str, tmp_path: Path
) -> None:
    key = PREFIX + SAMPLE_KEYS[0]
    db = tmp_path / "f.duckdb"
    with Proxy(moto_url, lambda op: None, cut=f"GetObject:{key}") as proxy:
        via(monkeypatch, proxy)
        result = run("load", f"s3://{BUCKET}/{PREFIX}AWSLogs/", "--db", str(db))
    assert result.exit_code == 0, result.output
    [(lines, error)] = query(
        db, "SELECT lines_read, error FROM files WHERE source_file = ?", f"s3://{BUCKET}/{key}"
    )
    assert lines > 100
    assert error.startswith(f"unreadable: corrupt gzip data after line {lines} (S3 read broke off")
    assert len(files_read(db, "")) == len(SAMPLE_KEYS)


def test_expired_token(
    aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch, moto_url: str, tmp_path: Path
) -> None:
    expired = (
        400,
        "application/xml",
        b"<Error><Code>ExpiredToken</Code><Message>The token has expired</Message></Error>",
    )
    with Proxy(moto_url, lambda op: expired if op.startswith("ListObjectsV2") else None) as proxy:
        via(monkeypatch, proxy)
        result = run("load", f"s3://{BUCKET}/{PREFIX}", "--db", str(tmp_path / "f.duckdb"))
    assert result.exit_code == 6
    assert "the AWS credentials have expired (ExpiredToken)" in error_line(result)


@pytest.mark.parametrize("uri", [f"s3://{BUCKET}/{PREFIX}", f"cwl://{GROUP}/"])
def test_without_boto3_it_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, uri: str
) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 raises ImportError
    result = run("analyze", uri, "--snapshot", str(SNAPSHOT), "--db", str(tmp_path / "f.duckdb"))
    assert result.exit_code == 2
    line = error_line(result)
    assert f"reading {uri}" in line and "pip install 'flowsg[aws]'" in line
    assert not (tmp_path / "f.duckdb").exists()


def test_the_readme_policy_lists_the_actions_of_both_sources() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Flow logs from S3 and CloudWatch Logs", 1)[1]
    policy = json.loads(section.split("```json", 1)[1].split("```")[0])
    actions = {a for statement in policy["Statement"] for a in statement["Action"]}
    assert actions == {*aws_s3.IAM_ACTIONS, *aws_cwl.IAM_ACTIONS}
