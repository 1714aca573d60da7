"""flowsg.sources without AWS: s3:// and cwl:// URIs, the date of a path, the files a time range
selects (S3 keys and local directories alike), RemoteFile as a string."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import flowsg
from flowsg.cli import cli
from flowsg.errors import UsageError
from flowsg.ingest import walk
from flowsg.logformat import DEFAULT, parse_log_format
from flowsg.sources import (
    DELIVERY_SLACK,
    CwlLocation,
    RemoteFile,
    S3Location,
    SourceOptions,
    folder_period,
    in_range,
    is_remote,
    parse_source,
    path_period,
    select,
    with_format,
)


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


@pytest.mark.parametrize(
    "uri, expected",
    [
        ("s3://bucket", S3Location("bucket", "")),
        ("s3://bucket/", S3Location("bucket", "")),
        ("s3://bucket/AWSLogs/1111/", S3Location("bucket", "AWSLogs/1111/")),
        ("S3://bucket/x", S3Location("bucket", "x")),
        ("cwl://vpc-flow-logs", CwlLocation("vpc-flow-logs", "")),
        ("cwl://vpc-flow-logs/eni-0abc", CwlLocation("vpc-flow-logs", "eni-0abc")),
        ("cwl:///aws/vpc/flowlogs/", CwlLocation("/aws/vpc/flowlogs", "")),
        ("cwl:///aws/vpc/flowlogs/eni-0abc", CwlLocation("/aws/vpc/flowlogs", "eni-0abc")),
    ],
)
def test_parse_source(uri: str, expected: S3Location | CwlLocation) -> None:
    assert is_remote(uri)
    assert parse_source(uri) == expected


@pytest.mark.parametrize("uri", ["s3://", "s3:///key", "cwl://", "cwl:///eni"])
def test_parse_source_refuses_uris_without_a_bucket_or_group(uri: str) -> None:
    with pytest.raises(UsageError):
        parse_source(uri)


def test_local_paths_are_not_remote() -> None:
    assert not is_remote("sample_logs/")
    assert not is_remote("/tmp/s3/x.log")
    assert not is_remote("s3-logs/")


DAY = ("2026-11-02T00:00", "2026-11-03T00:00")
HOUR = ("2026-11-02T09:00", "2026-11-02T10:00")


@pytest.mark.parametrize(
    "path, period",
    [
        ("AWSLogs/1111/vpcflowlogs/us-east-1/2026/11/02/1111_vpcflowlogs_x.log.gz", DAY),
        ("AWSLogs/1111/vpcflowlogs/us-east-1/2026/11/02/09/x.log.gz", HOUR),
        ("2026/11/02/x.log", DAY),
        ("logs/year=2026/month=11/day=02/x.parquet", DAY),
        (
            "AWSLogs/aws-account-id=1/aws-service=vpcflowlogs/aws-region=us-east-1/"
            "year=2026/month=11/day=02/hour=09/x.log.parquet",
            HOUR,
        ),
        ("C:\\logs\\2026\\11\\02\\x.log", DAY),
        ("logs/2026/11/x.log", None),  # no day
        ("logs/2026/13/02/x.log", None),  # no month 13
        ("logs/2026/02/30/x.log", None),
        ("logs/x_20261102T0900Z.log", None),  # the file name's time is not used
        ("logs/12026/11/02/x.log", None),
        ("logs/2026/11/02", None),  # a file named 02, not a folder
    ],
)
def test_path_period(path: str, period: tuple[str, str] | None) -> None:
    expected = None if period is None else (ts(period[0]), ts(period[1]))
    assert path_period(path) == expected


def test_in_range_hour() -> None:
    key = "x/year=2026/month=11/day=02/hour=09/f.parquet"
    assert in_range(key, None, None)
    assert in_range(key, ts("2026-11-02T09:59"), None)
    assert not in_range(key, ts("2026-11-02T10:00"), None)  # the file's hour ended before
    # records start before their file is written: a file of 09:00 may hold records of 08:05
    assert in_range(key, None, ts("2026-11-02T09:00") - DELIVERY_SLACK + 1)
    assert not in_range(key, None, ts("2026-11-02T09:00") - DELIVERY_SLACK)
    assert in_range(key, ts("2026-11-02T09:10"), ts("2026-11-02T09:20"))


def test_in_range_day_and_undated() -> None:
    key = "AWSLogs/1/vpcflowlogs/r/2026/11/02/f.log.gz"
    assert in_range(key, ts("2026-11-02T23:59"), None)
    assert not in_range(key, ts("2026-11-03T00:00"), None)
    assert not in_range(key, None, ts("2026-11-01T23:00"))
    assert in_range(key, None, ts("2026-11-01T23:30"))
    assert in_range("exports/flows.log", ts("2030-01-01T00:00"), ts("2030-01-02T00:00"))


@pytest.mark.parametrize(
    "folder, period",
    [
        ("AWSLogs/1/vpcflowlogs/us-east-1/2026/", ("2026-01-01T00:00", "2027-01-01T00:00")),
        ("AWSLogs/1/vpcflowlogs/us-east-1/2026/11/", ("2026-11-01T00:00", "2026-12-01T00:00")),
        ("x/2026/12/", ("2026-12-01T00:00", "2027-01-01T00:00")),
        ("x/2026/11/02/", DAY),
        ("x/2026/11/02/09/", HOUR),
        ("x/year=2026/", ("2026-01-01T00:00", "2027-01-01T00:00")),
        ("x/year=2026/month=11/day=02/", DAY),
        ("x/year=2026/month=11/day=02/hour=09/", HOUR),
        ("2026/", ("2026-01-01T00:00", "2027-01-01T00:00")),
        ("AWSLogs/", None),
        ("AWSLogs/111122223333/", None),
        ("x/2026/13/", None),
        ("x/aws-region=us-east-1/", None),
    ],
)
def test_folder_period(folder: str, period: tuple[str, str] | None) -> None:
    expected = None if period is None else (ts(period[0]), ts(period[1]))
    assert folder_period(folder) == expected


def test_select_keeps_the_order() -> None:
    keys = [
        "b/2026/11/03/f.log",
        "a/2026/11/01/f.log",
        "undated.log",
        "c/year=2026/month=11/day=02/hour=23/f.parquet",
    ]
    inside, outside = select(keys, ts("2026-11-02T12:00"), ts("2026-11-03T00:00"))
    assert inside == ["b/2026/11/03/f.log", "undated.log", keys[3]]
    assert outside == ["a/2026/11/01/f.log"]


def test_remote_file_is_its_uri() -> None:
    entry = RemoteFile("s3://b/k.log", lambda: io.BufferedReader(io.BytesIO(b"x")), DEFAULT)
    assert entry == "s3://b/k.log" and isinstance(entry, str)
    assert {entry: 1}["s3://b/k.log"] == 1
    assert entry.log_format == DEFAULT
    assert entry.open().read() == b"x"


def test_with_format_prefers_what_the_caller_gave() -> None:
    fmt = parse_log_format("${version} ${interface-id}")
    assert with_format(None, None) == SourceOptions()
    assert with_format(SourceOptions(since=5), "${version} ${interface-id}").log_format == fmt
    given = SourceOptions(log_format=DEFAULT)
    assert with_format(given, fmt) is given


# --- local directories: the same rule -------------------------------------------------------------


def write_tree(root: Path) -> None:
    for rel in (
        "AWSLogs/1/vpcflowlogs/r/2026/11/01/a.log",
        "AWSLogs/1/vpcflowlogs/r/2026/11/02/b.log",
        "hive/year=2026/month=11/day=02/hour=10/c.log",
        "undated/d.log",
    ):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1793606400 1793606460 ACCEPT OK\n")


def test_local_directories_are_chosen_by_the_same_rule(tmp_path: Path) -> None:
    write_tree(tmp_path)
    options = SourceOptions(since=ts("2026-11-02T11:00"))
    walked = walk([tmp_path], sources=options)
    names = sorted(Path(f).name for f in walked.files)
    assert names == ["b.log", "d.log"]
    assert sorted(Path(f).name for f in walked.skipped) == ["a.log", "c.log"]
    assert sorted(Path(f).name for f in walk([tmp_path]).files) == [
        "a.log",
        "b.log",
        "c.log",
        "d.log",
    ]


def test_a_file_named_is_always_read(tmp_path: Path) -> None:
    write_tree(tmp_path)
    named = tmp_path / "AWSLogs/1/vpcflowlogs/r/2026/11/01/a.log"
    walked = walk([named], sources=SourceOptions(since=ts("2030-01-01T00:00")))
    assert walked.files == [str(named)]


def test_load_with_a_range_reads_the_chosen_files(tmp_path: Path) -> None:
    write_tree(tmp_path)
    con = flowsg.connect(":memory:")
    try:
        result = flowsg.load(con, [tmp_path], sources=SourceOptions(until=ts("2026-11-01T12:00")))
        files = sorted(
            Path(f).name for (f,) in con.execute("SELECT source_file FROM files").fetchall()
        )
    finally:
        con.close()
    assert files == ["a.log", "d.log"]
    assert result.files_skipped == 2


def test_until_must_be_after_since(tmp_path: Path) -> None:
    write_tree(tmp_path)
    args = ["load", str(tmp_path), "--db", ":memory:", "--since", "2026-11-02", "--until"]
    result = CliRunner().invoke(cli, [*args, "2026-11-01"])
    assert result.exit_code == 2
    assert "--until must be after --since" in result.stderr
    assert CliRunner().invoke(cli, [*args, "2026-11-03"]).exit_code == 0
